/**
 * One connection to one MCP server, inside the worker process that uses it, with the
 * official SDK. A stdio server is a child of the worker, in its process group (it is not
 * detached), so the termination ladder's signals reach it too; on any exit of the worker,
 * a last-chance hook signals the children still running. The server's stderr is kept (its
 * tail names the cause when it fails) and logged.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from 'pino';
import { McpServerError, describeError } from '../../errors.js';
import { startupTimeoutMs, type McpServerConfig } from './config.js';

/** A tool as the server lists it. */
export interface McpToolInfo {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

const STDERR_TAIL = 4000;
const livePids = new Set<number>();
let exitHookInstalled = false;

/** On exit (even process.exit), a stdio server that is still running is told to stop. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of livePids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}

export class McpConnection {
  private stderrTail = '';
  private closed = false;
  /** Set when the transport closed on its own: the server crashed or went away. */
  private lostReason: string | undefined;

  private constructor(
    readonly server: string,
    private readonly client: Client,
    private readonly transport: Transport,
    private readonly logger?: Logger,
  ) {}

  /**
   * Starts (stdio) or reaches (HTTP) the server and completes the MCP handshake. A server
   * that cannot start fails with its command and the tail of what it printed on stderr.
   */
  static async connect(server: string, config: McpServerConfig, opts: { env?: NodeJS.ProcessEnv; logger?: Logger } = {}): Promise<McpConnection> {
    const client = new Client({ name: 'mailroom', version: '0.1.0' });
    let transport: Transport;
    let stdio: StdioClientTransport | undefined;
    if ('command' in config) {
      stdio = new StdioClientTransport({
        command: config.command,
        args: config.args,
        env: serverEnv(opts.env ?? process.env, config.env),
        stderr: 'pipe',
        ...(config.cwd ? { cwd: config.cwd } : {}),
      });
      transport = stdio;
    } else {
      transport = new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
    }
    const conn = new McpConnection(server, client, transport, opts.logger);
    stdio?.stderr?.on('data', (d: Buffer) => conn.onStderr(d.toString()));
    client.onclose = () => {
      if (!conn.closed) conn.lostReason = `the server closed the connection${conn.stderrTail ? `; its stderr ends with: ${conn.tail()}` : ''}`;
      if (stdio?.pid) livePids.delete(stdio.pid);
    };
    client.onerror = (err) => opts.logger?.debug({ server, err: describeError(err) }, 'MCP transport error');

    const limit = startupTimeoutMs(config);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(transport),
        new Promise<never>((_r, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer to the MCP handshake within ${limit} ms`)), limit);
        }),
      ]);
    } catch (err) {
      await conn.close();
      // Let the last of its stderr arrive before naming it.
      await new Promise((r) => setTimeout(r, 50));
      const what = 'command' in config ? `${config.command} ${config.args.join(' ')}`.trim() : config.url;
      throw new McpServerError(server, `failed to start (${what}): ${describeError(err)}${conn.stderrTail ? `; stderr: ${conn.tail()}` : ''}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    if (stdio?.pid) {
      installExitHook();
      livePids.add(stdio.pid);
    }
    opts.logger?.info({ server, pid: stdio?.pid, url: 'url' in config ? config.url : undefined }, 'MCP server connected');
    return conn;
  }

  /** The server's pid, for a stdio server. */
  get pid(): number | undefined {
    return this.transport instanceof StdioClientTransport ? (this.transport.pid ?? undefined) : undefined;
  }

  /** Every tool the server offers (following pagination). */
  async listTools(): Promise<McpToolInfo[]> {
    const out: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : {});
      for (const t of page.tools) out.push({ name: t.name, ...(t.description ? { description: t.description } : {}), inputSchema: t.inputSchema as Record<string, unknown> });
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** Calls one tool with a time limit; throws with a reason on timeout, crash or protocol error. */
  async callTool(name: string, args: Record<string, unknown>, opts: { timeoutMs: number; signal?: AbortSignal }) {
    if (this.lostReason) throw new Error(this.lostReason);
    try {
      return await this.client.callTool({ name, arguments: args }, undefined, { timeout: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
      if (this.lostReason) throw new Error(this.lostReason, { cause: err });
      const msg = describeError(err);
      if (/timed out|timeout/i.test(msg)) throw new Error(`no answer within ${opts.timeoutMs} ms (the call was cancelled)`, { cause: err });
      throw err;
    }
  }

  /** Closes the connection; for stdio, ends the server (stdin closed, then SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pid = this.pid;
    try {
      await this.client.close();
    } catch (err) {
      this.logger?.debug({ server: this.server, err: describeError(err) }, 'closing the MCP connection failed');
    }
    if (pid) livePids.delete(pid);
  }

  private onStderr(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
    this.logger?.debug({ server: this.server, stderr: text.slice(0, 2000) }, 'MCP server stderr');
  }

  private tail(): string {
    return this.stderrTail.trim().split('\n').slice(-8).join(' | ').slice(-1500);
  }
}

/**
 * A stdio server's environment: the SDK's safe default set (PATH, HOME, USER...), the
 * MAILROOM_* variables (so a server carries the session's tags, as every process mailroom
 * starts does), then the server's own `env`. Secrets such as ANTHROPIC_API_KEY are not
 * handed to servers unless their config passes them (`"env": {"K": "${K}"}`).
 */
export function serverEnv(env: NodeJS.ProcessEnv, own: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...getDefaultEnvironment() };
  for (const [k, v] of Object.entries(env)) if (k.startsWith('MAILROOM_') && typeof v === 'string') out[k] = v;
  return { ...out, ...own };
}
