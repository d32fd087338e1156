/**
 * A guarded HTTP(S) GET: manual redirects (each hop re-checked by the SSRF guard), one
 * deadline across all hops, a byte cap on the (decompressed) body, and a content-type
 * gate before the body is read. Built on node:http/https so the socket's `lookup` is ours.
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { addAbortSignal, pipeline } from 'node:stream';
import type { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';
import { ToolError, describeError } from '../../errors.js';
import { escapeOutside } from '../output.js';
import { bareHost, checkLiteralHost, isAllowListed, makeLookup, systemResolver } from './ssrf.js';
import type { Resolver } from './ssrf.js';

export interface GuardedFetchOptions {
  allowHosts: readonly string[];
  resolve?: Resolver | undefined;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  signal?: AbortSignal | undefined;
  /** Decides from the content type (and a sniffed head when it is missing) whether to read the body. */
  accept?: (contentType: string | undefined) => boolean;
}

export interface GuardedFetchResult {
  url: string;
  status: number;
  contentType: string | undefined;
  body: Buffer;
  /** True when the body was cut at `maxBytes`. */
  truncated: boolean;
  /** Every URL that redirected, in order. */
  redirectedFrom: string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function once(url: URL, opts: GuardedFetchOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const allowed = isAllowListed(url, opts.allowHosts);
  if (!allowed) checkLiteralHost(url);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        protocol: url.protocol,
        hostname: bareHost(url.hostname),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: {
          'user-agent': 'mailroom-fetch/0.1 (+research tool)',
          accept: 'text/html,application/xhtml+xml,text/plain,application/json,text/*;q=0.8,*/*;q=0.1',
          'accept-encoding': 'gzip, deflate, br',
        },
        // A private agent per request: no pooled socket is reused across checks.
        agent: false,
        lookup: makeLookup(url, opts.resolve ?? systemResolver, !allowed),
        signal,
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

function decoder(res: IncomingMessage): Transform | undefined {
  const enc = String(res.headers['content-encoding'] ?? '').toLowerCase().trim();
  if (enc === 'gzip' || enc === 'x-gzip') return zlib.createGunzip();
  if (enc === 'deflate') return zlib.createInflate();
  if (enc === 'br') return zlib.createBrotliDecompress();
  return undefined;
}

/**
 * The decoded body stream. `pipeline`, unlike `pipe`, destroys the decoder when the
 * response dies (an abort, a reset), and the signal destroys the decoder itself: a server
 * that trickles compressed bytes can no longer hold the read open past the deadline.
 */
function decoded(res: IncomingMessage, signal: AbortSignal): Readable {
  const dec = decoder(res);
  if (!dec) return res;
  addAbortSignal(signal, dec);
  // Errors reach the reader through the decoder's iterator; the callback only completes the pipeline.
  return pipeline(res, dec, () => {});
}

async function readCapped(res: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const stream = decoded(res, signal);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const room = maxBytes - size;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        truncated = chunk.length > room;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    // Stop the download as soon as the cap is hit (or the body is done).
    res.destroy();
    stream.destroy();
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

function describeNetError(
  err: unknown,
  url: URL,
  timeoutMs: number,
  signal: AbortSignal,
  outerSignal?: AbortSignal,
): ToolError {
  if (err instanceof ToolError) return err;
  const e = err as NodeJS.ErrnoException;
  // An abort mid-body surfaces as a plain "aborted" error: the signal says why.
  if (signal.aborted || e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.code === 'ABORT_ERR') {
    if (outerSignal?.aborted) return new ToolError(`fetch_url: cancelled while fetching ${url.href}`, { cause: err });
    return new ToolError(`fetch_url: timed out after ${timeoutMs} ms fetching ${url.href}`, { code: 'E_TIMEOUT', cause: err });
  }
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') {
    return new ToolError(`fetch_url: could not resolve host ${url.hostname}`, { cause: err });
  }
  if (e?.code === 'ECONNREFUSED') return new ToolError(`fetch_url: connection refused by ${url.host}`, { cause: err });
  // The low-level message may quote what the server sent.
  return new ToolError(`fetch_url: request to ${url.href} failed: ${escapeOutside(describeError(err))}`, { cause: err, untrusted: true });
}

/**
 * GETs `rawUrl`, following at most `maxRedirects` redirects, each hop through the SSRF guard.
 * Errors that quote the server (its headers, or a URL it redirected to) are marked untrusted.
 */
export async function guardedFetch(rawUrl: string, opts: GuardedFetchOptions): Promise<GuardedFetchResult> {
  const redirectedFrom: string[] = [];
  try {
    return await fetchFollowing(rawUrl, opts, redirectedFrom);
  } catch (err) {
    if (err instanceof ToolError && !err.untrusted && redirectedFrom.length > 0) {
      throw new ToolError(err.message, { code: err.code, cause: err, untrusted: true });
    }
    throw err;
  }
}

async function fetchFollowing(rawUrl: string, opts: GuardedFetchOptions, redirectedFrom: string[]): Promise<GuardedFetchResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ToolError(`fetch_url: "${rawUrl}" is not a valid URL`);
  }
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;

  for (;;) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ToolError(`fetch_url: only http and https URLs can be fetched, not ${url.protocol}`, { code: 'E_SSRF' });
    }
    let res: IncomingMessage;
    try {
      res = await once(url, opts, signal);
    } catch (err) {
      throw describeNetError(err, url, opts.timeoutMs, signal, opts.signal);
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECTS.has(status) && location) {
      res.destroy();
      if (redirectedFrom.length >= opts.maxRedirects) {
        throw new ToolError(`fetch_url: too many redirects (more than ${opts.maxRedirects}) starting at ${rawUrl}`);
      }
      redirectedFrom.push(url.href);
      try {
        url = new URL(location, url);
      } catch {
        throw new ToolError(`fetch_url: ${url.href} redirected to an invalid location "${escapeOutside(location)}"`, {
          untrusted: true,
        });
      }
      continue;
    }
    const contentType = res.headers['content-type'];
    if (status < 200 || status >= 300) {
      res.destroy();
      const reason = escapeOutside(res.statusMessage ?? '', 100);
      throw new ToolError(`fetch_url: HTTP ${status}${reason ? ` ${reason}` : ''} for ${url.href}`, { code: 'E_HTTP', untrusted: true });
    }
    if (opts.accept && !opts.accept(contentType)) {
      res.destroy();
      throw new ToolError(
        `fetch_url: unsupported content type "${escapeOutside(String(contentType), 200)}" at ${url.href}; only HTML, text, JSON and XML can be read`,
        { code: 'E_CONTENT_TYPE', untrusted: true },
      );
    }
    try {
      const { body, truncated } = await readCapped(res, opts.maxBytes, signal);
      return { url: url.href, status, contentType, body, truncated, redirectedFrom };
    } catch (err) {
      throw describeNetError(err, url, opts.timeoutMs, signal, opts.signal);
    }
  }
}
