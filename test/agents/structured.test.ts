/**
 * Structured output: an agent with an outputSchema ends by calling final_answer with it.
 * A mismatch goes back to the model as a tool error and the model retries; the valid JSON
 * is the result, which a dependent and the synthesis receive as JSON and result.md shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { blocksReply, fakeEnv, routeSession, textReply, toolNames } from '../anthropic/helpers.js';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';
import { REPO_ROOT, killStartedClis, onlySession, runCli, tempRuntime } from '../support/cli.js';

// Real processes and servers on a shared, loaded machine: generous limits, no timing asserts.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const made: string[] = [];
afterEach(() => killStartedClis());
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>) {
  const source = tempRuntime('mailroom-structured-src-');
  const runtime = tempRuntime('mailroom-structured-rt-');
  made.push(source, runtime);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(source, name)), { recursive: true });
    fs.writeFileSync(path.join(source, name), text);
  }
  return { source, runtime, env: { HOME: source } };
}

const EXTRACTOR = `---
name: extractor
description: Extracts a city and its population as JSON.
tools: [read_file]
outputSchema:
  type: object
  properties:
    city: { type: string }
    population: { type: integer, minimum: 0 }
  required: [city, population]
  additionalProperties: false
---
Extract the city and its population.
`;

describe('structured output through the Messages API', () => {
  let server: FakeAnthropicServer;
  beforeAll(async () => {
    server = await FakeAnthropicServer.start();
  });
  afterAll(async () => server.close());

  it('retries a schema mismatch, then hands the JSON to its dependent and to synthesis', async () => {
    const p = project({ '.mailroom/agents/extractor.md': EXTRACTOR });
    routeSession(server, {
      plan: [
        {
          type: 'message',
          content: [
            {
              type: 'tool_use',
              id: 'toolu_plan',
              name: 'plan_subtasks',
              input: {
                subtasks: [
                  { id: 'extract', role: 'extractor', description: 'Find the city and population' },
                  { id: 'write', role: 'writing', description: 'Write one line about it', dependsOn: ['extract'] },
                ],
                failurePolicy: 'all',
              },
            },
          ],
        },
      ],
      synthesis: [textReply('FINAL: Oslo has 709000 people.')],
      workers: {
        'w01-extractor': [
          blocksReply([{ type: 'tool_use', id: 'toolu_bad', name: 'final_answer', input: { city: 'Oslo', population: 'many' } }]),
          blocksReply([{ type: 'text', text: 'Fixed.' }, { type: 'tool_use', id: 'toolu_good', name: 'final_answer', input: { city: 'Oslo', population: 709000 } }]),
        ],
        'w02-writing': [textReply('WRITER: Oslo, 709000.')],
      },
    });
    const run = await runCli(['--runtime-dir', p.runtime, '--source', p.source, '--no-live', 'City facts'], { env: fakeEnv(server, p.env) });
    expect(run.code, run.stderr).toBe(0);

    const ex = server.requests.filter((r) => r.agent === 'w01-extractor');
    // The valid call ended the loop: no third model call.
    expect(ex).toHaveLength(2);
    expect(toolNames(ex[0]!)).toEqual(['read_file', 'final_answer']);
    const schema = (ex[0]!.body.tools as Array<{ name: string; input_schema: unknown }>).find((t) => t.name === 'final_answer')!.input_schema;
    expect(schema).toMatchObject({ type: 'object', required: ['city', 'population'] });
    expect(JSON.stringify(ex[0]!.body.system)).toContain('call final_answer with your result');
    const refused = ex[1]!.body.messages.at(-1).content[0];
    expect(refused).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_bad', is_error: true });
    expect(refused.content).toMatch(/invalid input for tool final_answer:[\s\S]*population/);

    // The dependent gets the JSON, marked as JSON.
    const writer = server.requests.find((r) => r.agent === 'w02-writing')!;
    const first = JSON.stringify(writer.body.messages[0].content);
    expect(first).toContain('<input from=\\"w01-extractor\\" subtask=\\"extract\\" format=\\"json\\">');
    expect(first).toContain('\\"population\\": 709000');
    // So does the synthesis.
    const synthesis = server.requests.filter((r) => r.agent === 'coordinator').at(-1)!;
    expect(JSON.stringify(synthesis.body.messages)).toContain('subtask=\\"extract\\" role=\\"extractor\\" format=\\"json\\"');

    // The result message carries the parsed JSON.
    const dir = onlySession(p.runtime);
    const cur = path.join(dir, 'agents', 'coordinator', 'mailbox', 'cur');
    const results = fs.readdirSync(cur).map((f) => JSON.parse(fs.readFileSync(path.join(cur, f), 'utf8'))).filter((m) => m.type === 'result' && m.from === 'w01-extractor');
    expect(results).toHaveLength(1);
    expect(results[0].body.structured).toEqual({ city: 'Oslo', population: 709000 });
    expect(JSON.parse(results[0].body.output)).toEqual({ city: 'Oslo', population: 709000 });
  });
});

describe('structured output offline', () => {
  it('fills the schema from what the tools returned, and result.md shows the JSON', async () => {
    const p = project({
      '.mailroom/agents/fact-sheet.md': `---
name: fact-sheet
description: Makes a fact sheet about animals from the source files, as JSON.
tools: [search_files, read_file]
outputSchema:
  type: object
  properties:
    summary: { type: string, minLength: 1 }
    sources: { type: array, items: { type: string }, minItems: 1 }
  required: [summary, sources]
---
Build a fact sheet.
`,
      'otters.md': fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/tools/corpus/otters.md'), 'utf8'),
    });
    const run = await runCli(['--offline', '--runtime-dir', p.runtime, '--source', p.source, 'Make a fact sheet about otters'], { env: p.env });
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(p.runtime);
    const result = fs.readFileSync(path.join(dir, 'result.md'), 'utf8');
    expect(result).toContain('w01-fact-sheet');
    expect(result).toMatch(/"summary": "Findings for: Make a fact sheet about otters/);
    expect(result).toContain('"sources": [');
    expect(result.toLowerCase()).toContain('otters.md');
  });
});
