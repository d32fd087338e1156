/**
 * Runs the fake standalone for manual runs and the bench:
 *   node --import tsx test/support/fake-anthropic/cli.ts [--port 0] [--api-key K] [--script replies.json] [--echo]
 * Prints its URL on stdout. `--script` reads `{ "<agent|role|*>": FakeReply[] }`; `--echo`
 * answers any otherwise unscripted request with a text block quoting the last user message.
 * Stops on SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import { FakeAnthropicServer } from './server.js';
import type { FakeReply } from './types.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function lastUserText(body: any): string {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m) => m?.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (Array.isArray(last.content) ? last.content : [])
    .map((b: any) => (typeof b?.text === 'string' ? b.text : typeof b?.content === 'string' ? b.content : ''))
    .join('\n');
}

const apiKey = option('--api-key');
const server = await FakeAnthropicServer.start({
  port: Number(option('--port') ?? 0),
  ...(apiKey !== undefined ? { requireApiKey: apiKey } : {}),
});
const scriptFile = option('--script');
if (scriptFile) {
  const scripts = JSON.parse(fs.readFileSync(scriptFile, 'utf8')) as Record<string, FakeReply[]>;
  for (const [key, replies] of Object.entries(scripts)) server.script(key, replies);
}
if (process.argv.includes('--echo')) {
  server.respond((req) => ({ type: 'message', content: [{ type: 'text', text: `echo: ${lastUserText(req.body)}` }] }));
}
process.stdout.write(`${server.url}\n`);

const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
