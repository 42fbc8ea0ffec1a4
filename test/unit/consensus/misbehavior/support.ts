import { signBallot } from '../../../../src/core/ballots.js';
import { buildBlock } from '../../../../src/core/block.js';
import { makeEquivocationEvidence } from '../../../../src/core/evidence.js';
import { type Hex, toHex } from '../../../../src/core/bytes.js';
import type { ChainState } from '../../../../src/core/chain-state.js';
import { signTx, transferBody } from '../../../../src/core/tx.js';
import { signProposal, signVote } from '../../../../src/core/votes.js';
import { Vote } from '../../../../src/core/wire/posplus.js';
import type { EngineInput, Outbound } from '../../../../src/consensus/engine.js';
import type { Envelope, MisbehaviorContext } from '../../../../src/consensus/misbehavior/misbehavior.js';
import { inputOf } from '../../../../src/protocol/codec.js';
import { CHAIN, posChainOf, genesisOf, key, recipient } from '../../core/fixtures.js';

/** Four genesis members; the replica under test is member 0. */
export const keys = [0, 1, 2, 3].map((i) => key(`misbehavior-${i}`));
export const genesis = genesisOf(keys);
export const T0 = genesis.spec.timestamp + 1_000;
export const PEERS: readonly number[] = [1, 2, 3, 4, 5, 6];

/** Member 0's chain, with a pos engine's block rules installed (as a replica has them). */
export function replicaChain(): ChainState {
  const chain = posChainOf(genesis, keys[0]!);
  return chain;
}

export const ctxOf = (chain: ChainState, more: Partial<MisbehaviorContext> = {}): MisbehaviorContext => ({ chain, now: T0, peers: PEERS, ...more });

export type VoteMsg = Extract<Outbound, { kind: 'vote' }>;
export type ProposalMsg = Extract<Outbound, { kind: 'proposal' }>;
export type BallotMsg = Extract<Outbound, { kind: 'ballot' }>;

export const prevote = (hash: Uint8Array, height = 1, round = 0): VoteMsg => ({
  kind: 'vote',
  vote: signVote(CHAIN, keys[0]!, { type: Vote.Type.PREVOTE, height, round, blockHash: hash }),
});

/** The proposal member 0's engine would make for height 1, round 0. */
export function proposal(chain: ChainState): ProposalMsg {
  const block = buildBlock(CHAIN, keys[0]!, chain.buildContent(T0, 0));
  return { kind: 'proposal', proposal: signProposal(CHAIN, keys[0]!, { block, round: 0, validRound: -1, pol: [] }) };
}

export const txs = (): Outbound => ({ kind: 'txs', txs: [signTx(CHAIN, keys[1]!, transferBody(recipient(keys[2]!), 1, 0))] });

export const ballot = (ids: readonly Hex[], round: 1 | 2 = 1): BallotMsg => ({ kind: 'ballot', ballot: signBallot(CHAIN, keys[0]!, 1, round, ids) });

/** Member 1 reports member 2 for two conflicting prevotes. */
export function evidence(): Outbound {
  const vote = (fill: number) => Vote.encode(signVote(CHAIN, keys[2]!, { type: Vote.Type.PREVOTE, height: 1, round: 0, blockHash: new Uint8Array(32).fill(fill) }));
  return { kind: 'evidence', evidence: makeEquivocationEvidence(CHAIN, keys[1]!, vote(1), vote(2), 1) };
}

/** One engine message of every kind. */
export function everyKind(chain: ChainState): Outbound[] {
  const own = signBallot(CHAIN, keys[0]!, 1, 1, []);
  return [txs(), proposal(chain), prevote(new Uint8Array(32).fill(7)), ballot([toHex(new Uint8Array(32).fill(1))]), { kind: 'bundle', cell: 0, ballots: [own] }, evidence()];
}

/** What a shell would feed its engine for each message from the network, plus a block from sync. */
export function inputsOf(chain: ChainState): EngineInput[] {
  const messages = everyKind(chain);
  const block = (messages[1] as ProposalMsg).proposal.block!;
  return [...messages.map((m) => inputOf(m, T0)), { type: 'certified', block: { block }, now: T0 }];
}

/** Envelopes without their exact peer lists: kind, number of peers and hold. */
export const shape = (envelopes: readonly Envelope[]): string[] => envelopes.map((e) => `${e.msg.kind}→${e.to.length}${e.delayMs ? `+${e.delayMs}ms` : ''}`);
