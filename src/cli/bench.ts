/**
 * `npm run bench [-- --nodes N --duration S --warmup S --engine E --rate TPS --senders N]`: a local network under load.
 *
 * Starts a devnet (9 nodes by default) in a temporary directory on free loopback ports, waits for the
 * genesis, then runs the load generator (src/cli/loadgen.ts) as a separate process: it signs transfers with
 * the genesis members' node.key files (and `--senders` more keys they fund first: a sender has at most 32
 * transactions in flight, so the senders cap the closed loop at 32 each; by default 9 besides the members), submits them to all nodes
 * and polls for their commits. The first `--warmup` seconds of load (10 by default) commit but are not measured:
 * nodes that just started are compiling their code. Prints committed tx/s, p50/p99 submission→commit latency, and
 * gossip messages originated per node per committed transaction (the rise of posplus_messages_published_total over
 * the measured part, summed over the nodes), the
 * machine's signature bound (src/cli/sig-bound.ts, measured before the nodes start: the most tx/s if verifying
 * every transaction on every node were the only cost) and the largest resident set size of any node during the
 * load, warm-up included (src/cli/rss-sampler.ts). The last line on stdout is one JSON object:
 * {"nodes","engine","tps","p50_ms","p99_ms","msgs_per_tx","sig_bound_tps","max_rss_mb"}.
 */
import './runtime-check.js';
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import type { DevnetMember } from './devnet.js';
import { LoadedNetwork } from './loaded-network.js';
import { intArg, runStandalone } from './standalone-command.js';
import { fetchMetrics, sumOfFamily } from './prometheus-text.js';
import { totalCpuSeconds } from './cpu-time.js';
import { RssSampler } from './rss-sampler.js';
import { measureVerifyRate, sigBoundTps } from './sig-bound.js';

const PROGRESS_EVERY_MS = 3000;

interface BenchOptions {
  nodes: number;
  duration: number;
  warmup: number;
  engine?: string;
  rate: number;
  senders: number;
  maxOutstanding: number;
  batch: number;
  logLevel: string;
  keep?: boolean;
}

/** Sum of posplus_messages_published_total over its labels, from a node's /metrics. */
export async function publishedMessages(rpcUrl: string): Promise<number> {
  return sumOfFamily(await fetchMetrics(rpcUrl), 'posplus_messages_published_total') ?? 0;
}

async function totalPublished(members: DevnetMember[]): Promise<number> {
  const counts = await Promise.all(members.map((m) => publishedMessages(m.rpcUrl)));
  return counts.reduce((a, b) => a + b, 0);
}

const err = (s: string) => process.stderr.write(s + '\n');
const out = (s: string) => process.stdout.write(s + '\n');

async function bench(o: BenchOptions): Promise<number> {
  const run = await LoadedNetwork.open('bench');
  try {
    // Measured before the nodes start, so they do not compete for the core.
    err('bench: measuring ed25519 verifications per second on one core for 1 s');
    const verifyPerSec = measureVerifyRate(1000);
    const cores = availableParallelism();
    const genesis = await run.start({ nodes: o.nodes, engine: o.engine, logLevel: o.logLevel });
    // Read when the measured part starts; a failed read leaves msgs_per_tx unknown rather than failing the run.
    const publishedNow = (): Promise<number> => totalPublished(run.members).catch(() => Number.NaN);
    let publishedBefore: Promise<number> | undefined = o.warmup > 0 ? undefined : publishedNow();
    const args = [
      '--senders', String(o.senders),
      '--duration', String(o.duration),
      '--warmup', String(o.warmup),
      '--rate', String(o.rate),
      '--max-outstanding', String(o.maxOutstanding),
      '--batch', String(o.batch),
    ];
    err(`bench: offering load for ${o.warmup} s of warm-up and ${o.duration} s measured${o.rate > 0 ? ` at ${o.rate} tx/s` : ' (closed loop)'} from ${o.nodes + o.senders} senders`);
    const pids = run.pids;
    let cpuBefore: Promise<number | undefined> | undefined = o.warmup > 0 ? undefined : totalCpuSeconds(pids);
    const rss = new RssSampler(pids);
    rss.start();
    let lastPrinted = 0;
    const result = await run.runLoad(args, (m) => {
      if (m.measuring) {
        publishedBefore ??= publishedNow();
        cpuBefore ??= totalCpuSeconds(pids);
      }
      if (Date.now() - lastPrinted >= PROGRESS_EVERY_MS) {
        lastPrinted = Date.now();
        err(
          `bench ${m.elapsedSec.toFixed(0).padStart(3)}s: submitted ${m.submitted}, committed ${m.committed}, ` +
            `outstanding ${m.outstanding}, rejected ${m.rejected}, ${m.recentTps.toFixed(0)} tx/s${m.draining ? ' (draining)' : ''}`,
        );
      }
    });
    const maxRssMb = await rss.stop();
    const cpuAfter = await totalCpuSeconds(pids);
    const cpuUsed = cpuAfter === undefined ? undefined : cpuAfter - ((await cpuBefore) ?? Number.NaN);
    const publishedAfter = await totalPublished(run.members);
    const published = publishedAfter - (await (publishedBefore ?? publishedNow()));

    const summary = {
      nodes: o.nodes,
      engine: genesis.engine,
      tps: round(result.tps, 1),
      p50_ms: result.p50_ms,
      p99_ms: result.p99_ms,
      msgs_per_tx: result.committed > 0 && Number.isFinite(published) ? round(published / o.nodes / result.committed, 3) : null,
      sig_bound_tps: sigBoundTps(verifyPerSec, cores, o.nodes),
      max_rss_mb: maxRssMb,
    };
    out(`warm-up:      ${result.warmupCommitted} transactions committed in the first ${o.warmup} s, not measured`);
    out(`committed:    ${result.committed} of the measured transactions in ${result.spanSec.toFixed(1)} s (${result.submitted} submitted in all, rejected ${result.rejected}, lost ${result.lost})`);
    if (result.rejected > 0) out(`rejections:   ${JSON.stringify(result.rejectReasons)}`);
    out(`throughput:   ${summary.tps} tx/s committed`);
    out(`latency:      p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, mean ${result.mean_ms} ms (submission → commit seen on node 0)`);
    out(`messages:     ${published} gossip messages originated by ${o.nodes} nodes = ${summary.msgs_per_tx ?? '-'} per node per committed tx`);
    out(
      `sig bound:    ${summary.sig_bound_tps} tx/s (${Math.round(verifyPerSec)} ed25519 verifications/s on one core × ${cores} cores / ${o.nodes} nodes)`,
    );
    if (cpuUsed !== undefined && Number.isFinite(cpuUsed) && result.committed > 0) {
      const perTx = (cpuUsed * 1000) / o.nodes / result.committed;
      out(`cpu:          ${perTx.toFixed(3)} ms per committed tx on each node (${(perTx / (1000 / verifyPerSec)).toFixed(1)} ed25519 verifications)`);
    }
    out(`memory:       max RSS ${maxRssMb === null ? '- (no /proc)' : `${maxRssMb} MB`} of any node during the load`);
    out(JSON.stringify(summary));
    return result.committed > 0 ? 0 : 1;
  } catch (e) {
    err(`bench: ${run.failure(e)}`);
    return 1;
  } finally {
    await run.close(o.keep);
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('a local network under load; the last stdout line is {"nodes","engine","tps","p50_ms","p99_ms","msgs_per_tx","sig_bound_tps","max_rss_mb"}')
    .option('--nodes <n>', 'nodes in the network', intArg('--nodes', 1), 9)
    .option('--duration <s>', 'seconds of measured load', intArg('--duration', 1), 30)
    .option('--warmup <s>', 'seconds of load before the measured part: committed, not measured (a node just started is compiling its code)', intArg('--warmup', 0), 10)
    .option('--engine <name>', 'consensus engine (default: the node default)')
    .option('--rate <tps>', 'target submissions per second (0 = closed loop, capped by --max-outstanding)', intArg('--rate', 0), 0)
    .option('--senders <n>', 'senders besides the members, funded by them before the load', intArg('--senders', 0), 9)
    .option('--max-outstanding <n>', 'cap on submitted but uncommitted transactions (0 = 32 per sender)', intArg('--max-outstanding', 0), 0)
    .option('--batch <n>', 'transactions per tx_submit batch', intArg('--batch', 1), 100)
    .option('--log-level <level>', 'log level of the nodes', 'warn')
    .option('--keep', 'keep the temporary directory with node data and logs');
  await runStandalone(program, bench);
}

void main();
