/** The viewer's defaults and what counts as loopback, kept apart so the CLI can show them without loading the server. */

export const DEFAULT_UI_PORT = 4317;

const LOOPBACK = ['127.0.0.1', 'localhost', '::1', '[::1]'];

/** True when `host` only listens on this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.includes(host) || /^127\./.test(host);
}
