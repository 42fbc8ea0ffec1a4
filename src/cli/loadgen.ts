/**
 * The benchmark's load generator, a process of its own so that signing and polling do not share an event
 * loop with the process that measures. It signs transfers with funded keys (a devnet's genesis members'
 * node.key files), submits them as JSON-RPC batches of tx_submit spread over all nodes with per-sender
 * nonces, and follows the chain on node 0 (chain_block per height) for the moment each one is committed.
 *
 *   node dist/src/cli/loadgen.js --rpc URL,URL… --keys FILE,FILE… [--duration S] [--rate TPS] …
 *
 * Forked by `npm run bench`, it reports over the IPC channel ({type:'progress'|'result'}); run by hand,
 * it writes progress on stderr and the result as one JSON line on stdout.
 */
import './runtime-check.js';
import { Command } from 'commander';
import { DEFAULT_WINDOW, type LoadgenOptions, type LoadgenProgress, type LoadgenResult, runLoad } from './load-generator.js';

// ------------------------------------------------------------------------------------ entry point

const num = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} "${v}" is not a number >= ${min}`);
  return n;
};
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

async function main(): Promise<void> {
  const program = new Command('loadgen')
    .description('offer signed transfers to posplus nodes over JSON-RPC and measure submission→commit')
    .requiredOption('--rpc <urls>', 'comma-separated RPC URLs; sender i submits to node i mod N', list)
    .requiredOption('--keys <files>', 'comma-separated funded key files (e.g. a devnet member\'s node.key)', list)
    .option('--senders <n>', 'senders funded by the key files before the load, besides the key files themselves', num('--senders', 0), 0)
    .option('--duration <s>', 'seconds of measured load', num('--duration', 1), 30)
    .option('--warmup <s>', 'seconds of load before the measured part (committed, not measured)', num('--warmup', 0), 0)
    .option('--rate <tps>', 'target submissions per second (0 = closed loop)', num('--rate', 0), 0)
    .option('--max-outstanding <n>', 'cap on uncommitted transactions (0 = senders × window)', num('--max-outstanding', 0), 0)
    .option('--window <n>', 'uncommitted transactions per sender (a node allows nonces up to 64 ahead of its own head)', num('--window', 1), DEFAULT_WINDOW)
    .option('--batch <n>', 'transactions per tx_submit batch', num('--batch', 1), 100)
    .option('--poll-ms <ms>', 'chain polling interval', num('--poll-ms', 10), 50)
    .option('--drain <s>', 'seconds to wait for outstanding commits after the load', num('--drain', 0), 20)
    .exitOverride();
  try {
    program.parse(process.argv);
  } catch {
    process.exit(2);
  }
  const a = program.opts<{ rpc: string[]; keys: string[]; senders: number; duration: number; warmup: number; rate: number; maxOutstanding: number; window: number; batch: number; pollMs: number; drain: number }>();
  const options: LoadgenOptions = {
    rpcUrls: a.rpc,
    keyFiles: a.keys,
    extraSenders: a.senders,
    durationSec: a.duration,
    warmupSec: a.warmup,
    rate: a.rate,
    maxOutstanding: a.maxOutstanding > 0 ? a.maxOutstanding : (a.keys.length + a.senders) * a.window,
    window: a.window,
    batch: a.batch,
    pollMs: a.pollMs,
    drainSec: a.drain,
  };
  const ipc = typeof process.send === 'function';
  const send = (m: LoadgenProgress | LoadgenResult | { type: 'error'; message: string }) =>
    new Promise<void>((ok) => (ipc ? process.send!(m, undefined, undefined, () => ok()) : ok()));
  try {
    const result = await runLoad(options, (p) => {
      if (ipc) void send(p);
      else
        process.stderr.write(
          `loadgen ${p.elapsedSec.toFixed(0)}s: submitted ${p.submitted}, committed ${p.committed}, outstanding ${p.outstanding}, ${p.recentTps.toFixed(0)} tx/s\n`,
        );
    });
    if (ipc) await send(result);
    else process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0);
  } catch (err) {
    if (ipc) await send({ type: 'error', message: (err as Error).message });
    process.stderr.write(`loadgen: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

void main();
