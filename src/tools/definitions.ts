/** The tool definitions a model is sent, from loaded tools (no tool code imported here). */
import { toToolJsonSchema } from '../contracts/json-schema.js';
import type { ToolDefinition } from '../model/types.js';
import type { Tool } from './types.js';

/** The definitions the model sees: name, description and the input schema as JSON Schema. */
export function toolDefinitions(tools: Tool[]): ToolDefinition[] {
  return tools.map((tool) => {
    if (tool.inputSchema) return { name: tool.name, description: tool.description, input_schema: tool.inputSchema };
    return { name: tool.name, description: tool.description, input_schema: toToolJsonSchema(tool.input) };
  });
}
