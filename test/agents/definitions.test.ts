/**
 * Agent definitions: Markdown files with YAML frontmatter, checked with zod, looked up in
 * priority order. Every bad definition is refused before anything starts, naming the file
 * and the field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { safeParse } from 'zod/mini';
import { toolsForAgent } from '../../src/agents/builtin.js';
import { loadCatalogue, type CatalogueOptions } from '../../src/agents/catalogue.js';
import { outputToolOf } from '../../src/agents/output-tool.js';
import { AgentDefinitionError } from '../../src/errors.js';

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-agents-')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A fresh source folder (with .mailroom/agents/), home folder and flag folder. */
function layout() {
  const base = path.join(root, `case-${++n}`);
  const dirs = { source: path.join(base, 'src'), home: path.join(base, 'home'), flag: path.join(base, 'flag') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  const write = (dir: string, file: string, text: string) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
    return path.join(dir, file);
  };
  return {
    ...dirs,
    project: (file: string, text: string) => write(path.join(dirs.source, '.mailroom', 'agents'), file, text),
    user: (file: string, text: string) => write(path.join(dirs.home, '.mailroom', 'agents'), file, text),
    inFlag: (file: string, text: string) => write(dirs.flag, file, text),
    mcp: (servers: Record<string, unknown>) => write(path.join(dirs.source, '.mailroom'), 'mcp.json', JSON.stringify({ mcpServers: servers })),
    load: (extra: Partial<CatalogueOptions> = {}) => loadCatalogue({ sourceRoot: dirs.source, homeDir: dirs.home, env: {}, ...extra }),
  };
}

const md = (front: string, body = 'Do the thing.') => `---\n${front.trim()}\n---\n${body}\n`;

function refusal(fn: () => unknown): AgentDefinitionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AgentDefinitionError) return err;
    throw err;
  }
  throw new Error('expected an AgentDefinitionError');
}

describe('the built-in agents', () => {
  it('are four files in the package, holding their prompt and tools', () => {
    const cat = layout().load();
    expect(cat.agents.map((a) => a.name).sort()).toEqual(['analysis', 'research', 'review', 'writing']);
    for (const a of cat.agents) {
      expect(a.source).toBe('built-in');
      expect(a.file).toMatch(new RegExp(`src/agents/built-in/${a.name}\\.md$`));
      expect(a.prompt.length).toBeGreaterThan(40);
    }
    const review = cat.agents.find((a) => a.name === 'review')!;
    // The review is the review agent's structured output, declared in its file.
    expect(review.outputTool).toBe('submit_review');
    expect(outputToolOf(review)!.name).toBe('submit_review');
    expect(toolsForAgent('review').map((t) => t.name)).toContain('submit_review');
  });
});

describe('parsed frontmatter, kept between loads', () => {
  it('gives every load its own definitions, and reads a file changed since', () => {
    const l = layout();
    const schema = 'outputSchema:\n  type: object\n  properties:\n    answer: { type: string }';
    const file = l.project('helper.md', md(`name: helper\ndescription: Helps.\ntools: [read_file]\n${schema}`));
    const first = l.load().agents.find((a) => a.name === 'helper')!;
    // What one caller does to its definitions never reaches the next load of the same text,
    // not even inside the output schema, which the field checks pass through as it is.
    first.tools!.push('write_file');
    (first.outputSchema as { properties: { answer: { type: string } } }).properties.answer.type = 'number';
    const again = l.load().agents.find((a) => a.name === 'helper')!;
    expect(again.tools).toEqual(['read_file']);
    expect(again.outputSchema).toMatchObject({ properties: { answer: { type: 'string' } } });
    fs.writeFileSync(file, md('name: helper\ndescription: Helps more.\ntools: [list_files]'));
    const changed = l.load().agents.find((a) => a.name === 'helper')!;
    expect(changed.description).toBe('Helps more.');
    expect(changed.tools).toEqual(['list_files']);
    // Bad YAML is refused each time, never remembered as good.
    fs.writeFileSync(file, md('name: [helper'));
    expect(() => l.load()).toThrow(AgentDefinitionError);
    expect(() => l.load()).toThrow(/helper\.md/);
  });
});

describe('lookup order', () => {
  it('lets a project agent override a built-in one by name, and reports the clash', () => {
    const l = layout();
    const file = l.project('research.md', md('name: research\ndescription: Project research.\ntools: [search_files]', 'PROJECT-PROMPT'));
    const cat = l.load();
    const research = cat.agents.find((a) => a.name === 'research')!;
    expect(research).toMatchObject({ source: 'project', file, prompt: 'PROJECT-PROMPT', tools: ['search_files'] });
    expect(cat.agents.filter((a) => a.name === 'research')).toHaveLength(1);
    expect(cat.clashes).toEqual([{ name: 'research', kept: file, shadowed: expect.stringMatching(/built-in\/research\.md$/) }]);
  });

  it('takes --agents first, then the project, then ~/.mailroom/agents, then built-in', () => {
    const l = layout();
    const flagFile = l.inFlag('helper.md', md('name: helper\ndescription: From the flag folder.'));
    l.project('helper.md', md('name: helper\ndescription: From the project.'));
    const userFile = l.user('helper.md', md('name: helper\ndescription: From home.'));
    const homeOnly = l.user('homebody.md', md('name: homebody\ndescription: Only at home.'));
    const cat = l.load({ agentsDir: l.flag });
    expect(cat.agents.find((a) => a.name === 'helper')).toMatchObject({ source: 'flag', file: flagFile });
    expect(cat.agents.find((a) => a.name === 'homebody')).toMatchObject({ source: 'user', file: homeOnly });
    expect(cat.clashes.map((c) => c.shadowed)).toEqual(expect.arrayContaining([userFile]));
    // Library definitions come before everything.
    const api = l.load({ agentsDir: l.flag, agents: [{ name: 'helper', description: 'From the API.', prompt: 'API-PROMPT' }] });
    expect(api.agents.find((a) => a.name === 'helper')).toMatchObject({ source: 'api', prompt: 'API-PROMPT' });
  });
});

describe('refused definitions name the file and the field', () => {
  it('an unknown tool', () => {
    const l = layout();
    const file = l.project('bad.md', md('name: bad\ndescription: x\ntools: [read_file, teleport]'));
    const e = refusal(() => l.load());
    expect(e).toMatchObject({ file, field: 'tools[1]' });
    expect(e.message).toMatch(/unknown tool "teleport"; the built-in tools are search_files, read_file/);
  });

  it('a server missing from the MCP config, named in mcpServers or in a tool name', () => {
    const l = layout();
    l.mcp({ git: { command: 'git-mcp' } });
    const file = l.project('bad.md', md('name: bad\ndescription: x\nmcpServers: [docs]'));
    expect(refusal(() => l.load())).toMatchObject({ file, field: 'mcpServers[0]', reason: expect.stringMatching(/MCP server "docs" is not in the MCP config .*mcp\.json\); configured: git/) });
    fs.writeFileSync(file, md('name: bad\ndescription: x\ntools: [mcp__jira__search]'));
    expect(refusal(() => l.load())).toMatchObject({ file, field: 'tools[0]', reason: expect.stringContaining('MCP server "jira" is not in the MCP config') });
  });

  it('bad YAML, with its line', () => {
    const l = layout();
    const file = l.project('bad.md', '---\nname: bad\ndescription: [unclosed\ntools: x\n---\nbody\n');
    const e = refusal(() => l.load());
    expect(e).toMatchObject({ file, field: 'frontmatter' });
    expect(e.reason).toMatch(/^bad YAML at line \d+/);
  });

  it('a bad name, a missing description, an unknown field, no frontmatter', () => {
    const l = layout();
    const file = l.project('bad.md', md('name: Security_Reviewer\ndescription: x'));
    expect(refusal(() => l.load())).toMatchObject({ file, field: 'name', reason: expect.stringContaining('kebab-case') });
    fs.writeFileSync(file, md('name: ok-name'));
    expect(refusal(() => l.load())).toMatchObject({ file, field: 'description', reason: 'is required' });
    fs.writeFileSync(file, md('name: ok-name\ndescription: x\ntool: [read_file]'));
    expect(refusal(() => l.load())).toMatchObject({ file, field: 'tool', reason: expect.stringMatching(/^unknown field/) });
    fs.writeFileSync(file, 'Just a prompt.\n');
    expect(refusal(() => l.load())).toMatchObject({ file, field: 'frontmatter' });
  });

  it('a duplicate name in one folder', () => {
    const l = layout();
    const first = l.project('a.md', md('name: twin\ndescription: one'));
    const second = l.project('b.md', md('name: twin\ndescription: two'));
    expect(refusal(() => l.load())).toMatchObject({ file: second, field: 'name', reason: `duplicate agent "twin": also defined in ${first}` });
  });

  it('a missing tool module, an outputSchema that is not an object, two tools the model sees as read_file', () => {
    const l = layout();
    const file = l.project('bad.md', md('name: bad\ndescription: x\ntools: [./tools/nope.ts]'));
    expect(refusal(() => l.load())).toMatchObject({ file, field: 'tools[0]', reason: expect.stringMatching(/tool module "\.\/tools\/nope\.ts" not found/) });
    fs.writeFileSync(file, md('name: bad\ndescription: x\noutputSchema: { type: string }'));
    expect(refusal(() => l.load())).toMatchObject({ file, field: 'outputSchema' });
    fs.writeFileSync(file, md('name: bad\ndescription: x\ntools: [read_file, workspace_read_file]'));
    expect(refusal(() => l.load())).toMatchObject({ file, field: 'tools[1]', reason: expect.stringContaining('both seen by the model as "read_file"') });
  });

  it('an MCP config with an unset ${VAR}, or a bad server entry', () => {
    const l = layout();
    const cfg = l.mcp({ docs: { type: 'http', url: 'https://${DOCS_HOST}/mcp' } });
    expect(refusal(() => l.load())).toMatchObject({ file: cfg, field: 'mcpServers.docs.url', reason: expect.stringContaining('${DOCS_HOST} is not set') });
    expect(l.load({ env: { DOCS_HOST: 'docs.example' } }).mcpServers.docs).toMatchObject({ url: 'https://${DOCS_HOST}/mcp' });
    l.mcp({ docs: { type: 'sse', url: 'https://x' } });
    expect(refusal(() => l.load())).toMatchObject({ field: 'mcpServers.docs.type' });
    l.mcp({ 'a__b': { command: 'x' } });
    expect(refusal(() => l.load())).toMatchObject({ field: 'mcpServers.a__b' });
  });
});

describe('fields', () => {
  it('parses every field, carries approval, and resolves module paths against the file', () => {
    const l = layout();
    l.mcp({ git: { command: 'git-mcp', args: ['--repo', '${REPO:-.}'] } });
    fs.mkdirSync(path.join(l.source, '.mailroom', 'agents', 'tools'), { recursive: true });
    fs.writeFileSync(path.join(l.source, '.mailroom', 'agents', 'tools', 'jira.ts'), 'export {};\n');
    l.project(
      'security-reviewer.md',
      md(
        [
          'name: security-reviewer',
          'description: Reviews code for security risks.',
          'tools: read_file, search_files, mcp__git__git_log, ./tools/jira.ts',
          'disallowedTools: [mcp__git__git_push]',
          'model: claude-sonnet-5-5',
          'maxTurns: 8',
          'maxTokens: 90000',
          'timeout: 300',
          'approval: [mcp__git__git_log]',
          'outputSchema:',
          '  type: object',
          '  properties: { findings: { type: array, items: { type: string } } }',
          '  required: [findings]',
        ].join('\n'),
        'You review code for security problems.',
      ),
    );
    const def = l.load().agents.find((a) => a.name === 'security-reviewer')!;
    expect(def).toMatchObject({
      tools: ['read_file', 'search_files', 'mcp__git__git_log', path.join(l.source, '.mailroom', 'agents', 'tools', 'jira.ts')],
      disallowedTools: ['mcp__git__git_push'],
      mcpServers: ['git'],
      model: 'claude-sonnet-5-5',
      maxTurns: 8,
      maxTokens: 90000,
      timeout: 300,
      approval: ['mcp__git__git_log'],
      prompt: 'You review code for security problems.',
    });
    const out = outputToolOf(def)!;
    expect(out.name).toBe('final_answer');
    expect(safeParse(out.input, { findings: ['sql injection in orders.ts:4'] }).success).toBe(true);
    expect(safeParse(out.input, { findings: 'none' }).success).toBe(false);
  });
});
