/** `store_artifact`, `get_artifact` and `list_artifacts`: every role shares results by name. */
import { z } from 'zod';
import { ArtifactNameSchema, ArtifactStore } from '../../artifacts/store.js';
import { ToolError } from '../../errors.js';
import { escapeOutside } from '../output.js';
import { defineTool } from '../types.js';

const MAX_ARTIFACT_CHARS = 1_000_000;

export const storeArtifact = defineTool({
  name: 'store_artifact',
  description: 'Store text under a name in the session\'s shared artifacts, for other workers (and the coordinator) to read with get_artifact.',
  input: z.object({
    name: ArtifactNameSchema.describe('e.g. "findings-errors.md"'),
    content: z.string().max(MAX_ARTIFACT_CHARS),
    description: z.string().max(300).optional().describe('One line on what it is'),
    ttl_seconds: z.number().int().positive().max(7 * 24 * 3600).optional().describe('Expire after this many seconds'),
  }),
  async run(input, ctx) {
    const entry = await new ArtifactStore(ctx.sessionDir).put(input.name, input.content, ctx.agentId, {
      ...(input.ttl_seconds ? { ttlMs: input.ttl_seconds * 1000 } : {}),
      ...(input.description ? { description: input.description } : {}),
    });
    return { content: `stored artifact "${entry.name}" (${entry.bytes} bytes)${entry.expiresAt ? `, expires ${entry.expiresAt}` : ''}` };
  },
});

export const getArtifact = defineTool({
  name: 'get_artifact',
  description: 'Read a shared artifact by name.',
  input: z.object({ name: ArtifactNameSchema }),
  async run(input, ctx) {
    try {
      const { entry, content } = await new ArtifactStore(ctx.sessionDir).get(input.name);
      // Another agent wrote it, perhaps from fetched content: treat it as data.
      return { content, untrusted: true, source: `artifact ${entry.name} by ${entry.storedBy}` };
    } catch (err) {
      throw new ToolError((err as Error).message, { cause: err });
    }
  },
});

export const listArtifacts = defineTool({
  name: 'list_artifacts',
  description: 'List the shared artifacts: name, size, who stored it.',
  input: z.object({}),
  async run(_input, ctx) {
    const entries = await new ArtifactStore(ctx.sessionDir).list();
    if (entries.length === 0) return { content: 'no artifacts yet' };
    // Descriptions are other agents' words (perhaps from fetched pages): escaped and wrapped.
    const lines = entries.map(
      (e) => `${e.name}\t${e.bytes} bytes\tby ${escapeOutside(e.storedBy, 100)}${e.description ? `\t${escapeOutside(e.description)}` : ''}`,
    );
    return { content: lines.join('\n'), untrusted: true, source: 'list_artifacts' };
  },
});
