/**
 * Reads one agent file: YAML frontmatter between `---` lines (parsed with `yaml`), then the
 * Markdown body, which is the system prompt. Every problem names the file and the field.
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { AgentDefinitionError } from '../errors.js';
import { AgentFieldsSchema } from './schema.js';

export type AgentFields = z.output<typeof AgentFieldsSchema>;

/** The fields and the prompt of an agent file's text. */
export function parseAgentText(text: string, file: string): { fields: AgentFields; prompt: string } {
  const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  if (!m) throw new AgentDefinitionError(file, 'frontmatter', 'an agent file starts with YAML frontmatter between two "---" lines');
  let data: unknown;
  try {
    data = parseFrontmatter(m[1]!);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line + 1}` : '';
    throw new AgentDefinitionError(file, 'frontmatter', `bad YAML${where}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new AgentDefinitionError(file, 'frontmatter', 'the frontmatter must be a YAML mapping (name: ..., description: ...)');
  }
  return { fields: parseFields(data, file), prompt: m[2]!.trim() };
}

/** Validates the fields with zod; the first problem becomes the error, naming its field. */
export function parseFields(data: unknown, file: string, schema: z.ZodType<AgentFields> = AgentFieldsSchema): AgentFields {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new AgentDefinitionError(file, issue.keys.join(', '), `unknown field; the fields are ${Object.keys(AgentFieldsSchema.shape).join(', ')}`);
  }
  const field = issue.path.length > 0 ? issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i > 0 ? `.${String(p)}` : String(p))).join('') : '(frontmatter)';
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  throw new AgentDefinitionError(file, field, missing ? 'is required' : issue.message);
}

/**
 * Parsed frontmatter by its text. The YAML parse is most of a catalogue's load (about 2 ms
 * a file, by profile: 9 ms of each session's setup for the four built-in agents), and a
 * program that runs many sessions reads the same files every time. Only successful parses
 * are kept; each caller gets its own copy, so nothing it changes reaches the next.
 */
const FRONTMATTER = new Map<string, unknown>();
const FRONTMATTER_KEPT = 256;

function parseFrontmatter(yamlText: string): unknown {
  let data = FRONTMATTER.get(yamlText);
  if (data === undefined) {
    data = parseYaml(yamlText, { prettyErrors: true, uniqueKeys: true }) as unknown;
    if (FRONTMATTER.size >= FRONTMATTER_KEPT) FRONTMATTER.delete(FRONTMATTER.keys().next().value!);
    FRONTMATTER.set(yamlText, data);
  }
  return structuredClone(data);
}
