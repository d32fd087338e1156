/**
 * Builds tool arguments from a tool's JSON Schema and a few hints taken from the task,
 * so the offline model calls whatever tools a worker really has, with valid input.
 */
export interface ArgHints {
  query?: string;
  path?: string;
  paths?: string[];
  content?: string;
  code?: string;
  url?: string;
  text?: string;
  score?: number;
  summary?: string;
  criteria?: Array<{ name: string; score: number; feedback: string }>;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  minLength?: number;
  default?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

const NAME_HINTS: Array<[RegExp, keyof ArgHints]> = [
  [/^(query|q|pattern|search|terms?|keywords?)$/i, 'query'],
  [/^(paths|files)$/i, 'paths'],
  [/^(path|file|filename|file_path|name|target)$/i, 'path'],
  [/^(content|contents|body|markdown|document|data)$/i, 'content'],
  [/^(code|source|script|program|expression)$/i, 'code'],
  [/^(url|uri|href|link)$/i, 'url'],
  [/^(score|rating)$/i, 'score'],
  [/^(summary|overall|verdict)$/i, 'summary'],
  [/^(criteria|feedback_items|rubric)$/i, 'criteria'],
  [/^(text|input|prompt|topic|question)$/i, 'text'],
];

/** Fills every required property (and hinted optional ones) of an object schema. */
export function buildArgs(schema: unknown, hints: ArgHints): Record<string, unknown> {
  const s = schema as JsonSchema;
  const out: Record<string, unknown> = {};
  const required = new Set(s.required ?? []);
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    const hintKey = NAME_HINTS.find(([re]) => re.test(name))?.[1];
    const hinted = hintKey !== undefined ? hints[hintKey] : undefined;
    if (hinted !== undefined) {
      out[name] = coerce(hinted, prop);
    } else if (required.has(name)) {
      out[name] = fallback(prop, hints);
    }
  }
  return out;
}

function typeOf(prop: JsonSchema): string | undefined {
  if (Array.isArray(prop.type)) return prop.type.find((t) => t !== 'null');
  if (prop.type) return prop.type;
  return prop.anyOf?.map(typeOf).find(Boolean);
}

function coerce(value: unknown, prop: JsonSchema): unknown {
  const t = typeOf(prop);
  if (t === 'string' && typeof value !== 'string') return Array.isArray(value) ? value.join(' ') : String(value);
  if (t === 'array' && !Array.isArray(value)) return [value];
  return value;
}

function fallback(prop: JsonSchema, hints: ArgHints): unknown {
  if (prop.default !== undefined) return prop.default;
  if (prop.enum && prop.enum.length > 0) return prop.enum[0];
  switch (typeOf(prop)) {
    case 'string': {
      const s = hints.text ?? hints.query ?? 'n/a';
      return s.length >= (prop.minLength ?? 0) ? s : s.padEnd(prop.minLength ?? 0, '.');
    }
    case 'number':
    case 'integer':
      return prop.minimum ?? Math.min(prop.maximum ?? 1, 1);
    case 'boolean':
      return false;
    case 'array':
      // A list that must not be empty gets as many items as it needs, built the same way.
      return Array.from({ length: prop.minItems ?? 0 }, () => (prop.items ? fallback(prop.items, hints) : (hints.text ?? '')));
    case 'object':
      return buildArgs(prop, hints);
    default:
      return hints.text ?? '';
  }
}
