import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

/** Requests in one JSON-RPC batch; a longer batch is refused whole before any of it runs. */
export const MAX_BATCH = 1000;

/** Why a JSON-RPC POST is refused before its body is read: an HTTP status and a one-line reason. */
export interface GateRefusal {
  status: number;
  message: string;
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.', '127.0.0.1', '::1']);

/** The host name of a Host header or an origin's host (`name`, `name:port`, `[v6]:port`), lowercased. */
function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * The browser checks on a JSON-RPC POST, in the spirit of geth's vhosts and CORS handlers:
 * - `Content-Type: application/json`: a web page can send `text/plain` without a preflight, but not this;
 * - and those of checkCaller.
 */
export function checkRpcRequest(headers: IncomingHttpHeaders, rpcHost: string): GateRefusal | undefined {
  const type = (headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/json') return { status: 415, message: 'Content-Type must be application/json' };
  return checkCaller(headers, rpcHost);
}

/**
 * Who may read the node (JSON-RPC, event streams):
 * - `Host` an IP literal, a loopback name or `rpcHost`: a DNS-rebinding page reaches the node under its own
 *   name, which is none of these;
 * - no `Origin` other than the node's own: a page elsewhere never gets its call run or its stream opened.
 */
export function checkCaller(headers: IncomingHttpHeaders, rpcHost: string): GateRefusal | undefined {
  const host = headers.host;
  if (host === undefined || host === '') return { status: 403, message: 'a Host header is required' };
  const name = hostnameOf(host);
  if (isIP(name) === 0 && !LOOPBACK_NAMES.has(name) && name !== rpcHost.toLowerCase()) {
    return { status: 403, message: `Host ${JSON.stringify(name)} is not this node's (use an IP address, localhost or RPC_HOST)` };
  }
  const origin = headers.origin;
  if (origin !== undefined && !sameOrigin(origin, host)) return { status: 403, message: `requests from Origin ${JSON.stringify(origin)} are refused` };
  return undefined;
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && url.host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}
