import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `DATA_DIR/rpc.url`: the URL a client on this host reaches the node's RPC at, written once the server listens.
 * The healthcheck reads it, so it asks the port the node really bound, wherever that port was set (flag, env,
 * --config file, or 0 for any free port). Only node:fs here: the healthcheck loads this file every 10 s.
 */
const FILE = 'rpc.url';

/** The URL of a server bound to `host:port` as seen from this host: a wildcard bind is reached on loopback. */
export function localRpcUrl(host: string, port: number): string {
  return rpcUrl(host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port);
}

/** `http://host:port`, an IPv6 host in brackets. */
export function rpcUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function writeRpcUrl(dataDir: string, url: string): Promise<void> {
  await writeFile(join(dataDir, FILE), `${url}\n`);
}

/** The URL the node in dataDir wrote, or undefined when it has not written one (not started, or too old). */
export async function readRpcUrl(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dataDir, FILE), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
