/**
 * Agents from the command line: a bad definition stops the run with exit 2 naming the
 * file and the field, before any session folder exists; `mailroom agents` prints the
 * catalogue; and an offline session plans with the project's agents, which override the
 * built-in ones by name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, killStartedClis, onlySession, readJson, readJsonl, runCli, tempRuntime } from '../support/cli.js';

// Real processes and servers on a shared, loaded machine: generous limits, no timing asserts.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const made: string[] = [];
afterEach(() => killStartedClis());
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A source folder with agents in .mailroom/agents/, and a runtime folder. */
function project(agents: Record<string, string>, extra: Record<string, string> = {}) {
  const source = tempRuntime('mailroom-agents-src-');
  const runtime = tempRuntime('mailroom-agents-rt-');
  const home = tempRuntime('mailroom-agents-home-');
  made.push(source, runtime, home);
  const dir = path.join(source, '.mailroom', 'agents');
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(agents)) fs.writeFileSync(path.join(dir, name), text);
  for (const [name, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(source, name)), { recursive: true });
    fs.writeFileSync(path.join(source, name), text);
  }
  // HOME keeps the developer's own ~/.mailroom/agents out of the test.
  return { source, runtime, dir, env: { HOME: home } };
}

const md = (front: string, body = 'Do the thing.') => `---\n${front.trim()}\n---\n${body}\n`;

describe('a bad definition is refused with exit 2, naming the file and the field', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['unknown tool', md('name: bad\ndescription: x\ntools: [read_file, teleport]'), /bad\.md: tools\[1\]: unknown tool "teleport"/],
    ['missing server', md('name: bad\ndescription: x\nmcpServers: [git]'), /bad\.md: mcpServers\[0\]: MCP server "git" is not in the MCP config/],
    ['bad YAML', '---\nname: bad\ndescription: "unterminated\n---\nbody\n', /bad\.md: frontmatter: bad YAML at line \d+/],
  ];
  for (const [what, text, pattern] of cases) {
    it(what, async () => {
      const p = project({ 'bad.md': text });
      const run = await runCli(['--offline', '--runtime-dir', p.runtime, '--source', p.source, 'Summarize the notes'], { env: p.env });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(pattern);
      expect(run.stderr).toContain(path.join(p.dir, 'bad.md'));
      expect(fs.existsSync(path.join(p.runtime, 'sessions'))).toBe(false);
    });
  }

  it('an option naming an agent that is not in the catalogue', async () => {
    const p = project({});
    const run = await runCli(['--offline', '--runtime-dir', p.runtime, '--source', p.source, '--pattern', 'pipeline', '--stages', 'research,ghost', 'x'], { env: p.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--stages: unknown agent "ghost"; the agents are/);
  });
});

describe('mailroom agents', () => {
  it('lists the catalogue with sources, tools and limits, a project agent over the built-in one', async () => {
    const p = project({
      'research.md': md('name: research\ndescription: Project research, reads only.\ntools: [search_files, read_file]\nmaxTurns: 5\ntimeout: 90', 'PROJECT'),
      'auditor.md': md('name: auditor\ndescription: Audits.\ntools: [read_file]\nmodel: claude-haiku-5-5\napproval: [read_file]'),
    });
    const json = await runCli(['agents', '--json', '--source', p.source], { env: p.env });
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as { agents: Array<Record<string, any>>; clashes: Array<{ name: string }> };
    expect(out.agents.map((a) => a.name).sort()).toEqual(['analysis', 'auditor', 'research', 'review', 'writing']);
    expect(out.agents.find((a) => a.name === 'research')).toMatchObject({
      source: 'project',
      tools: ['search_files', 'read_file'],
      limits: { maxTurns: 5, timeoutSeconds: 90, own: ['maxTurns', 'timeout'] },
    });
    expect(out.agents.find((a) => a.name === 'auditor')).toMatchObject({ model: 'claude-haiku-5-5', approval: ['read_file'] });
    expect(out.agents.find((a) => a.name === 'review')).toMatchObject({ source: 'built-in', outputTool: 'submit_review' });
    expect(out.clashes.map((c) => c.name)).toEqual(['research']);

    const text = await runCli(['agents', '--source', p.source], { env: p.env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^auditor {2}\(project: .*auditor\.md\)$/m);
    expect(text.stdout).toMatch(/tools: {2}search_files, read_file\n {2}limits: 5 turns, 400000 tokens, 90 s \(own: maxTurns, timeout\)/);
    expect(text.stdout).toMatch(/note: agent "research": .*research\.md overrides .*built-in\/research\.md/);
  });
});

describe('an offline session with project agents', () => {
  it('picks the agent whose description fits the task, and a project file overrides a built-in one', async () => {
    const p = project(
      {
        'security-reviewer.md': md(
          'name: security-reviewer\ndescription: Reviews code for security risks such as injection. Use for any security question.\ntools: [search_files, read_file]\nmaxTurns: 8\ntimeout: 300',
          'You review code for security problems. Cite file and line for every finding. PROMPT-SEC',
        ),
        'writing.md': md('name: writing\ndescription: Writes short reports.\ntools: [write_file]', 'PROMPT-PROJECT-WRITING: write tersely.'),
      },
      { 'src/orders.ts': 'export function find(id: string) {\n  return db.query("SELECT * FROM orders WHERE id = " + id); // injection risk: string concatenation\n}\n' },
    );
    const run = await runCli(['--offline', '--runtime-dir', p.runtime, '--source', p.source, 'Review this folder for injection risks and write a short report'], { env: p.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/note: agent "writing": .*writing\.md overrides .*built-in\/writing\.md/);
    const dir = onlySession(p.runtime);
    const plan = readJson<{ subtasks: Array<{ id: string; role: string; dependsOn: string[] }> }>(path.join(dir, 'plan.json'));
    expect(plan.subtasks.map((s) => s.role)).toEqual(['security-reviewer', 'writing']);
    expect(plan.subtasks[1]!.dependsOn).toEqual([plan.subtasks[0]!.id]);
    const agents = fs.readdirSync(path.join(dir, 'agents')).sort();
    expect(agents).toEqual(['coordinator', 'human', 'w01-security-reviewer', 'w02-writing']);

    // Each worker ran its own definition: its prompt, exactly its tools, its limits.
    const sys = (id: string) => readJsonl<{ kind: string; content?: string; tools?: string[] }>(path.join(dir, 'agents', id, 'transcript.jsonl')).find((l) => l.kind === 'system')!;
    expect(sys('w01-security-reviewer').content).toContain('PROMPT-SEC');
    expect(sys('w01-security-reviewer').tools).toEqual(['search_files', 'read_file']);
    expect(sys('w02-writing').content).toContain('PROMPT-PROJECT-WRITING');
    expect(sys('w02-writing').tools).toEqual(['write_file']);
    const rec = readJson<{ limits: { maxTurns: number; wallClockMs: number } }>(path.join(dir, 'agents', 'w01-security-reviewer', 'agent.json'));
    expect(rec.limits).toMatchObject({ maxTurns: 8, wallClockMs: 300_000 });
    // The reviewer really searched and read the source, and its finding reached the report.
    expect(run.stdout).toContain('orders.ts');
    expect(run.stdout).toContain('injection risk');
  });
});

it('npm start -- agents prints the catalogue', async () => {
  const home = tempRuntime('mailroom-agents-home-');
  made.push(home);
  const run = await runCli(['agents'], { cwd: REPO_ROOT, env: { HOME: home } });
  expect(run.code).toBe(0);
  for (const name of ['research', 'writing', 'analysis', 'review']) expect(run.stdout).toMatch(new RegExp(`^${name} {2}\\(built-in: `, 'm'));
});
