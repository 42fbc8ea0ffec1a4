import { verifyCall } from '../../core/ballots.js';
import type { Hex } from '../../core/bytes.js';
import type { ChainParams } from '../../core/chain-state.js';
import { hexOf } from '../../core/object-memo.js';
import { verifyProposalSignature, verifyVote } from '../../core/votes.js';
import type { EngineInput } from '../engine.js';
import type { ValidatorSet } from '../validator-set.js';

/** Next-height inputs held in all, and per signer (a few rounds of proposal, call and two votes). */
export const MAX_FUTURE = 2_000;
export const MAX_FUTURE_PER_SIGNER = 16;

/** Each signer of an input with the check of its signature. */
function signedParts(input: EngineInput, params: ChainParams): { key: Uint8Array; check: () => void }[] {
  switch (input.type) {
    case 'proposal':
      return [{ key: input.proposal.proposer, check: () => verifyProposalSignature(params.chainId, input.proposal) }];
    case 'vote':
      return [{ key: input.vote.voter, check: () => verifyVote(params.chainId, input.vote) }];
    case 'votes':
      return input.votes.map((v) => ({ key: v.voter, check: () => verifyVote(params.chainId, v) }));
    case 'call':
      return [{ key: input.call.proposer, check: () => verifyCall(params.chainId, input.call, params.maxBlockTxs) }];
    default:
      return [];
  }
}

/**
 * Proposals, calls and votes for the height after this replica's, held until it commits its own and judged
 * then. A message held is never relayed (its verdict is `ignore`), and it is held only once it passed the cheap
 * checks in order of cost: every signer a validator of the current set (the next height's is not known before
 * the commit, and within an epoch it is the same), then each signature; and within a cap per signer and in all,
 * so junk in a validator's name or from fresh keys cannot fill memory.
 */
export class FutureInputs {
  private held: EngineInput[] = [];
  private readonly perSigner = new Map<Hex, number>();

  /** Holds `input` if it passes; throws the InvalidMessage of a bad signature. */
  hold(input: EngineInput, validators: ValidatorSet, params: ChainParams): boolean {
    if (this.held.length >= MAX_FUTURE) return false;
    const parts = signedParts(input, params);
    if (parts.length === 0) return false;
    const signers = parts.map((p) => hexOf(p.key));
    if (signers.some((s) => validators.weightOf(s) === 0 || (this.perSigner.get(s) ?? 0) >= MAX_FUTURE_PER_SIGNER)) return false;
    for (const p of parts) p.check();
    for (const s of signers) this.perSigner.set(s, (this.perSigner.get(s) ?? 0) + 1);
    this.held.push(input);
    return true;
  }

  /** Everything held, in arrival order; the holder is empty after. */
  take(): EngineInput[] {
    const out = this.held;
    this.held = [];
    this.perSigner.clear();
    return out;
  }
}
