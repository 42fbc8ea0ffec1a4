import { bytesEqual } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import { precommitOf } from '../../core/votes.js';
import { type Certificate, Vote } from '../../core/wire/posplus.js';
import type { ValidatorSet } from '../validator-set.js';
import { checkedWeight } from './vote-checks.js';

/** What a late precommit did: widened the certificate, and/or showed its voter signed two blocks for the round. */
export interface LateOutcome {
  added: boolean;
  /** The voter's other precommit for the round, when `vote` conflicts with it. */
  conflict?: Vote;
}

/**
 * The certificate of the height just decided, still growing: precommits for the decided block that arrive after
 * the quorum that committed it. The next block carries every one its proposer holds when it proposes (CometBFT's
 * LastCommit, gathered while it waits timeout_commit), so what a block says about who voted does not depend on
 * who happened to be in the first quorum: credit that reads it punishes the silent, not the slower half.
 * A late precommit for another block of the decided round conflicts with its voter's precommit in the
 * certificate (or one that comes later): the second version of an equivocation often arrives after the height
 * is decided, and is proof all the same.
 */
export class LateCommit {
  /** The certificate's precommits by voter, built at the first late precommit: most replicas never get one. */
  private signersByVoter: Map<string, Vote> | undefined;
  /** Late precommits of the decided round for other blocks, one per validator, until their voter's other one shows. */
  private readonly others = new Map<string, Vote>();
  private cert: Certificate;

  constructor(
    certificate: Certificate,
    /** The decided height's validators: the next height's may differ. */
    private readonly validators: ValidatorSet,
  ) {
    this.cert = certificate;
  }

  private get signers(): Map<string, Vote> {
    if (this.signersByVoter === undefined) {
      const cert = this.cert;
      this.signersByVoter = new Map(cert.sigs.map((sig) => [hexOf(sig.voter), precommitOf(cert, sig)]));
    }
    return this.signersByVoter;
  }

  get height(): number {
    return this.cert.height;
  }

  certificate(): Certificate {
    return this.cert;
  }

  /**
   * Takes a precommit of the decided height (checked, signature last; a known one costs nothing). Throws
   * InvalidMessage when its voter is no validator of that height or its signature is wrong.
   */
  add(chainId: string, vote: Vote): LateOutcome {
    if (vote.type !== Vote.Type.PRECOMMIT || vote.height !== this.cert.height || vote.round !== this.cert.round) return { added: false };
    const voter = hexOf(vote.voter);
    const decided = bytesEqual(vote.blockHash, this.cert.blockHash);
    const known = decided ? this.signers.get(voter) : this.others.get(voter);
    if (known !== undefined && bytesEqual(known.blockHash, vote.blockHash)) return { added: false };
    checkedWeight(chainId, vote, this.validators);
    if (!decided) {
      const signed = this.signers.get(voter);
      if (signed !== undefined) return { added: false, conflict: signed };
      if (known === undefined) this.others.set(voter, vote);
      return { added: false, ...(known !== undefined ? { conflict: known } : {}) };
    }
    this.signers.set(voter, vote);
    this.cert = { ...this.cert, sigs: [...this.cert.sigs, { voter: vote.voter, signature: vote.signature }] };
    const other = this.others.get(voter);
    return { added: true, ...(other !== undefined ? { conflict: other } : {}) };
  }
}
