/**
 * What every client verb (register, tx, query, status, double-spend) shares: the --rpc/--port options,
 * value parsers that turn a bad flag into a usage error before any network call, key options, an RPC
 * client whose errors name the method, and transaction submission and waiting.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { addressOf, isAddress } from '../core/address.js';
import { fromHex, toHex } from '../core/bytes.js';
import { signingDomain } from '../core/signing.js';
import { type TxBody, encodeTx, signTx, txId } from '../core/tx.js';
import type { Identity } from '../node/identity.js';
import { UsageError } from './errors.js';
import { DEFAULT_DATA_DIR, exists, nodeKeyPath, readKeyOption } from './key-info.js';
import { RpcCallError, RpcClient } from './rpc-client.js';
import { openTxStream } from './tx-stream.js';

export const DEFAULT_RPC = 'http://127.0.0.1:8545';

// ------------------------------------------------------------------ value parsers (commander argParser)

/** A whole number in [min, max]; anything else is a usage error naming the option (exit 2). */
export function intArg(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
      throw new InvalidArgumentError(`expected ${range}.`);
    }
    return n;
  };
}

export function addressArg(value: string): string {
  const lower = value.trim().toLowerCase();
  if (!isAddress(lower)) throw new InvalidArgumentError('expected an account address: 0x followed by 40 hex digits.');
  return lower;
}

export function txIdArg(value: string): string {
  const body = value.trim().replace(/^0x/i, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(body)) throw new InvalidArgumentError('expected a transaction id: 64 hex digits.');
  return body;
}

export function urlArg(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a URL such as http://127.0.0.1:8545.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('expected an http:// or https:// URL.');
  return value;
}

// ------------------------------------------------------------------ --rpc / --port

export interface RpcOptions {
  rpc?: string;
  port?: number;
}

/** --rpc URL and the seed client's --port N shortcut (= http://127.0.0.1:N); giving both is a usage error. */
export function addRpcOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--rpc <url>', `JSON-RPC URL of the node (default: ${DEFAULT_RPC})`).argParser(urlArg))
    .addOption(
      new Option('--port <n>', 'shortcut for --rpc http://127.0.0.1:<n> (the seed client\'s --port)')
        .argParser(intArg(1, 65535))
        .conflicts('rpc'),
    );
}

export function rpcUrlOf(opts: RpcOptions): string {
  if (opts.port !== undefined) return `http://127.0.0.1:${opts.port}`;
  return opts.rpc ?? DEFAULT_RPC;
}

/**
 * An RpcClient whose call errors carry the method name, so main prints `posplus: <method>: <message>`.
 * Unreachable-node errors pass through unchanged (they already name the URL).
 */
export class CliRpc {
  readonly client: RpcClient;
  constructor(readonly url: string, timeoutMs?: number) {
    this.client = new RpcClient(url, timeoutMs);
  }

  async call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T> {
    try {
      return await this.client.call<T>(method, params);
    } catch (err) {
      throw named(method, err);
    }
  }

  /** Several calls in one request; the first failing call throws (named). */
  async all<T extends unknown[]>(calls: { [K in keyof T]: { method: string; params?: Record<string, unknown> } }): Promise<T> {
    const replies = await this.client.batch(calls as { method: string; params?: Record<string, unknown> }[]);
    replies.forEach((r, i) => {
      if (r instanceof RpcCallError) throw named(calls[i]!.method, r);
    });
    return replies as T;
  }
}

function named(method: string, err: unknown): unknown {
  if (!(err instanceof RpcCallError) || err.message.startsWith(`${method}: `)) return err;
  return new RpcCallError(err.code, `${method}: ${err.message}`, err.data);
}

export const rpcFrom = (opts: RpcOptions, timeoutMs?: number): CliRpc => new CliRpc(rpcUrlOf(opts), timeoutMs);

// ------------------------------------------------------------------ --key / --data-dir

export interface KeyOptions {
  key?: string;
  dataDir?: string;
}

export function addKeyOption(cmd: Command, description: string): Command {
  return cmd.addOption(new Option('--key <file>', description));
}

/** --key FILE or --data-dir DIR (whose node.key is used); not both. */
export function addKeyOrDataDirOptions(cmd: Command, keyDescription: string): Command {
  return addKeyOption(cmd, keyDescription).addOption(
    new Option('--data-dir <dir>', `use the node key (node.key) in this node data directory (default: ${DEFAULT_DATA_DIR})`).conflicts('key'),
  );
}

/**
 * The signing key of a verb that needs one: --key FILE, else DIR/node.key of --data-dir (default ./data).
 * A missing default node key is a usage error that says what to pass.
 */
export async function resolveSigningKey(opts: KeyOptions, verb: string): Promise<{ identity: Identity; path: string }> {
  if (opts.key !== undefined) return { identity: await readKeyOption(opts.key, '--key'), path: opts.key };
  const path = nodeKeyPath(opts.dataDir ?? DEFAULT_DATA_DIR);
  if (opts.dataDir === undefined && !(await exists(path))) {
    throw new UsageError(
      `${verb} needs a signing key: no node key at ${path}; pass --key FILE (from posplus keygen) or --data-dir DIR of a node`,
    );
  }
  return { identity: await readKeyOption(path, '--data-dir'), path };
}

// ------------------------------------------------------------------ signing and submitting

export interface AccountView {
  address: string;
  balance: number;
  nonce: number;
  /** The next nonce after the node's pending transactions of this account. */
  pendingNonce: number;
  stake: number;
  capacity?: number;
}

export interface NodeStatusView {
  peerId: string;
  address: string;
  chainId: string;
  engine: string;
  role: string;
  cell: number;
  position?: unknown;
  height: number;
  headHash: string;
  peers: number;
  syncing: boolean;
  /** Absent while the node has no chain. */
  genesis?: { hash: string; members: string[] };
}

/** The signing domain of the node's chain (chain id and genesis hash) and the sender's account, in one request. */
export async function signingContext(rpc: CliRpc, identity: Identity): Promise<{ chainId: string; account: AccountView }> {
  const address = addressOf(identity.keyPair.publicKey);
  const [status, account] = await rpc.all<[NodeStatusView, AccountView]>([
    { method: 'node_status' },
    { method: 'account_get', params: { address } },
  ]);
  return { chainId: signingDomainOf(status), account };
}

/** What a transaction for the chain a node_status describes is signed under. */
export function signingDomainOf(status: Pick<NodeStatusView, 'chainId' | 'genesis'>): string {
  if (status.genesis === undefined) throw new Error(`the node has no chain yet (start-up ceremony or sync in progress); try again shortly`);
  return signingDomain(status.chainId, fromHex(status.genesis.hash));
}

export function signEncoded(chainId: string, identity: Identity, body: TxBody): { id: string; hex: string } {
  const tx = signTx(chainId, identity.keyPair, body);
  return { id: txId(tx), hex: toHex(encodeTx(tx)) };
}

/** tx_submit; returns the id the node reports (the same as the local one). */
export async function submitHex(rpc: CliRpc, hex: string): Promise<string> {
  const r = await rpc.call<{ id: string; status: string }>('tx_submit', { tx: hex });
  return r.id;
}

export interface TxStatusView {
  id: string;
  status: 'pending' | 'committed' | 'rejected';
  height?: number;
  reason?: string;
}

export const NOT_FOUND = -32004;
export const TX_REJECTED = -32001;
export const FORBIDDEN = -32003;

/** tx_get, with "the node does not know this id" as undefined rather than an error. */
export async function txStatus(rpc: CliRpc, id: string): Promise<TxStatusView | undefined> {
  try {
    return await rpc.call<TxStatusView>('tx_get', { id });
  } catch (err) {
    if (err instanceof RpcCallError && err.code === NOT_FOUND) return undefined;
    throw err;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the transaction is committed or rejected: on the node's event stream where it serves one, else
 * polling tx_get; a dot on stderr every half second when `dots`. Returns the final status, or undefined on timeout.
 */
export async function waitForTx(
  rpc: CliRpc,
  id: string,
  opts: { timeoutMs?: number; intervalMs?: number; dots?: boolean } = {},
): Promise<TxStatusView | undefined> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let dotted = false;
  const dots = opts.dots
    ? setInterval(() => {
        process.stderr.write('.');
        dotted = true;
      }, 500)
    : undefined;
  const stream = await openTxStream(rpc.url);
  try {
    // Asked once the stream is open: a fate decided before it opened is in tx_get, one after it in the stream.
    const now = await txStatus(rpc, id);
    if (now !== undefined && now.status !== 'pending') return now;
    if (stream !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()))));
      const settled = await Promise.race([stream.settled(id), timeout]);
      clearTimeout(timer);
      if (settled !== undefined) return settled;
    }
    for (;;) {
      const s = await txStatus(rpc, id);
      if (s !== undefined && s.status !== 'pending') return s;
      if (Date.now() >= deadline) return undefined;
      await sleep(opts.intervalMs ?? 500);
    }
  } finally {
    stream?.close();
    clearInterval(dots);
    if (dotted) process.stderr.write('\n');
  }
}

/** --wait for a submitted transaction: one status line on stderr; a rejection or timeout is exit 1. */
export async function waitAndReport(rpc: CliRpc, id: string): Promise<void> {
  const s = await waitForTx(rpc, id, { dots: true });
  if (s === undefined) throw new Error(`transaction ${id} is still not committed after 60 s`);
  if (s.status === 'rejected') throw new Error(`transaction ${id} was rejected: ${s.reason ?? 'no reason given'}`);
  process.stderr.write(`committed at height ${s.height}\n`);
}

export const waitOption = (): Option =>
  new Option('--wait', 'wait (up to 60 s, dots on stderr) until the transaction is committed; exit 1 if it is rejected');

export const nonceOption = (): Option =>
  new Option('--nonce <n>', 'sender nonce to sign with (default: the account\'s next free nonce from account_get)').argParser(intArg(0));
