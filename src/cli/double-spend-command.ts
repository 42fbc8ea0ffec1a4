import { type Command, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { addressOf, parseAddress } from '../core/address.js';
import { transferBody } from '../core/tx.js';
import type { Identity } from '../node/identity.js';
import {
  type CliRpc,
  type KeyOptions,
  type NodeStatusView,
  type RpcOptions,
  type TxStatusView,
  TX_REJECTED,
  addKeyOrDataDirOptions,
  addRpcOptions,
  intArg,
  resolveSigningKey,
  rpcFrom,
  signEncoded,
  signingContext,
  signingDomainOf,
  sleep,
  txStatus,
  urlArg,
  waitForTx,
} from './client-options.js';
import { RpcCallError } from './rpc-client.js';

interface DoubleSpendOptions extends RpcOptions, KeyOptions {
  rpc2?: string;
  amount: number;
  timeout: number;
}

interface Alert {
  id: string;
  kind: string;
  offender?: string;
  reporter?: string;
  height?: number;
  committed?: boolean;
  detail?: { nonce?: number; txs?: string[] };
}

interface NodeRef {
  name: string;
  rpc: CliRpc;
}

/** What a submission got back: accepted into the mempool, or rejected on the spot with the node's reason. */
type Submitted = { ok: true } | { ok: false; code?: string; message: string };

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const short = (id: string): string => `${id.slice(0, 16)}…`;
const randomAddress = (): string => addressOf(randomBytes(32));

async function submit(rpc: CliRpc, hex: string): Promise<Submitted> {
  try {
    await rpc.call('tx_submit', { tx: hex });
    return { ok: true };
  } catch (err) {
    if (err instanceof RpcCallError && err.code === TX_REJECTED) {
      return { ok: false, code: (err.data as { code?: string } | undefined)?.code, message: err.message.replace(/^tx_submit: (transaction rejected: )?/, '') };
    }
    throw err;
  }
}

const describeSubmitted = (s: Submitted): string => (s.ok ? 'accepted (pending)' : `rejected${s.code ? ` (${s.code})` : ''}: ${s.message}`);

const describeStatus = (s: TxStatusView | undefined): string =>
  s === undefined ? 'unknown' : s.status === 'committed' ? `committed at height ${s.height}` : s.status === 'rejected' ? `rejected: ${s.reason}` : 'pending';

/**
 * `posplus double-spend`: the seed client's double-spend test against a real network. Replays a committed
 * transaction, then sends two different transfers with one nonce to two nodes at once, shows which one
 * committed and why the other was rejected, and waits for the signed double-spend alert.
 */
export function registerDoubleSpendCommand(program: Command): void {
  const cmd = program
    .command('double-spend')
    .description(
      'demonstrate double-spend detection: replay a committed transaction, send two conflicting ones to two nodes, ' +
        'show what committed and the alert (needs a funded key; the alert counts against that account, so prefer a keygen key ' +
        'funded with posplus tx over a validator\'s node key)',
    );
  addKeyOrDataDirOptions(cmd, 'the funded key that signs every transaction (default: node.key in --data-dir)');
  addRpcOptions(cmd);
  cmd
    .addOption(new Option('--rpc2 <url>', 'JSON-RPC URL of a second node for the conflicting transaction (default: the same node)').argParser(urlArg))
    .addOption(new Option('--amount <n>', 'amount of the test transfers (the second conflicting one sends n+1)').argParser(intArg(1)).default(1))
    .addOption(new Option('--timeout <seconds>', 'how long to wait for each commit').argParser(intArg(1, 3600)).default(60));
  cmd.action(async (opts: DoubleSpendOptions) => {
    // The key is read before any network call: a missing key is a usage error.
    const { identity, path } = await resolveSigningKey(opts, 'double-spend');
    const failure = await run(opts, identity, path);
    out();
    if (failure !== undefined) throw new Error(`double-spend: ${failure}`);
    out('result: OK — the replay was refused, exactly one of the conflicting transactions committed, and the alert was raised');
  });
}

async function run(opts: DoubleSpendOptions, identity: Identity, keyPath: string): Promise<string | undefined> {
  const node1: NodeRef = { name: 'node 1', rpc: rpcFrom(opts) };
  const same = opts.rpc2 === undefined || opts.rpc2 === node1.rpc.url;
  const node2: NodeRef = same ? node1 : { name: 'node 2', rpc: rpcFrom({ rpc: opts.rpc2 }) };
  const nodes = same ? [node1] : [node1, node2];
  const timeoutMs = opts.timeout * 1000;
  const sender = addressOf(identity.keyPair.publicKey);

  const { chainId, account } = await signingContext(node1.rpc, identity);
  out('double-spend demonstration');
  out(`  sender:  ${sender} (key ${keyPath}), balance ${account.balance}, next nonce ${account.nonce}`);
  for (const n of nodes) {
    const s = await n.rpc.call<NodeStatusView>('node_status');
    if (signingDomainOf(s) !== chainId) return `${n.name} is on chain ${signingDomainOf(s)}, ${node1.name} on ${chainId}`;
    out(`  ${n.name}:  ${n.rpc.url} (peer ${s.peerId}, height ${s.height})`);
  }
  if (same) out('  node 2:  the same node (pass --rpc2 URL to send the conflicting transaction to another node)');
  const need = opts.amount + (opts.amount + 1);
  if (account.balance < need) {
    return `${sender} has balance ${account.balance}, the test needs ${need}; fund it first (posplus tx --to ${sender} --amount ${need} from a funded key or node)`;
  }

  // 1. Replay: the same signed bytes again after they committed.
  const nonce = account.pendingNonce;
  out();
  out(`1. replay (nonce ${nonce})`);
  const a = signEncoded(chainId, identity, transferBody(parseAddress(randomAddress()), opts.amount, nonce));
  const first = await submit(node1.rpc, a.hex);
  out(`  sent transfer A ${a.id} to ${node1.name}: ${describeSubmitted(first)}`);
  if (!first.ok) return `transfer A was not accepted: ${first.message}`;
  const aStatus = await waitForTx(node1.rpc, a.id, { timeoutMs, dots: true });
  out(`  A on ${node1.name}: ${describeStatus(aStatus)}`);
  if (aStatus?.status !== 'committed') return `transfer A did not commit within ${opts.timeout} s (${describeStatus(aStatus)})`;
  let replayFailure: string | undefined;
  for (const n of nodes) {
    if (n !== node1) {
      const s = await waitForTx(n.rpc, a.id, { timeoutMs, dots: true });
      if (s?.status !== 'committed') {
        out(`  A on ${n.name}: ${describeStatus(s)} (not replaying there)`);
        continue;
      }
    }
    const replay = await submit(n.rpc, a.hex);
    out(`  replayed the same bytes to ${n.name}: ${describeSubmitted(replay)}`);
    if (replay.ok) replayFailure ??= `${n.name} accepted a replay of committed transaction ${a.id}`;
  }

  // 2. Two different transfers with one nonce, sent to two nodes at the same time.
  const conflictNonce = nonce + 1;
  out();
  out(`2. conflicting transfers (both nonce ${conflictNonce})`);
  const b = signEncoded(chainId, identity, transferBody(parseAddress(randomAddress()), opts.amount, conflictNonce));
  const c = signEncoded(chainId, identity, transferBody(parseAddress(randomAddress()), opts.amount + 1, conflictNonce));
  out(`  B: ${b.id} (amount ${opts.amount}) → ${node1.name}`);
  out(`  C: ${c.id} (amount ${opts.amount + 1}) → ${node2.name}`);
  const [sb, sc] = await Promise.all([submit(node1.rpc, b.hex), submit(node2.rpc, c.hex)]);
  out(`  B at ${node1.name}: ${describeSubmitted(sb)}`);
  out(`  C at ${node2.name}: ${describeSubmitted(sc)}`);

  // 3. Wait until one of them commits everywhere, then see what became of the other.
  out();
  out('3. outcome');
  const ids = { B: b.id, C: c.id } as const;
  const statuses = async (): Promise<Map<string, (TxStatusView | undefined)[]>> => {
    const m = new Map<string, (TxStatusView | undefined)[]>();
    for (const [label, id] of Object.entries(ids)) m.set(label, await Promise.all(nodes.map((n) => txStatus(n.rpc, id))));
    return m;
  };
  const deadline = Date.now() + timeoutMs;
  let view = await statuses();
  let dotted = false;
  const settled = (v: typeof view): boolean => {
    const all = [...v.values()];
    // Done when one transaction is committed on every node and nothing is pending anywhere.
    return all.some((per) => per.every((s) => s?.status === 'committed')) && all.every((per) => per.every((s) => s?.status !== 'pending'));
  };
  while (!settled(view) && Date.now() < deadline) {
    process.stderr.write('.');
    dotted = true;
    await sleep(500);
    view = await statuses();
  }
  if (dotted) process.stderr.write('\n');
  for (const [label, per] of view) {
    out(`  ${label}: ${per.map((s, i) => `${nodes[i]!.name}: ${describeStatus(s)}`).join('; ')}`);
  }
  const committed = [...view].filter(([, per]) => per.some((s) => s?.status === 'committed')).map(([label]) => label);
  if (committed.length !== 1) {
    return committed.length === 0
      ? `neither conflicting transaction committed within ${opts.timeout} s`
      : 'BOTH conflicting transactions committed: the double spend went through';
  }
  const winner = committed[0] as 'B' | 'C';
  const loser = winner === 'B' ? 'C' : 'B';
  const loserSubmission = loser === 'B' ? sb : sc;
  const loserReason =
    view.get(loser)!.find((s) => s?.status === 'rejected')?.reason ??
    (loserSubmission.ok ? 'dropped (no node knows it any more)' : loserSubmission.message);
  out(`  ✓ exactly one committed: ${winner} (${short(ids[winner])}); ${loser} was rejected: ${loserReason}`);

  // 4. The signed double-spend alert, on every node.
  out();
  out('4. double-spend alert');
  const matches = (al: Alert): boolean =>
    al.kind === 'double-spend' &&
    ((al.detail?.txs !== undefined && al.detail.txs.includes(b.id) && al.detail.txs.includes(c.id)) ||
      (al.offender === sender && al.detail?.nonce === conflictNonce));
  const alertDeadline = Date.now() + 30_000;
  const seen = new Map<NodeRef, Alert>();
  dotted = false;
  for (;;) {
    for (const n of nodes) {
      if (seen.has(n)) continue;
      const ds = await n.rpc.call<{ alerts?: Alert[] }>('detection_status');
      const found = (ds.alerts ?? []).find(matches);
      if (found !== undefined) seen.set(n, found);
    }
    if (seen.size === nodes.length || Date.now() >= alertDeadline) break;
    process.stderr.write('.');
    dotted = true;
    await sleep(500);
  }
  if (dotted) process.stderr.write('\n');
  for (const n of nodes) {
    const al = seen.get(n);
    if (al === undefined) {
      out(`  ${n.name}: no double-spend alert for nonce ${conflictNonce} after 30 s`);
      continue;
    }
    out(
      `  ${n.name}: alert ${short(al.id)} against ${al.offender} (nonce ${al.detail?.nonce}), reported by ${al.reporter} ` +
        `at height ${al.height}${al.committed === undefined ? '' : al.committed ? ', recorded in a block' : ', pending inclusion'}`,
    );
    out(`    proof: ${(al.detail?.txs ?? []).map((id) => `${id === b.id ? 'B' : id === c.id ? 'C' : '?'} ${short(id)}`).join(', ')}`);
  }
  if (replayFailure !== undefined) return replayFailure;
  const missing = nodes.filter((n) => !seen.has(n)).map((n) => n.name);
  if (missing.length > 0) return `no double-spend alert on ${missing.join(' and ')} within 30 s`;
  return undefined;
}
