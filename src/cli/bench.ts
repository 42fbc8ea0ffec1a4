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
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Devnet, type DevnetMember, describeExit, describeGenesisProgress, freePorts, progressReporter } from './devnet.js';
import type { LoadgenProgress, LoadgenResult } from './load-generator.js';
import { RpcClient } from './rpc-client.js';
import { totalCpuSeconds } from './cpu-time.js';
import { RssSampler } from './rss-sampler.js';
import { measureVerifyRate, sigBoundTps } from './sig-bound.js';

const LOADGEN_JS = fileURLToPath(new URL('./loadgen.js', import.meta.url));
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

const intArg = (name: string, min: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
  return Number(v);
};

/** Sum of posplus_messages_published_total over its labels, from a node's /metrics. */
export async function publishedMessages(rpcUrl: string): Promise<number> {
  const res = await fetch(`${rpcUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^posplus_messages_published_total(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) sum += Number(m[1]);
  }
  return sum;
}

async function totalPublished(members: DevnetMember[]): Promise<number> {
  const counts = await Promise.all(members.map((m) => publishedMessages(m.rpcUrl)));
  return counts.reduce((a, b) => a + b, 0);
}

const err = (s: string) => process.stderr.write(s + '\n');
const out = (s: string) => process.stdout.write(s + '\n');

async function bench(o: BenchOptions): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'posplus-bench-'));
  let net: Devnet | undefined;
  let starting: Promise<Devnet> | undefined;
  let loadgen: ChildProcess | undefined;
  let aborted: string | undefined;
  let abort!: (why: string) => void;
  const abortion = new Promise<never>((_, fail) => {
    abort = (why: string) => {
      aborted ??= why;
      fail(new Error(why));
    };
  });
  abortion.catch(() => undefined);
  const onSignal = (signal: NodeJS.Signals) => abort(`interrupted by ${signal}`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // Measured before the nodes start, so they do not compete for the core.
    err('bench: measuring ed25519 verifications per second on one core for 1 s');
    const verifyPerSec = measureVerifyRate(1000);
    const cores = availableParallelism();
    const ports = await freePorts(o.nodes * 2);
    err(`bench: starting ${o.nodes} nodes in ${dir}`);
    starting = Devnet.start({
        nodes: o.nodes,
        dir,
        p2pPorts: ports.slice(0, o.nodes),
        rpcPorts: ports.slice(o.nodes),
        engine: o.engine,
        logLevel: o.logLevel,
        genesisQuietMs: 60_000,
        onUnexpectedExit: (m) =>
          abort(`node ${m.index} exited during the benchmark (${describeExit(m)}); last stderr lines:\n${net?.lastStderr(m.index) ?? ''}`),
    });
    net = await Promise.race([starting, abortion]);
    const progress = progressReporter('bench: waiting for the start-up ceremony, ');
    const genesis = await Promise.race([
      net.waitForGenesis({ timeoutMs: 180_000, onProgress: (p) => progress.update(describeGenesisProgress(p, o.nodes)) }),
      abortion,
    ]).finally(() => progress.done());
    err(`bench: genesis ${genesis.hash.slice(0, 16)}… with ${genesis.members.length} members, engine ${genesis.engine}`);

    // The senders are the members' own keys: wait until every member's position is on chain (from the genesis,
    // or a LOCATE the node sends with its key once in sync), or the load's nonces could collide with a LOCATE.
    const members = net.members;
    await Promise.race([
      waitUntil(async () => {
        const cells = await new RpcClient(members[0]!.rpcUrl).call<{ nodes: unknown[] }[]>('regions_list');
        return cells.reduce((n, c) => n + c.nodes.length, 0) >= members.length;
      }, 60_000, 'every node to declare its position on chain'),
      abortion,
    ]);
    // Read when the measured part starts; a failed read leaves msgs_per_tx unknown rather than failing the run.
    const publishedNow = (): Promise<number> => totalPublished(net!.members).catch(() => Number.NaN);
    let publishedBefore: Promise<number> | undefined = o.warmup > 0 ? undefined : publishedNow();
    const keys = net.members.map((m) => join(m.dataDir, 'node.key'));
    const args = [
      '--rpc', net.members.map((m) => m.rpcUrl).join(','),
      '--keys', keys.join(','),
      '--senders', String(o.senders),
      '--duration', String(o.duration),
      '--warmup', String(o.warmup),
      '--rate', String(o.rate),
      '--max-outstanding', String(o.maxOutstanding),
      '--batch', String(o.batch),
    ];
    err(`bench: offering load for ${o.warmup} s of warm-up and ${o.duration} s measured${o.rate > 0 ? ` at ${o.rate} tx/s` : ' (closed loop)'} from ${keys.length + o.senders} senders`);
    const pids = net.members.flatMap((m) => (m.pid === undefined ? [] : [m.pid]));
    let cpuBefore: Promise<number | undefined> | undefined = o.warmup > 0 ? undefined : totalCpuSeconds(pids);
    const rss = new RssSampler(pids);
    rss.start();
    loadgen = fork(LOADGEN_JS, args, { execPath: process.execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const child = loadgen;
    let last: LoadgenProgress | undefined;
    let lastPrinted = 0;
    const result = await Promise.race([
      new Promise<LoadgenResult>((ok, fail) => {
        child.on('message', (m: LoadgenProgress | LoadgenResult | { type: 'error'; message: string }) => {
          if (m.type === 'progress') {
            last = m;
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
          } else if (m.type === 'result') ok(m);
          else fail(new Error(`load generator: ${m.message}`));
        });
        child.once('exit', (code, signal) =>
          fail(new Error(`the load generator exited (${signal ?? `code ${code}`}) without a result${last ? ` after ${last.elapsedSec.toFixed(0)} s` : ''}`)),
        );
      }),
      abortion,
    ]);
    const maxRssMb = await rss.stop();
    const cpuAfter = await totalCpuSeconds(pids);
    const cpuUsed = cpuAfter === undefined ? undefined : cpuAfter - ((await cpuBefore) ?? Number.NaN);
    const publishedAfter = await totalPublished(net.members);
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
    err(`bench: ${aborted ?? (e as Error).message}`);
    return 1;
  } finally {
    if (loadgen && loadgen.exitCode === null && loadgen.signalCode === null) loadgen.kill('SIGTERM');
    // Interrupted while the nodes were starting: wait for them, then stop them.
    net ??= await starting?.catch(() => undefined);
    if (net) {
      err('bench: stopping the nodes');
      await net.stop();
    }
    if (o.keep) err(`bench: node data and logs kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
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
    .option('--keep', 'keep the temporary directory with node data and logs')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(process.argv);
  } catch (e) {
    process.exit(e instanceof CommanderError && e.exitCode === 0 ? 0 : 2);
  }
  process.exit(await bench(program.opts<BenchOptions>()));
}

void main();

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`bench: timed out waiting for ${what}`);
}
