import { addressOf } from '../core/address.js';
import type { Hex } from '../core/bytes.js';
import { BallotBundle, ConsensusEnvelope, Evidence, type Tx, TxBatch, TxSetBallot } from '../core/wire/posplus.js';
import type { EngineInput, Outbound } from '../consensus/engine.js';
import { compactProposal, expandProposal } from './compact-proposal.js';
import type { TopicRef } from './topics.js';

/**
 * Engine messages on the wire, one way for the node and the simulator: which topic an Outbound goes on, its bytes,
 * the Outbound a topic's bytes decode to, and the engine input it becomes at a receiver. The simulator hands
 * the Outbound object itself to its replicas (decoding it 250 times would measure protobuf, not the protocol),
 * but routes it by `topicOf` and names it by `encodeOutbound`, as gossipsub does.
 */

/**
 * The topics an engine message goes out on from a node in `cell`: one, but a proposal goes to the nodes without a
 * vote in full and to the validators compact (see wireOf).
 */
export function topicsOf(out: Outbound, cell: number): TopicRef[] {
  return out.kind === 'proposal' ? [{ kind: 'proposal' }, { kind: 'approval' }] : [topicOf(out, cell)];
}

function topicOf(out: Exclude<Outbound, { kind: 'proposal' }>, cell: number): TopicRef {
  switch (out.kind) {
    case 'txs':
      return { kind: 'tx', cell };
    case 'certificate':
    case 'call':
      return { kind: 'block' };
    case 'vote':
      return out.to === undefined ? { kind: 'approval' } : { kind: 'inbox', address: addressOf(out.to) };
    case 'votes':
      return { kind: 'approval' };
    case 'evidence':
      return { kind: 'evidence' };
    case 'ballot':
      return out.to === undefined ? { kind: 'cell-vote', cell } : { kind: 'inbox', address: addressOf(out.to) };
    case 'bundle':
      return out.to === undefined ? { kind: 'multi-vote' } : { kind: 'inbox', address: addressOf(out.to) };
  }
}

/**
 * Transactions in one gossip batch. A receiver refuses a longer batch while decoding it, before a single
 * signature is checked: otherwise one 4 MiB batch makes every node verify some 30,000 signatures.
 */
export const MAX_TX_BATCH = 500;

/**
 * Ballots in one bundle: a cell's voters, or an RPCA trusted list. Like a batch's length, refused while decoding,
 * before a signature is checked; a ballot's `yes` list holds at most a block's transactions.
 */
export const MAX_BUNDLE_BALLOTS = 1024;

const bundleLimits = (pool: TxPool) => ({ ballots: MAX_BUNDLE_BALLOTS, ballots$: { yes: pool.maxTxs } });

/** A batch of transactions; `seq` makes every batch a new gossip message (see TxBatch in the .proto). */
export function encodeTxBatch(txs: TxBatch['txs'], seq: number): Uint8Array {
  return TxBatch.encode({ txs, seq });
}

/**
 * What a node publishes for an engine message: its bytes on each of its topics. `inline` says which of a proposal's
 * transactions (by signed-tx hash) the compact form for the validators sends in full.
 */
export function wireOf(out: Outbound, cell: number, inline: (hash: Hex) => boolean): { ref: TopicRef; data: Uint8Array }[] {
  return topicsOf(out, cell).map((ref) => ({
    ref,
    data:
      out.kind === 'proposal' && ref.kind === 'approval'
        ? ConsensusEnvelope.encode({ compact: compactProposal(out.proposal, inline), resend: out.resend ?? 0, votes: [] })
        : encodeOutbound(out),
  }));
}

/** The bytes of an engine message on its one topic (a proposal: the full form); the simulator names messages by it. */
export function encodeOutbound(out: Outbound): Uint8Array {
  switch (out.kind) {
    case 'txs':
      return encodeTxBatch(out.txs, 0);
    case 'proposal':
      return ConsensusEnvelope.encode({ proposal: out.proposal, resend: out.resend ?? 0, votes: [] });
    case 'vote':
      return ConsensusEnvelope.encode({ vote: out.vote, resend: out.resend ?? 0, votes: [] });
    case 'votes':
      return ConsensusEnvelope.encode({ resend: 0, votes: out.votes });
    case 'certificate':
      return ConsensusEnvelope.encode({ certificate: out.certificate, resend: 0, votes: [] });
    case 'call':
      return ConsensusEnvelope.encode({ call: out.call, resend: 0, votes: [] });
    case 'evidence':
      return Evidence.encode(out.evidence);
    case 'ballot':
      // On a cell's vote topic a ballot travels bare; in an inbox every message is an envelope.
      return out.to === undefined ? TxSetBallot.encode(out.ballot) : ConsensusEnvelope.encode({ ballot: out.ballot, resend: 0, votes: [] });
    case 'bundle': {
      const bundle = { cell: out.cell, ballots: out.ballots };
      return out.to === undefined ? BallotBundle.encode(bundle) : ConsensusEnvelope.encode({ bundle, resend: 0, votes: [] });
    }
  }
}

/** Where a receiver finds the transactions a compact proposal names by signed-tx hash. */
export interface TxPool {
  pooled(hash: Hex): Tx | undefined;
  maxTxs: number;
}

/**
 * The message a topic's bytes carry, a compact proposal rebuilt from `pool`. Throws on bytes that do not decode or
 * a message that does not belong on its topic, MissingTransactions for a compact proposal the pool cannot complete
 * yet; undefined for the genesis topic, which is the ceremony's, not an engine's.
 */
export function decodeOutbound(ref: TopicRef, data: Uint8Array, me: Uint8Array, pool: TxPool): Outbound | undefined {
  switch (ref.kind) {
    case 'tx':
      return { kind: 'txs', txs: TxBatch.decode(data, { limits: { txs: MAX_TX_BATCH } }).txs };
    case 'block':
    case 'proposal':
    case 'approval':
    case 'inbox':
      return envelopeOn(ref.kind, ConsensusEnvelope.decode(data, { limits: { ballot: { yes: pool.maxTxs }, bundle: bundleLimits(pool) } }), me, pool);
    case 'evidence':
      return { kind: 'evidence', evidence: Evidence.decode(data) };
    case 'cell-vote':
      return { kind: 'ballot', ballot: TxSetBallot.decode(data, { limits: { yes: pool.maxTxs } }) };
    case 'multi-vote': {
      const { cell, ballots } = BallotBundle.decode(data, { limits: bundleLimits(pool) });
      return { kind: 'bundle', cell, ballots };
    }
    case 'genesis':
      return undefined;
  }
}

/**
 * Exactly one payload per envelope, and only the ones its topic carries. An inbox message is the receiver's own
 * (`me`): it is not forwarded, so who it names as addressee does not matter past here.
 */
function envelopeOn(topic: 'block' | 'proposal' | 'approval' | 'inbox', e: ConsensusEnvelope, me: Uint8Array, pool: TxPool): Outbound {
  const present = [e.proposal, e.vote, e.certificate, e.call, e.ballot, e.bundle, e.compact].filter((x) => x !== undefined).length + (e.votes.length > 0 ? 1 : 0);
  if (present !== 1) throw new Error(`a consensus envelope must carry exactly one message, not ${present}`);
  if (topic === 'proposal' && e.proposal) return { kind: 'proposal', proposal: e.proposal, resend: e.resend };
  if (topic === 'approval' && e.compact) return { kind: 'proposal', proposal: expandProposal(e.compact, pool.pooled, pool.maxTxs), resend: e.resend };
  if (topic === 'block' && e.certificate) return { kind: 'certificate', certificate: e.certificate };
  if (topic === 'block' && e.call) return { kind: 'call', call: e.call };
  if (topic === 'approval' && e.vote) return { kind: 'vote', vote: e.vote, resend: e.resend };
  if (topic === 'approval' && e.votes.length > 0) return { kind: 'votes', votes: e.votes };
  if (topic === 'inbox' && e.vote) return { kind: 'vote', vote: e.vote, resend: e.resend, to: me };
  if (topic === 'inbox' && e.ballot) return { kind: 'ballot', ballot: e.ballot, to: me };
  if (topic === 'inbox' && e.bundle) return { kind: 'bundle', cell: e.bundle.cell, ballots: e.bundle.ballots, to: me };
  throw new Error(`the ${topic} topic does not carry this message`);
}

/** What a receiver feeds its engine for a message from the network. */
export function inputOf(msg: Outbound, now: number): EngineInput {
  switch (msg.kind) {
    case 'txs':
      return { type: 'txs', txs: msg.txs, now, local: false };
    case 'proposal':
      return { type: 'proposal', proposal: msg.proposal, now };
    case 'vote':
      return { type: 'vote', vote: msg.vote, now };
    case 'votes':
      return { type: 'votes', votes: msg.votes, now };
    case 'certificate':
      return { type: 'certificate', certificate: msg.certificate, now };
    case 'evidence':
      return { type: 'evidence', evidence: msg.evidence, now };
    case 'call':
      return { type: 'call', call: msg.call, now };
    case 'ballot':
      return { type: 'ballots', ballots: [msg.ballot], relayed: false, now };
    case 'bundle':
      return { type: 'ballots', ballots: msg.ballots, relayed: true, now };
  }
}
