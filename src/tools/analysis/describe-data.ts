/**
 * `describe_data`: parse a CSV or JSON table in the workspace and summarize each column.
 * The parse and the summary run in a bounded worker thread (describe-thread.mjs), in one
 * linear pass: a hostile file (thousands of distinct keys, a very wide CSV) used to take
 * minutes on the worker's main thread.
 */
import * as z from '../../contracts/mini.js';
import { ToolError } from '../../errors.js';
import { looksBinary, readHead } from '../fileread.js';
import { resolveInRoot } from '../paths.js';
import { runInThread } from '../thread.js';
import { defineTool } from '../types.js';

/** Largest data file read, in bytes. */
export const MAX_DATA_BYTES = 20 * 1024 * 1024;
/** Time for the parse and summary, in ms. */
export const DESCRIBE_TIMEOUT_MS = 10_000;

const THREAD_URL = new URL('./describe-thread.mjs', import.meta.url);

type Described = { ok: true; content: string } | { ok: false; message: string; quotesFile: boolean };

export const describeData = defineTool({
  name: 'describe_data',
  description:
    'Summarize a CSV file (with a header row) or a JSON file (an array of objects) in the workspace: ' +
    'row count and, per column, count, missing values, and numeric statistics (min, max, mean, ' +
    'median, standard deviation) or the most frequent values for text columns.',
  input: z.object({
    path: z.string().check(z.minLength(1), z.describe('Data file relative to the workspace, e.g. "data/sales.csv"')),
    format: z.optional(z.enum(['csv', 'json'])).check(z.describe('File format (default: from the file extension)')),
  }),
  async run(input, ctx) {
    const jailed = await resolveInRoot(ctx.workspaceDir, input.path, { rootName: 'workspace' });
    const { buf, size } = await readHead(jailed, jailed.rel, MAX_DATA_BYTES);
    if (size > buf.length) throw new ToolError(`${jailed.rel} is too large to describe (${size} bytes; the limit is ${MAX_DATA_BYTES})`);
    if (looksBinary(buf)) throw new ToolError(`${jailed.rel} looks like a binary file; refused`);
    const text = buf.toString('utf8');
    const format = input.format ?? (/\.json$/i.test(jailed.rel) ? 'json' : /\.(csv|tsv|txt)$/i.test(jailed.rel) ? 'csv' : /^\s*[[{]/.test(text) ? 'json' : 'csv');
    const out = await runInThread<Described>(THREAD_URL, { text, format, display: jailed.rel }, {
      timeoutMs: DESCRIBE_TIMEOUT_MS,
      resourceLimits: { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 32 },
      signal: ctx.signal,
    });
    if (!out.ok) {
      const why = out.kind === 'memory' ? 'it needs more memory than the limit' : out.message;
      throw new ToolError(`describe_data could not summarize ${jailed.rel}: ${why}`, { code: `E_DATA_${out.kind.toUpperCase()}` });
    }
    if (!out.value.ok) throw new ToolError(out.value.message, { untrusted: out.value.quotesFile });
    return { content: out.value.content, untrusted: true, source: `describe_data: workspace/${jailed.rel}` };
  },
});
