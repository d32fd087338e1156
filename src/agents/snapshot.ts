/**
 * The session's copy of its catalogue, `<session>/catalogue.json`: the agents it was
 * started with and the MCP servers they may use (with `${VAR}` unexpanded, so no secret is
 * written). Workers read their definition from it; a resumed session plans with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MailroomError } from '../errors.js';
import { writeJsonAtomic } from '../util/fs.js';
import type { AgentCatalogue } from './catalogue.js';
import { AgentDefinitionSchema } from '../contracts/agent-definition.js';
import * as z from '../contracts/mini.js';
import { PARSED_ONCE } from '../contracts/parse-once.js';

/** catalogue.json, in zod/mini: a worker reads it before its first model call (contracts/agent-definition.ts says why). */
export const SnapshotSchema = z.object({
  v: z.literal(1),
  agents: z.array(AgentDefinitionSchema),
  mcpServers: z.record(z.string(), z.any()),
  mcpOrigin: z.string(),
  clashes: z._default(z.array(z.object({ name: z.string(), kept: z.string(), shadowed: z.string() })), []),
});

export function cataloguePath(sessionDir: string): string {
  return path.join(sessionDir, 'catalogue.json');
}

export async function writeCatalogue(sessionDir: string, catalogue: AgentCatalogue): Promise<void> {
  await writeJsonAtomic(cataloguePath(sessionDir), { v: 1, ...catalogue });
}

/** The session's catalogue; a session folder from before catalogues has the built-in one. */
export async function readCatalogue(sessionDir: string): Promise<AgentCatalogue> {
  let text: string;
  try {
    text = fs.readFileSync(cataloguePath(sessionDir), 'utf8');
  } catch (err) {
    // Loaded only here: parsing agent files (yaml) is not needed to read a snapshot.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (await import('./builtin.js')).builtinCatalogue();
    throw err;
  }
  const parsed = SnapshotSchema.safeParse(JSON.parse(text), PARSED_ONCE);
  if (!parsed.success) throw new MailroomError('E_CATALOGUE', `${cataloguePath(sessionDir)} is not a valid catalogue: ${z.prettifyError(parsed.error)}`);
  const { v: _v, ...catalogue } = parsed.data;
  return catalogue as AgentCatalogue;
}
