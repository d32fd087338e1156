/**
 * The SSRF guard for fetch_url. A URL's host is checked twice over: an IP literal (in any
 * spelling the WHATWG URL parser normalizes: decimal, octal, hex, IPv4-mapped IPv6) is
 * checked before connecting, and a name is checked on the addresses it RESOLVES to, inside
 * the socket's own `lookup`, so the checked address is the one connected to. Only global
 * unicast addresses pass; an allow-list opens chosen hosts deliberately.
 */
import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { ToolError } from '../../errors.js';

/** Resolves a host name to its addresses (the system resolver by default). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** The system resolver, all addresses, in the order the OS gives them. */
export const systemResolver: Resolver = async (hostname) =>
  dns.promises.lookup(hostname, { all: true, verbatim: true });

export interface AddressVerdict {
  blocked: boolean;
  /** Why it is blocked: `loopback`, `private`, `cloud metadata`… */
  reason?: string;
}

/** Cloud metadata endpoints, named explicitly in refusals (they are also link-local/ULA). */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2']);

const REASONS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  private: 'private',
  reserved: 'reserved',
  uniqueLocal: 'unique-local (private IPv6)',
  benchmarking: 'benchmarking',
  rfc6145: 'IPv4-translated',
  rfc6052: 'NAT64',
  '6to4': '6to4',
  teredo: 'Teredo',
};

/** Strips the brackets WHATWG URL keeps around IPv6 hostnames. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Classifies one IP address. Anything but global unicast is blocked. */
export function classifyAddress(address: string): AddressVerdict {
  const bare = bareHost(address).replace(/%.*$/, ''); // drop an IPv6 zone id
  if (!ipaddr.isValid(bare)) return { blocked: true, reason: 'not a valid IP address' };
  let ip = ipaddr.parse(bare);
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) reaches the IPv4 address: judge that one.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA.has(ip.toString())) return { blocked: true, reason: 'cloud metadata' };
  const range = ip.range();
  if (range !== 'unicast') return { blocked: true, reason: REASONS[range] ?? range };
  // The deprecated IPv4-compatible form ::a.b.c.d (::/96) is never a public destination.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) {
    return { blocked: true, reason: 'IPv4-compatible IPv6' };
  }
  return { blocked: false };
}

/** Parses an IP literal hostname (as WHATWG URL normalized it), or returns undefined for a name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = bareHost(hostname);
  return ipaddr.isValid(bare) && (bare.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(bare)) ? bare : undefined;
}

interface AllowEntry {
  host: string;
  port?: string;
}

/** Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address into a normalized entry. */
export function parseAllowEntry(entry: string): AllowEntry | undefined {
  const trimmed = entry.trim().toLowerCase();
  if (!trimmed) return undefined;
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(trimmed);
  const hostPart = m ? m[1]! : trimmed.includes(':') ? `[${trimmed}]` : undefined;
  if (!hostPart) return undefined;
  try {
    // Normalize the host the same way request URLs are normalized (IDN, IP spellings).
    const host = bareHost(new URL(`http://${hostPart}/`).hostname);
    return m?.[2] ? { host, port: String(Number(m[2])) } : { host };
  } catch {
    return undefined;
  }
}

/** The port a URL really uses (its explicit port or the scheme's default). */
export function effectivePort(url: URL): string {
  if (url.port) return url.port;
  return url.protocol === 'https:' ? '443' : '80';
}

/** True when the allow-list opens this URL's host (and port, when the entry names one). */
export function isAllowListed(url: URL, allowHosts: readonly string[]): boolean {
  const host = bareHost(url.hostname).toLowerCase();
  const port = effectivePort(url);
  return allowHosts.some((raw) => {
    const e = parseAllowEntry(raw);
    return e !== undefined && e.host === host && (e.port === undefined || e.port === port);
  });
}

/** Throws the refusal for a blocked address. */
export function refuse(url: URL, address: string, reason: string): never {
  throw new ToolError(
    `fetch_url refused ${url.href}: ${bareHost(url.hostname) === bareHost(address) ? 'address' : `host resolves to`} ${address}, a ${reason} address. ` +
      'Only public addresses may be fetched (an allow-list entry in the session options can open a host).',
    { code: 'E_SSRF' },
  );
}

/** Checks an IP-literal host before connecting (sockets skip `lookup` for literals). */
export function checkLiteralHost(url: URL): void {
  const literal = ipLiteral(url.hostname);
  if (literal === undefined) return;
  const verdict = classifyAddress(literal);
  if (verdict.blocked) refuse(url, literal, verdict.reason ?? 'blocked');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that resolves with `resolve` and, when `check` is set,
 * refuses the connection if ANY resolved address is blocked (a name with one private
 * answer could be steered to it). The checked addresses are the ones handed to the socket.
 */
export function makeLookup(url: URL, resolve: Resolver, check: boolean) {
  return (hostname: string, options: LookupOptions | number | LookupCallback, cb?: LookupCallback): void => {
    const callback = (typeof options === 'function' ? options : cb) as LookupCallback;
    const opts: LookupOptions = typeof options === 'object' && options !== null ? options : {};
    resolve(hostname)
      .then((found) => {
        let addresses = found.filter((a) => a.family === 4 || a.family === 6);
        if (opts.family === 4 || opts.family === 6) addresses = addresses.filter((a) => a.family === opts.family);
        if (addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`could not resolve ${hostname}`);
          err.code = 'ENOTFOUND';
          callback(err, '');
          return;
        }
        if (check) {
          for (const a of addresses) {
            const verdict = classifyAddress(a.address);
            if (verdict.blocked) refuse(url, a.address, verdict.reason ?? 'blocked');
          }
        }
        if (opts.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      })
      .catch((err: unknown) => callback(err as NodeJS.ErrnoException, ''));
  };
}
