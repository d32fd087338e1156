// A small stdio MCP server for tests, on the official SDK: `echo` answers, `hang` never
// does, `crash` kills the server mid-call. MCP_FAIL_START=1 makes it fail at start with a
// message on stderr; MCP_PID_FILE gets its pid, so a test can check it is gone.
import fs from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

if (process.env.MCP_FAIL_START === '1') {
  process.stderr.write('test-server: cannot open its database: permission denied\n');
  process.exit(1);
}
if (process.env.MCP_PID_FILE) fs.appendFileSync(process.env.MCP_PID_FILE, `${process.pid}\n`);

const server = new Server({ name: 'mailroom-test-server', version: '1.0.0' }, { capabilities: { tools: {} } });
const text = { type: 'object', properties: { text: { type: 'string', description: 'What to echo back' } }, required: ['text'] };

server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    { name: 'echo', description: 'Echo the text back, marked by the server.', inputSchema: text },
    { name: 'hang', description: 'Never answers (a hung server).', inputSchema: { type: 'object', properties: {} } },
    { name: 'crash', description: 'Kills the server in the middle of the call.', inputSchema: { type: 'object', properties: {} } },
  ],
}));

server.setRequestHandler(CallToolRequestSchema, async (req) => {
  switch (req.params.name) {
    case 'echo':
      return { content: [{ type: 'text', text: `ECHO-FROM-SERVER: ${String(req.params.arguments?.text ?? '')}` }] };
    case 'hang':
      return new Promise(() => {});
    case 'crash':
      process.stderr.write('test-server: crashing on purpose\n');
      process.exit(7);
    default:
      return { isError: true, content: [{ type: 'text', text: `no tool ${req.params.name}` }] };
  }
});

await server.connect(new StdioServerTransport());
