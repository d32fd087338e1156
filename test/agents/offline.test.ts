/**
 * The offline model with a catalogue of its own: it plans and routes by the agents'
 * descriptions, and drives any agent's tools (MCP ones included) with arguments built from
 * their JSON Schemas, ending with the output tool when the agent has one.
 */
import { describe, expect, it } from 'vitest';
import { OfflineModel } from '../../src/model/offline/index.js';
import { planFromTask } from '../../src/model/offline/planner.js';
import { classify } from '../../src/model/offline/classifier.js';
import { agentList, workerSystemPrompt, workerTaskMessage } from '../../src/prompts.js';
import { routerSystemPrompt } from '../../src/patterns/route.js';

const AGENTS = [
  { name: 'research', description: 'Finds and reads sources and reports what they say.', source: 'built-in' },
  { name: 'writing', description: 'Writes documents.', source: 'built-in' },
  { name: 'tide-keeper', description: 'Looks up tide tables and harbour times from the tide server.', source: 'project' },
];

describe('offline planning and routing by description', () => {
  it('gives a part of the task to the agent whose description fits, and the report waits for it', () => {
    const plan = planFromTask('Look up the tide tables for the harbour and write a short report', AGENTS);
    expect(plan.subtasks!.map((s) => s.role)).toEqual(['tide-keeper', 'writing']);
    expect(plan.subtasks![1]!.dependsOn).toEqual([plan.subtasks![0]!.id]);
    // Without a matching agent, the built-in kinds still apply.
    expect(planFromTask('Find how errors are handled', AGENTS).subtasks!.map((s) => s.role)).toEqual(['research']);
  });

  it('routes to a listed agent by its words, and to unknown when nothing fits', () => {
    const system = routerSystemPrompt(AGENTS);
    expect(classify('<task>\nWhen is high water by the harbour tide tables?\n</task>', system).category).toBe('tide-keeper');
    expect(classify('<task>\nzzz qqq\n</task>', system).category).toBe('unknown');
  });
});

describe('offline worker turns for an agent that is not built in', () => {
  const model = new OfflineModel();
  const tools = [
    { name: 'mcp__tides__get_tide', description: 'Get the tide table for a harbour.', input_schema: { type: 'object', properties: { harbour: { type: 'string' }, days: { type: 'integer', minimum: 1 } }, required: ['harbour', 'days'] } },
    { name: 'mcp__tides__delete_station', description: 'Delete a tide station from the harbour list.', input_schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    { name: 'final_answer', description: 'Submit', input_schema: { type: 'object', properties: { summary: { type: 'string' }, highs: { type: 'array', items: { type: 'string' }, minItems: 1 } }, required: ['summary', 'highs'] } },
  ];
  const system = workerSystemPrompt({ name: 'tide-keeper', prompt: 'Look tides up.', outputTool: 'final_answer' }, 'w01-tide-keeper');
  const first = { role: 'user' as const, content: workerTaskMessage('Get the tide table for the harbour', undefined, []) };
  const turn = (messages: Parameters<OfflineModel['createMessage']>[0]['messages']) =>
    model.createMessage({ system, messages, tools, metadata: { agentId: 'w01-tide-keeper', role: 'tide-keeper', purpose: 'turn' } });

  it('calls the MCP tool that fits with valid arguments, never a destructive one, then ends with final_answer', async () => {
    const r1 = await turn([first]);
    expect(r1.stop_reason).toBe('tool_use');
    expect(r1.content).toEqual([{ type: 'tool_use', id: 'toolu_offline_0_0', name: 'mcp__tides__get_tide', input: { harbour: expect.any(String), days: 1 } }]);
    const result = { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_offline_0_0', content: '<untrusted-data source="mcp__tides__get_tide">\nHigh water 06:12\n</untrusted-data>' }] };
    const r2 = await turn([first, { role: 'assistant', content: r1.content }, result]);
    const call = r2.content[0] as { type: string; name: string; input: { summary: string; highs: string[] } };
    expect(call).toMatchObject({ type: 'tool_use', name: 'final_answer' });
    expect(call.input.summary).toContain('High water 06:12');
    expect(call.input.highs).toHaveLength(1);
  });

  it('lists agents for the planner in a form it can read back', () => {
    expect(agentList(AGENTS)).toContain('<agent name="tide-keeper" source="project">Looks up tide tables and harbour times from the tide server.</agent>');
  });
});
