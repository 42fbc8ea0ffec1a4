/**
 * What the soak watches on each node, from outside it: resident memory and open descriptors from /proc, heap and
 * mempool from its /metrics, and the size of its data directory on disk. A reading that cannot be had (no /proc,
 * the RPC busy past its deadline) is undefined, not 0, so it does not bend a slope.
 */
import { readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchMetrics, sumOfFamily } from './prometheus-text.js';
import { readRss } from './rss-sampler.js';

export const SAMPLED = ['rssMb', 'heapMb', 'fds', 'diskMb', 'mempool'] as const;
export type Sampled = (typeof SAMPLED)[number];
export type NodeSample = Record<Sampled, number | undefined>;

const MB = 2 ** 20;

/** Bytes of every file under `dir` (symbolic links not followed); undefined when it cannot be read. */
export async function directoryBytes(dir: string): Promise<number | undefined> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  let sum = 0;
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) sum += (await directoryBytes(path)) ?? 0;
    else sum += await lstat(path).then((s) => s.size, () => 0);
  }
  return sum;
}

async function openFds(pid: number): Promise<number | undefined> {
  return readdir(`/proc/${pid}/fd`).then((fds) => fds.length, () => undefined);
}

export async function sampleNode(node: { pid?: number; rpcUrl: string; dataDir: string }): Promise<NodeSample> {
  const metrics = await fetchMetrics(node.rpcUrl).catch(() => '');
  const rss = node.pid === undefined ? undefined : await readRss(node.pid);
  const heap = sumOfFamily(metrics, 'nodejs_heap_size_used_bytes');
  const disk = await directoryBytes(node.dataDir);
  return {
    rssMb: rss === undefined ? undefined : rss / MB,
    heapMb: heap === undefined ? undefined : heap / MB,
    fds: node.pid === undefined ? undefined : await openFds(node.pid),
    diskMb: disk === undefined ? undefined : disk / MB,
    mempool: sumOfFamily(metrics, 'posplus_mempool_size'),
  };
}
