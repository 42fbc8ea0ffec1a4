#!/usr/bin/env node
/**
 * The container healthcheck: `node dist/src/cli/healthcheck.js [--data-dir DIR]` (else DATA_DIR) asks GET /health
 * of the RPC the node in that data directory wrote to rpc.url, and exits 0 when it answers 200, 1 otherwise with
 * the reason on stdout (Docker keeps it in `docker inspect`). Docker runs it every 10 s in every replica, so it
 * loads nothing but node:fs and fetch (the full CLI takes about a second of CPU to start).
 */
import { readRpcUrl } from '../node/rpc-url-file.js';

const TIMEOUT_MS = 4_000;

async function check(): Promise<string | undefined> {
  const flag = process.argv.indexOf('--data-dir');
  const dataDir = flag >= 0 ? process.argv[flag + 1] : process.env.DATA_DIR;
  if (!dataDir) return 'no data directory: give --data-dir DIR or set DATA_DIR';
  const url = await readRpcUrl(dataDir);
  if (url === undefined) return `no rpc.url in ${dataDir}: the node has not opened its RPC yet`;
  let res: Response;
  try {
    res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return `${url}/health: ${cause}`;
  }
  const body = (await res.text()).trim().slice(0, 500);
  return res.ok ? undefined : `${res.status} ${body}`;
}

check().then(
  (reason) => {
    process.stdout.write(reason === undefined ? 'healthy\n' : `unhealthy: ${reason}\n`);
    process.exit(reason === undefined ? 0 : 1);
  },
  (err: Error) => {
    process.stdout.write(`unhealthy: ${err.message}\n`);
    process.exit(1);
  },
);
