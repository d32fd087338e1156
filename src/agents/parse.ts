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
    data = parseYaml(m[1]!, { prettyErrors: true, uniqueKeys: true });
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
