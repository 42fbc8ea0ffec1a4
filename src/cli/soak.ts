/**
 * `npm run soak [-- --minutes M --rate R --nodes N --retain-blocks K]`: a local network (src/cli/loaded-network.ts)
 * under a steady open-loop load with RETAIN_BLOCKS set, watched from outside. Every `--every` seconds it prints
 * each node's resident memory, heap, open descriptors, data directory size and mempool size
 * (src/cli/node-sampler.ts); at the end, the least-squares slope of each per hour for every node, leaving out the
 * first `--settle` minutes (a node that just started is still filling its caches and compiling). The last line on
 * stdout is one JSON object: {"nodes","minutes","rate","retain_blocks","committed","tps","head","slope_per_hour",
 * "last"}, where slope_per_hour and last hold the largest value over the nodes of each quantity.
 */
import './runtime-check.js';
import { Command } from 'commander';
import { type Sample, slopePerHour } from './growth.js';
import { LoadedNetwork } from './loaded-network.js';
import { intArg, runStandalone } from './standalone-command.js';
import type { LoadgenProgress } from './load-generator.js';
import { type NodeSample, SAMPLED, type Sampled, sampleNode } from './node-sampler.js';
import { RpcClient } from './rpc-client.js';

interface SoakOptions {
  minutes: number;
  rate: number;
  nodes: number;
  retainBlocks: number;
  every: number;
  settle: number;
  engine?: string;
  logLevel: string;
  keep?: boolean;
}

const err = (s: string) => process.stderr.write(s + '\n');
const out = (s: string) => process.stdout.write(s + '\n');
const fmt = (v: number | undefined, digits = 1) => (v === undefined ? '-' : v.toFixed(digits));
const UNITS: Record<Sampled, string> = { rssMb: 'MB', heapMb: 'MB', fds: '', diskMb: 'MB', mempool: 'txs' };

/** One line per node: what the soak prints every period, and the slopes at the end. */
function nodeLine(i: number, s: Partial<Record<Sampled, number | undefined>>, suffix = ''): string {
  return `  node ${String(i).padEnd(2)} ${SAMPLED.map((k) => `${k.replace(/Mb$/, '')} ${fmt(s[k], k === 'fds' || k === 'mempool' ? 0 : 1)}${UNITS[k] && ` ${UNITS[k]}`}${suffix}`).join('  ')}`;
}

async function soak(o: SoakOptions): Promise<number> {
  const run = await LoadedNetwork.open('soak');
  const series: Sample[][][] = []; // [node][quantity index][sample]
  let timer: NodeJS.Timeout | undefined;
  try {
    await run.start({ nodes: o.nodes, engine: o.engine, logLevel: o.logLevel, env: { RETAIN_BLOCKS: String(o.retainBlocks) } });
    const head = new RpcClient(run.members[0]!.rpcUrl, 5_000);
    const t0 = Date.now();
    let progress: LoadgenProgress | undefined;
    let last: NodeSample[] = [];
    const sampleAll = async (): Promise<void> => {
      const atMs = Date.now() - t0;
      last = await Promise.all(run.members.map((m) => sampleNode({ pid: m.pid, rpcUrl: m.rpcUrl, dataDir: m.dataDir })));
      const height = await head.call<{ height: number }>('chain_head').then((h) => h.height, () => undefined);
      out(`soak ${(atMs / 60_000).toFixed(1)} min: head ${height ?? '-'}, committed ${progress?.committed ?? 0}, outstanding ${progress?.outstanding ?? 0}, ${fmt(progress?.recentTps, 0)} tx/s`);
      last.forEach((s, i) => {
        out(nodeLine(i, s));
        if (atMs < o.settle * 60_000) return;
        series[i] ??= SAMPLED.map(() => []);
        SAMPLED.forEach((k, q) => {
          if (s[k] !== undefined) series[i]![q]!.push({ atMs, value: s[k] });
        });
      });
    };
    // One sampling at a time: a slow one (a busy node's /metrics) delays the next rather than overlapping it.
    let sampling: Promise<void> = sampleAll();
    timer = setInterval(() => (sampling = sampling.then(sampleAll).catch((e: Error) => void err(`soak: sampling failed: ${e.message}`))), o.every * 1000);
    err(`soak: ${o.minutes} min at ${o.rate} tx/s on ${o.nodes} nodes with RETAIN_BLOCKS=${o.retainBlocks}; a sample every ${o.every} s`);
    const result = await run.runLoad(['--rate', String(o.rate), '--duration', String(o.minutes * 60), '--warmup', '0', '--drain', '10'], (p) => (progress = p));
    clearInterval(timer);
    await sampling;
    await sampleAll();
    const height = (await head.call<{ height: number }>('chain_head')).height;

    const slopes = series.map((qs) => Object.fromEntries(SAMPLED.map((k, q) => [k, slopePerHour(qs[q]!)])) as Record<Sampled, number | undefined>);
    out(`growth per hour (least squares over the samples after the first ${o.settle} min):`);
    slopes.forEach((s, i) => out(nodeLine(i, s, '/h')));
    const largest = (rows: Partial<Record<Sampled, number | undefined>>[]) =>
      Object.fromEntries(SAMPLED.map((k) => [k, round(Math.max(...rows.map((r) => r[k] ?? Number.NEGATIVE_INFINITY)))]));
    out(`committed:    ${result.committed} transactions (${result.tps.toFixed(1)} tx/s), head ${height}, rejected ${result.rejected}, lost ${result.lost}`);
    out(
      JSON.stringify({
        nodes: o.nodes,
        minutes: o.minutes,
        rate: o.rate,
        retain_blocks: o.retainBlocks,
        committed: result.committed,
        tps: round(result.tps),
        head: height,
        slope_per_hour: largest(slopes),
        last: largest(last),
      }),
    );
    return result.committed > 0 ? 0 : 1;
  } catch (e) {
    err(`soak: ${run.failure(e)}`);
    return 1;
  } finally {
    clearInterval(timer);
    await run.close(o.keep);
  }
}

/** Two decimals; a quantity no node could report is null. */
const round = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

async function main(): Promise<void> {
  const program = new Command('soak')
    .description('a local network under steady load with RETAIN_BLOCKS, watched for growth; the last stdout line is one JSON object')
    .option('--minutes <m>', 'minutes of load', intArg('--minutes', 1), 10)
    .option('--rate <tps>', 'transfers offered per second', intArg('--rate', 1), 20)
    .option('--nodes <n>', 'nodes in the network', intArg('--nodes', 1), 4)
    .option('--retain-blocks <k>', 'RETAIN_BLOCKS of every node', intArg('--retain-blocks', 1), 100)
    .option('--every <s>', 'seconds between two samples', intArg('--every', 1), 60)
    .option('--settle <m>', 'first minutes left out of the slopes', intArg('--settle', 0), 1)
    .option('--engine <name>', 'consensus engine (default: the node default)')
    .option('--log-level <level>', 'log level of the nodes', 'warn')
    .option('--keep', 'keep the temporary directory with node data and logs');
  await runStandalone(program, soak);
}

void main();
