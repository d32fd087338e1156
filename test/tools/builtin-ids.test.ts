/**
 * The names-only table a worker loads its tools through (builtin-ids.ts) against the
 * loaded registry (registry.ts): the same ids, the same names, the same tool objects.
 */
import { describe, expect, it } from 'vitest';
import { builtinToolIds, isWorkerToolId, loadBuiltinTool, modelNameOf, workerToolIds } from '../../src/tools/builtin-ids.js';
import { builtinTool } from '../../src/tools/registry.js';

describe('names-only built-in tool table', () => {
  it('loads, for every id, the very tool the registry holds, under the name it states', async () => {
    expect(workerToolIds().length).toBeGreaterThan(10);
    for (const id of workerToolIds()) {
      const loaded = await loadBuiltinTool(id);
      expect(loaded, id).toBe(builtinTool(id));
      expect(modelNameOf(id), id).toBe(loaded!.name);
    }
  });

  it('has no worker tool for a server tool or an unknown id', async () => {
    expect(builtinToolIds()).toEqual(expect.arrayContaining(['web_search', 'web_fetch', ...workerToolIds()]));
    for (const id of ['web_search', 'web_fetch', 'no_such_tool']) {
      expect(isWorkerToolId(id)).toBe(false);
      expect(await loadBuiltinTool(id)).toBeUndefined();
      expect(builtinTool(id)).toBeUndefined();
    }
    expect(modelNameOf('web_search')).toBe('web_search');
    expect(modelNameOf('workspace_read_file')).toBe('read_file');
    expect(modelNameOf('no_such_tool')).toBe('no_such_tool');
  });
});
