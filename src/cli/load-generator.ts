/**
 * Offered load and its measurement, for `loadgen` and the tests: funded senders sign transfers with their own
 * nonces, submit them as JSON-RPC batches of tx_submit spread over the nodes, and follow the chain on the first
 * node (chain_block per height) for the moment each one is committed.
 */
import { performance } from 'node:perf_hooks';
import { addressBytesOf } from '../core/address.js';
import { toHex, utf8 } from '../core/bytes.js';
import { DEFAULT_CHAIN_PARAMS } from '../core/chain-state.js';
import { sha256 } from '../core/hash.js';
import { type KeyPair, keyPairFromSeed } from '../core/keys.js';
import { encodeTx, signTx, transferBody, txId } from '../core/tx.js';
import { readKeyFile } from '../node/identity.js';
import { type NodeStatusView, signingDomainOf } from './client-options.js';
import { RpcCallError, RpcClient } from './rpc-client.js';

export interface LoadgenOptions {
  rpcUrls: string[];
  keyFiles: string[];
  /**
   * Senders beyond the key files' own, each funded by one of them before the load starts. A sender holds at most
   * `window` transactions in flight, so the key files alone cap the closed loop at keys × window outstanding.
   */
  extraSenders: number;
  durationSec: number;
  /**
   * Seconds of load before the measured `durationSec`: what is submitted then commits but is not measured. A node
   * that just started compiles its code and settles its first heights; that transient is not its steady state.
   */
  warmupSec: number;
  /** target submissions per second; 0 = closed loop, as fast as the windows allow */
  rate: number;
  /** cap on transactions submitted and not yet seen committed, over all senders */
  maxOutstanding: number;
  /** per sender: transactions in flight (see DEFAULT_WINDOW for the most that never runs past a node's nonce limit) */
  window: number;
  /** transactions per tx_submit batch */
  batch: number;
  pollMs: number;
  /** after the load stops, how long to keep polling for the commits still outstanding */
  drainSec: number;
}

export interface LoadgenProgress {
  type: 'progress';
  elapsedSec: number;
  submitted: number;
  committed: number;
  rejected: number;
  outstanding: number;
  /** commits per second over the last interval */
  recentTps: number;
  /** past the warm-up: what is submitted now is measured */
  measuring: boolean;
  draining: boolean;
}

export interface LoadgenResult {
  type: 'result';
  senders: number;
  submitted: number;
  committed: number;
  rejected: number;
  /** submitted but neither committed nor rejected by the end of the drain */
  lost: number;
  /** committed transactions submitted during the warm-up, which the figures below leave out */
  warmupCommitted: number;
  rejectReasons: Record<string, number>;
  /** measured commits / (last measured commit seen − first measured submission) */
  tps: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  /** seconds from the first measured submission to the last measured commit seen */
  spanSec: number;
}

interface Sender {
  key: KeyPair;
  node: number;
  to: Uint8Array;
  nextNonce: number;
  inflight: number;
  /** set after a submission failed: its nonces are no longer known, so it sends no more */
  retired?: string;
}

interface Outstanding {
  submittedAt: number;
  sender: Sender;
  measured: boolean;
}

/**
 * Transactions in flight per sender. A node refuses nonces more than maxNonceAhead beyond its own head, and commits
 * are seen on node 0, which may be a block (a whole window of the sender's) ahead of the sender's node.
 */
export const DEFAULT_WINDOW = DEFAULT_CHAIN_PARAMS.maxNonceAhead / 2;

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export async function runLoad(o: LoadgenOptions, report: (p: LoadgenProgress) => void): Promise<LoadgenResult> {
  if (o.rpcUrls.length === 0 || o.keyFiles.length === 0) throw new Error('loadgen needs at least one RPC URL and one key file');
  const clients = o.rpcUrls.map((u) => new RpcClient(u, 30_000));
  const status = await clients[0]!.call<NodeStatusView>('node_status');
  const chainId = signingDomainOf(status);
  const funders = await Promise.all(o.keyFiles.map(async (f) => (await readKeyFile(f)).keyPair));
  const extra = Array.from({ length: o.extraSenders }, (_, j) => keyPairFromSeed(sha256(utf8(`posplus loadgen sender ${chainId} ${j}`))));
  await fund(clients, chainId, funders, extra, o.window);
  const keys = [...funders, ...extra];
  const senders: Sender[] = await Promise.all(
    keys.map(async (key, i) => {
      const node = i % clients.length;
      const account = await accountOf(clients[node]!, key);
      if (account.balance <= 0) throw new Error(`sender 0x${toHex(addressBytesOf(key.publicKey))} has no funds on this chain`);
      return { key, node, to: addressBytesOf(keys[(i + 1) % keys.length]!.publicKey), nextNonce: account.pendingNonce, inflight: 0 };
    }),
  );

  const outstanding = clients.map(() => new Map<string, Outstanding>());
  const totalOutstanding = () => outstanding.reduce((s, m) => s + m.size, 0);
  const latencies: number[] = [];
  const rejectReasons: Record<string, number> = {};
  let submitted = 0;
  let rejected = 0;
  let warmupCommitted = 0;
  let firstSubmitAt: number | undefined;
  let lastCommitAt = 0;
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupSec * 1000;
  const loadEnd = measureFrom + o.durationSec * 1000;
  let submitting = true;

  // Token bucket for --rate (unused in the closed loop).
  let tokens = 0;
  let tokensAt = t0;
  const takeTokens = (want: number): number => {
    if (o.rate <= 0) return want;
    const now = performance.now();
    tokens = Math.min(tokens + ((now - tokensAt) / 1000) * o.rate, Math.max(o.batch, o.rate / 10));
    tokensAt = now;
    const got = Math.min(want, Math.floor(tokens));
    tokens -= got;
    return got;
  };

  /**
   * A transaction refused at submission or rejected later. Its nonce is a gap that the sender's later transactions
   * would wait behind, so the sender stops.
   */
  const refuse = (node: number, id: string, code: string, why: string) => {
    const entry = outstanding[node]!.get(id);
    if (entry === undefined) return;
    outstanding[node]!.delete(id);
    entry.sender.retired = why;
    entry.sender.inflight--;
    rejected++;
    rejectReasons[code] = (rejectReasons[code] ?? 0) + 1;
  };

  const submitLoop = async (node: number) => {
    const mine = senders.filter((s) => s.node === node);
    let rr = 0;
    while (performance.now() < loadEnd) {
      const room = Math.min(o.batch, o.maxOutstanding - totalOutstanding());
      const txs: { hex: string; id: string; sender: Sender }[] = [];
      const budget = room > 0 ? takeTokens(room) : 0;
      for (let scanned = 0; txs.length < budget && scanned < mine.length; ) {
        const s = mine[rr % mine.length]!;
        if (s.retired || s.inflight >= o.window) {
          rr++;
          scanned++;
          continue;
        }
        const tx = signTx(chainId, s.key, transferBody(s.to, 1, s.nextNonce++));
        s.inflight++;
        txs.push({ hex: toHex(encodeTx(tx)), id: txId(tx), sender: s });
      }
      if (o.rate > 0 && budget > txs.length) tokens += budget - txs.length;
      if (txs.length === 0) {
        await sleep(5);
        continue;
      }
      const at = performance.now();
      const measured = at >= measureFrom;
      if (measured) firstSubmitAt ??= at;
      // Outstanding before the call: a busy node may commit a transaction before its reply to the batch arrives,
      // and the follower must still recognise it then.
      for (const t of txs) outstanding[node]!.set(t.id, { submittedAt: at, sender: t.sender, measured });
      let replies: ({ id: string; status: string } | RpcCallError)[];
      try {
        replies = await clients[node]!.batch<{ id: string; status: string }>(txs.map((t) => ({ method: 'tx_submit', params: { tx: t.hex } })));
      } catch (err) {
        for (const t of txs) refuse(node, t.id, 'unreachable', `submission failed: ${(err as Error).message}`);
        continue;
      }
      replies.forEach((r, i) => {
        const t = txs[i]!;
        if (r instanceof RpcCallError) {
          const code = (r.data as { code?: string } | undefined)?.code ?? `rpc ${r.code}`;
          refuse(node, t.id, code, `${code}: ${r.message}`);
        } else submitted++;
      });
    }
  };

  /**
   * Commit times come from following the chain on node 0: one chain_block per height names every committed
   * id, where polling tx_get per transaction would load the nodes it measures. Transactions outstanding for
   * long are asked for once in a while, to notice the rare rejection.
   */
  const follower = clients[0]!;
  let followed = (await follower.call<{ height: number }>('chain_head')).height;
  const byId = (id: string): Outstanding | undefined => outstanding.map((m) => m.get(id)).find((e) => e !== undefined);
  const forget = (id: string) => outstanding.forEach((m) => m.delete(id));
  const followLoop = async () => {
    let lastStaleCheck = performance.now();
    for (;;) {
      if (!submitting && (totalOutstanding() === 0 || performance.now() > loadEnd + o.drainSec * 1000)) return;
      try {
        const head = (await follower.call<{ height: number }>('chain_head')).height;
        for (; followed < head; followed++) {
          const block = await follower.call<{ txs: { id: string }[] }>('chain_block', { height: followed + 1 });
          const seenAt = performance.now();
          for (const { id } of block.txs) {
            const entry = byId(id);
            if (entry === undefined) continue;
            forget(id);
            entry.sender.inflight--;
            if (!entry.measured) {
              warmupCommitted++;
              continue;
            }
            latencies.push(seenAt - entry.submittedAt);
            lastCommitAt = Math.max(lastCommitAt, seenAt);
          }
        }
        if (performance.now() - lastStaleCheck > 5000) {
          lastStaleCheck = performance.now();
          await checkStale();
        }
      } catch {
        // the node is busy or restarting: try again on the next tick
      }
      await sleep(o.pollMs);
    }
  };
  const checkStale = async () => {
    for (const [node, map] of outstanding.entries()) {
      const old = [...map].filter(([, e]) => performance.now() - e.submittedAt > 5000).map(([id]) => id).slice(0, 500);
      if (old.length === 0) continue;
      const replies = await clients[node]!.batch<{ status: string; reason?: string }>(old.map((id) => ({ method: 'tx_get', params: { id } })));
      replies.forEach((r, j) => {
        if (r instanceof RpcCallError || r.status !== 'rejected') return;
        refuse(node, old[j]!, r.reason ?? 'rejected', `rejected after acceptance: ${r.reason ?? 'no reason'}`);
      });
    }
  };

  let lastCommitted = 0;
  let lastReportAt = t0;
  const reporter = setInterval(() => {
    const now = performance.now();
    report({
      type: 'progress',
      elapsedSec: (now - t0) / 1000,
      submitted,
      committed: latencies.length + warmupCommitted,
      rejected,
      outstanding: totalOutstanding(),
      recentTps: ((latencies.length + warmupCommitted - lastCommitted) * 1000) / (now - lastReportAt),
      measuring: now >= measureFrom,
      draining: !submitting,
    });
    lastCommitted = latencies.length + warmupCommitted;
    lastReportAt = now;
  }, 1000);

  const following = followLoop();
  await Promise.all(clients.map((_, i) => submitLoop(i)));
  submitting = false;
  await following;
  clearInterval(reporter);

  const sorted = [...latencies].sort((a, b) => a - b);
  const span = firstSubmitAt === undefined || lastCommitAt === 0 ? 0 : (lastCommitAt - firstSubmitAt) / 1000;
  return {
    type: 'result',
    senders: senders.length,
    submitted,
    committed: latencies.length,
    rejected,
    lost: totalOutstanding(),
    warmupCommitted,
    rejectReasons,
    tps: span > 0 ? latencies.length / span : 0,
    p50_ms: Math.round(percentile(sorted, 50)),
    p99_ms: Math.round(percentile(sorted, 99)),
    mean_ms: sorted.length ? Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length) : 0,
    spanSec: span,
  };
}

const FUNDING = 100_000;
const FUNDING_TIMEOUT_MS = 120_000;

const accountOf = (client: RpcClient, key: KeyPair) =>
  client.call<{ nonce: number; pendingNonce: number; balance: number }>('account_get', { address: '0x' + toHex(addressBytesOf(key.publicKey)) });

/** Funder i pays every extra sender j with j mod funders = i, `window` at a time (its nonces may run no further ahead). */
async function fund(clients: RpcClient[], chainId: string, funders: KeyPair[], extra: KeyPair[], window: number): Promise<void> {
  const deadline = performance.now() + FUNDING_TIMEOUT_MS;
  await Promise.all(
    funders.map(async (funder, i) => {
      const client = clients[i % clients.length]!;
      const payees = extra.filter((_, j) => j % funders.length === i);
      for (let from = 0; from < payees.length; from += window) {
        let nonce = (await accountOf(client, funder)).pendingNonce;
        const txs = payees.slice(from, from + window).map((p) => signTx(chainId, funder, transferBody(addressBytesOf(p.publicKey), FUNDING, nonce++)));
        const replies = await client.batch(txs.map((tx) => ({ method: 'tx_submit', params: { tx: toHex(encodeTx(tx)) } })));
        const refused = replies.find((r) => r instanceof RpcCallError);
        if (refused) throw new Error(`funding a sender was refused: ${(refused as RpcCallError).message}`);
        while ((await accountOf(client, funder)).nonce < nonce) await waitABit(deadline);
      }
    }),
  );
  // Each sender submits to node (index mod nodes), which must have seen its funding too.
  await Promise.all(
    extra.map(async (key, j) => {
      const client = clients[(funders.length + j) % clients.length]!;
      while ((await accountOf(client, key)).balance <= 0) await waitABit(deadline);
    }),
  );
}

async function waitABit(deadline: number): Promise<void> {
  if (performance.now() > deadline) throw new Error('the senders were not funded in time');
  await sleep(100);
}
