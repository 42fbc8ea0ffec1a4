import { peerIdFromPublicKey } from '@libp2p/peer-id';
import { publicKeyFromRaw } from '@libp2p/crypto/keys';
import { z } from 'zod';
import { addressOf, addressToString, isAddress, parseAddress } from '../../core/address.js';
import { formatBehaviors } from '../../core/behavior.js';
import { blockHash, headerOf } from '../../core/block.js';
import { fromHex, toHex } from '../../core/bytes.js';
import type { TxStatus } from '../../core/chain-state.js';
import { decodeTx, transferBody, txId } from '../../core/tx.js';
import { type Block, type Certificate, Tx } from '../../core/wire/posplus.js';
import { cellCount, cellOf } from '../../geo/grid.js';
import type { NodeApi } from './node-api.js';
import { NotReadyError } from '../tx-service.js';
import { DEFAULT_NCCA_PARAMS } from '../../consensus/ncca/params.js';
import { trustedListView } from '../trust-view.js';
import { detectionView } from '../../consensus/detection/detection-view.js';
import { FORBIDDEN, NOT_FOUND, RpcError, TX_REJECTED, UNAVAILABLE } from './errors.js';
import { type RpcServer, defineMethod } from './server.js';
import { VERSION } from '../version.js';
import { serveEventStream } from './event-stream.js';
import { DASHBOARD_HEADERS, dashboardHtml } from './dashboard.js';
import { netPeers } from './net-peers.js';
import { registerSubscriptions } from './subscriptions.js';

const hex = (what: string) => z.string().regex(/^(0x)?[0-9a-fA-F]*$/, `${what} must be hex`);
const address = z.string().refine((s) => isAddress(s.toLowerCase()), 'must be 0x followed by 40 hex digits');
const amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const noParams = z.object({}).strict();
/** chain_blocks answers at most this many blocks: a range is one reply held in memory and written at once. */
export const MAX_BLOCK_RANGE = 100;

export function peerIdOf(publicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString();
}

export function txView(tx: Tx) {
  return {
    id: txId(tx),
    kind: tx.kind.toLowerCase(),
    from: addressOf(tx.sender),
    to: tx.kind === Tx.Kind.TRANSFER ? addressToString(tx.to) : undefined,
    amount: tx.amount,
    nonce: tx.nonce,
    bpm: tx.bpm,
    stake: tx.kind === Tx.Kind.REGISTER ? tx.stake : undefined,
    capacity: tx.kind === Tx.Kind.REGISTER ? tx.capacity : undefined,
  };
}

function blockView(block: Block, certificate: Certificate | undefined) {
  const h = headerOf(block);
  return {
    height: h.height,
    hash: toHex(blockHash(h)),
    prevHash: toHex(h.prevHash),
    round: h.round,
    timestamp: h.timestamp,
    proposer: addressOf(h.proposer),
    stateRoot: toHex(h.stateRoot),
    txs: block.txs.map(txView),
    evidence: block.evidence.length,
    certificate: certificate && {
      round: certificate.round,
      signers: certificate.sigs.map((s) => addressOf(s.voter)),
    },
  };
}

function ready(node: NodeApi) {
  const { chain, engine } = node;
  if (chain === undefined || engine === undefined) throw new RpcError(UNAVAILABLE, 'the node has no chain yet (start-up ceremony in progress)');
  return { chain, engine };
}

function rejectOnFailure(status: TxStatus): { id: string; status: 'pending' } {
  if (status.status === 'rejected') throw new RpcError(TX_REJECTED, `transaction rejected: ${status.reason}`, { id: status.id, code: status.code });
  return { id: status.id, status: 'pending' };
}

async function submitted(submission: Promise<TxStatus>) {
  try {
    return rejectOnFailure(await submission);
  } catch (err) {
    if (err instanceof NotReadyError) throw new RpcError(UNAVAILABLE, err.message);
    throw err;
  }
}

/** The JSON-RPC surface of DESIGN §4.4. */
export function registerMethods(rpc: RpcServer, node: NodeApi): void {
  const selfKey = node.identity.keyPair.publicKey;

  rpc.register('node_status', defineMethod({
    params: noParams,
    handler: () => {
      const status = node.engine?.status();
      return {
        peerId: node.host.peerId.toString(),
        version: VERSION,
        address: addressOf(selfKey),
        chainId: node.chainId,
        engine: node.config.engine,
        role: status?.role ?? 'normal',
        cell: node.cell,
        position: node.position,
        area: node.area,
        height: status?.height ?? 0,
        headHash: status?.headHash ?? '',
        peers: node.host.getPeers().length,
        syncing: node.syncing || node.chain === undefined,
        genesis: node.genesis && { hash: node.genesis.hashHex, members: node.genesis.members.map(addressOf) },
        round: status?.round,
        step: status?.step,
        listen: node.host.getMultiaddrs().map(String),
        topics: node.topics,
        // Only on a test network's misbehaving node (--behavior); an honest node's status has no such field.
        ...(node.config.behaviors.length > 0 && { behaviors: formatBehaviors(node.config.behaviors) }),
      };
    },
  }));

  rpc.register('net_peers', defineMethod({
    params: noParams,
    handler: () => netPeers(node.host, node.metrics.traffic),
  }));

  rpc.register('chain_head', defineMethod({
    params: noParams,
    // The head on disk: every block up to it can be read with chain_block (memory may be a block ahead).
    handler: async () => {
      const { chain } = ready(node);
      const head = (await node.store.getHead()) ?? { height: 0, hash: chain.genesis.hash };
      return { height: head.height, hash: toHex(head.hash) };
    },
  }));

  rpc.register('chain_block', defineMethod({
    params: z.union([z.object({ height: z.number().int().nonnegative() }).strict(), z.object({ hash: hex('hash').length(64) }).strict()]),
    handler: async (p) => {
      const height = 'height' in p ? p.height : await node.store.heightOfHash(p.hash.replace(/^0x/, '').toLowerCase());
      const block = height === undefined ? undefined : await node.store.getBlock(height);
      if (block === undefined) throw new RpcError(NOT_FOUND, `no block ${'height' in p ? `at height ${p.height}` : `with hash ${p.hash}`}${prunedNote(node, height)}`);
      return blockView(block, await node.store.getCertificate(height!));
    },
  }));

  rpc.register('chain_blocks', defineMethod({
    params: z
      .object({ from: z.number().int().nonnegative(), to: z.number().int().nonnegative() })
      .strict()
      .refine((p) => p.to >= p.from, { message: 'to must not be below from', path: ['to'] }),
    // At most MAX_BLOCK_RANGE blocks, in height order, stopping at the stored head: a caller pages on from the last.
    handler: async (p) => {
      if (Math.max(p.from, 1) < node.store.lowestHeld) throw new RpcError(NOT_FOUND, `no block at height ${Math.max(p.from, 1)}${prunedNote(node, p.from)}`);
      const out: ReturnType<typeof blockView>[] = [];
      for (let height = Math.max(p.from, 1); height <= Math.min(p.to, p.from + MAX_BLOCK_RANGE - 1); height++) {
        const block = await node.store.getBlock(height);
        if (block === undefined) break;
        out.push(blockView(block, await node.store.getCertificate(height)));
      }
      return out;
    },
  }));

  rpc.register('tx_submit', defineMethod({
    params: z.object({ tx: hex('tx').min(2) }).strict(),
    handler: async (p) => {
      let tx: Tx;
      try {
        tx = decodeTx(fromHex(p.tx));
      } catch (err) {
        throw new RpcError(-32602, `invalid params: tx: ${(err as Error).message}`, { field: 'tx' });
      }
      return submitted(node.submit(tx));
    },
  }));

  rpc.register('tx_send', defineMethod({
    params: z.object({ to: address, amount, bpm: z.number().int().min(0).max(400).optional() }).strict(),
    handler: async (p, ctx) => {
      if (!ctx.isLoopback) throw new RpcError(FORBIDDEN, 'tx_send signs with the node key and is only served to loopback callers');
      ready(node);
      const to = parseAddress(p.to);
      return submitted(node.submitOwn((nonce) => transferBody(to, p.amount, nonce, p.bpm)));
    },
  }));

  rpc.register('tx_get', defineMethod({
    params: z.object({ id: hex('id').length(64) }).strict(),
    handler: async (p) => {
      const status = await node.txStatus(p.id.toLowerCase());
      if (status === undefined) throw new RpcError(NOT_FOUND, `unknown transaction ${p.id}${prunedNote(node)}`);
      if (status.status !== 'committed') return status;
      const record = await node.store.getTx(p.id.toLowerCase());
      return { ...status, tx: record && txView(record.tx) };
    },
  }));

  rpc.register('account_get', defineMethod({
    params: z.object({ address }).strict(),
    handler: (p) => {
      const { chain } = ready(node);
      const addr = p.address.toLowerCase();
      const a = chain.account(addr);
      // pendingNonce: the next nonce after this node's pending transactions, what a client should sign with next.
      const pendingNonce = chain.mempool.nextFreeNonce(addr, a.nonce);
      return { address: addr, balance: a.balance, nonce: a.nonce, pendingNonce, stake: a.stake, capacity: a.capacity };
    },
  }));

  rpc.register('consensus_validators', defineMethod({
    params: noParams,
    handler: () => {
      const { engine } = ready(node);
      // Who proposed the recent blocks: the heights each validator proposed among the last ones.
      const proposed = new Map<string, number[]>();
      for (const r of engine.status().recentProposers) proposed.set(r.proposer, [...(proposed.get(r.proposer) ?? []), r.height]);
      return engine.validators().map((v) => ({
        address: v.address,
        peerId: peerIdOf(fromHex(v.publicKey)),
        role: v.role,
        cell: v.cell ?? null,
        credit: v.credit ?? null,
        stake: v.stake,
        suspendedUntil: v.suspendedUntil,
        proposedRecently: proposed.get(v.address) ?? [],
      }));
    },
  }));

  rpc.register('consensus_trustedList', defineMethod({
    params: noParams,
    handler: () => {
      const { chain, engine } = ready(node);
      // Trusted lists belong to NCCA; the pos engine trusts its whole stake-weighted validator set.
      if (node.config.engine !== 'ncca') return { engine: node.config.engine, trusted: [], backup: [], failed: [] };
      const exchangesOf = (publicKey: string) => node.exchangesWith(peerIdOf(fromHex(publicKey)));
      return { engine: 'ncca', ...trustedListView(engine, DEFAULT_NCCA_PARAMS, node.area, node.cell, exchangesOf, chain.lastCertificate) };
    },
  }));

  rpc.register('detection_status', defineMethod({
    params: noParams,
    handler: async () => {
      const committed = (await node.store.listEvidence()).map((e) => ({ ...e, committed: true }));
      const known = new Set(committed.map((e) => e.id));
      const pending = node.evidence().filter((e) => !known.has(e.id)).map((e) => ({ ...e, committed: false }));
      const evidence = [...committed, ...pending];
      const { chain } = ready(node);
      const view = detectionView(chain.ledger, chain.head.timestamp);
      return { height: chain.head.height, ...view, evidence, alerts: evidence.filter((e) => e.kind === 'double-spend') };
    },
  }));

  rpc.register('regions_list', defineMethod({
    params: noParams,
    // From the positions accounts declared on chain (LOCATE), which is what NCCA elects from.
    handler: () => {
      const { chain, engine } = ready(node);
      const validators = new Set(engine.validators().filter((v) => v.role === 'validator' || v.role === 'multi-region').map((v) => v.address));
      const byCell = Array.from({ length: cellCount(node.area) }, (_, cell) => ({
        cell,
        nodes: [] as { address: string; position: { x: number; y: number } }[],
        validators: [] as string[],
      }));
      for (const [address, account] of chain.ledger.entries()) {
        if (account.position === undefined) continue;
        const entry = byCell[cellOf(node.area, account.position)]!;
        entry.nodes.push({ address, position: account.position });
        if (validators.has(address)) entry.validators.push(address);
      }
      return byCell;
    },
  }));

  rpc.addGetRoute('/health', async () => {
    const reason = node.unhealthy(Date.now());
    const body = { ok: reason === undefined, reason, height: node.chain?.head.height ?? 0, syncing: node.syncing, peers: node.host.getPeers().length };
    return { status: reason === undefined ? 200 : 503, contentType: 'application/json', body: JSON.stringify(body) };
  });

  rpc.addGetRoute('/metrics', async () => ({
    status: 200,
    contentType: node.metrics.registry.contentType,
    body: await node.metrics.registry.metrics(),
  }));

  rpc.addStreamRoute('/events', (query, res) => serveEventStream(node.events, query, res));
  rpc.setPage(dashboardHtml, DASHBOARD_HEADERS);
  registerSubscriptions(rpc, node.events);
}

/**
 * What a not-found answer adds on a node that pruned old blocks (RETAIN_BLOCKS): the block asked for, or the
 * block a transaction was in, may have been there.
 */
function prunedNote(node: NodeApi, height?: number): string {
  const lowest = node.store.lowestHeld;
  if (lowest <= 1 || (height !== undefined && height >= lowest)) return '';
  return `: pruned below height ${lowest} (this node keeps RETAIN_BLOCKS blocks)`;
}
