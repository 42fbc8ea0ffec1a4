import { addressOf } from '../../core/address.js';
import { ballotKey, signBallot, yesIds } from '../../core/ballots.js';
import { headerOf } from '../../core/block.js';
import { type Hex, toHex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import type { ChainState, TxSetChoice } from '../../core/chain-state.js';
import { InvalidMessage } from '../../core/errors.js';
import { txId } from '../../core/tx.js';
import type { Block, TxSetBallot } from '../../core/wire/posplus.js';
import type { TxSetInput, TxSetPoll, TxSetRules } from '../bft/bft-rules.js';
import { BallotStore } from '../ballot-store.js';
import type { Outbound, Verdict } from '../engine.js';
import type { ValidatorSet } from '../validator-set.js';
import { type RpcaParams, atLeast, finalThreshold } from './params.js';
import { unlOf } from './unl.js';

/**
 * A member's opening set names up to this many blocks' worth of its oldest pending transactions (Ripple's is all
 * of them): under a backlog, members' oldest few differ by arrival order, and a wider opening set overlaps enough
 * for a block's worth to pass the thresholds, while a ballot stays bounded.
 */
const CANDIDATES_PER_BLOCK = 2;

/** Ballots are kept for the height being decided and the next one (they can arrive before our commit). */
const HEIGHTS_KEPT = 2;

/** How many distinct voters name each id (a voter with two ballots for one round counts once). */
export function supportOf(ballots: Iterable<TxSetBallot>): Map<Hex, number> {
  const voters = new Map<Hex, Set<Hex>>();
  for (const b of ballots) {
    const voter = hexOf(b.voter);
    for (const id of yesIds(b)) {
      let set = voters.get(id);
      if (set === undefined) voters.set(id, (set = new Set()));
      set.add(voter);
    }
  }
  return new Map([...voters].map(([id, set]) => [id, set.size]));
}

/**
 * RPCA's consensus rounds (Schwartz, Youngs, Britto, "The Ripple Protocol Consensus Algorithm", Ripple Labs 2014,
 * §3.2) as the engine's pre-proposal transaction-set vote. In Ripple every server opens with a candidate set (all
 * valid transactions it holds), then amalgamates its UNL's proposals over rounds of rising thresholds — 50 %,
 * 60 %, 70 %, 80 % — keeping in its position only what enough of the UNL proposed, and a transaction enters the
 * ledger only if at least 80 % of the UNL agree on it in the final round.
 *
 * The engine runs two ballot rounds per height (TxSetRules), so the mapping is:
 *   - ballot round 1 is the candidate set: every UNL member votes for each pending transaction it holds;
 *   - ballot round 2 is the member's final-round position: what it holds and what passed the intermediate
 *     thresholds (50 %, 60 %, 70 %) among the round-1 ballots it has. The intermediate rounds all see the same
 *     information — the round-1 proposals — so on it they nest and the strictest of them decides;
 *   - the final threshold (80 %) is the rule of the ledger: the proposer includes only transactions that at
 *     least 80 % of the UNL named in round 2, carries those round-2 ballots in the block, and every replica
 *     recounts them in `check`, so a block holding a transaction short of 80 % is invalid everywhere.
 * Every UNL member sends its ballots to the whole UNL (a bundle on the validators' topic); other nodes do not vote.
 */
export class RpcaTxSet implements TxSetRules {
  readonly windowMs: number;
  readonly maxWaitMs: number;
  private readonly ballots = new BallotStore();
  private unl?: ValidatorSet;
  /** The height whose ballots this replica has sent, and how many of its two rounds. */
  private sent = { height: -1, rounds: 0 };

  constructor(private readonly p: RpcaParams) {
    this.windowMs = p.windowMs;
    this.maxWaitMs = p.maxWaitMs;
  }

  private unlFor(chain: ChainState): ValidatorSet {
    return (this.unl ??= unlOf(chain, this.p));
  }

  /** The ballots of one round at one height, one per voter. */
  private roundBallots(height: number, round: 1 | 2): TxSetBallot[] {
    return [...(this.ballots.at(height)?.values() ?? [])].filter((b) => b.round === round);
  }

  /**
   * Ripple closes a round once its outcome is settled. Here: round-2 ballots from at least 80 % of the UNL, and
   * every transaction under vote decided — either it has its 80 %, or it cannot reach 80 % even if every member
   * still silent voted for it. Waiting longer could change nothing.
   */
  haveBallots(chain: ChainState): boolean {
    const n = this.unlFor(chain).members.length;
    const height = chain.head.height + 1;
    const round2 = this.roundBallots(height, 2);
    const final = finalThreshold(this.p);
    if (!atLeast(round2.length, n, final)) return false;
    const support = supportOf(round2);
    const missing = n - round2.length;
    const underVote = supportOf([...round2, ...this.roundBallots(height, 1)]).keys();
    return [...underVote].every((id) => {
      const yes = support.get(id) ?? 0;
      return atLeast(yes, n, final) || !atLeast(yes + missing, n, final);
    });
  }

  /**
   * Round 1's ballot as the height starts, round 2's halfway through the proposer's window; the proposer is
   * ready once its window is over and the ballots are in (or its wait is).
   */
  poll(chain: ChainState, now: number, startedAt: number, proposer: boolean): TxSetPoll {
    const height = chain.head.height + 1;
    if (this.sent.height !== height) this.sent = { height, rounds: 0 };
    const publish: Outbound[] = [];
    const second = startedAt + this.windowMs / 2;
    if (this.sent.rounds === 0) publish.push(...this.ballot(chain, 1));
    if (this.sent.rounds < 2 && now >= second) publish.push(...this.ballot(chain, 2));
    this.sent.rounds = now >= second ? 2 : 1;
    const open = now >= startedAt + this.windowMs;
    const ready = proposer && open && (this.haveBallots(chain) || now >= startedAt + this.maxWaitMs);
    const wakeAt = this.sent.rounds < 2 ? second : proposer && !ready ? (open ? startedAt + this.maxWaitMs : startedAt + this.windowMs) : undefined;
    return { publish, ready, wakeAt };
  }

  ballot(chain: ChainState, round: 1 | 2): Outbound[] {
    const unl = this.unlFor(chain);
    if (unl.get(toHex(chain.key.publicKey)) === undefined) return [];
    const height = chain.head.height + 1;
    let yes = chain.mempool.ids(CANDIDATES_PER_BLOCK * chain.params.maxBlockTxs);
    if (round === 2) {
      // Ripple's later positions take up any transaction enough of the UNL proposed, not only those of the member's
      // own opening set: under a backlog the members' oldest pending differ, and each keeping to its own named
      // nothing that 80 % agreed on (a saturating load committed nothing). The block takes what it can of them.
      const support = supportOf(this.roundBallots(height, 1));
      const intermediate = this.p.thresholds.slice(0, -1);
      yes = [...support].filter(([id, n]) => chain.mempool.has(id) && intermediate.every((t) => atLeast(n, unl.members.length, t))).map(([id]) => id);
    }
    const ballot = signBallot(chain.params.chainId, chain.key, height, round, yes);
    this.ballots.store(ballot);
    return [{ kind: 'bundle', cell: 0, ballots: [ballot] }];
  }

  receive(chain: ChainState, input: TxSetInput): { verdict: Verdict; publish: Outbound[] } {
    if (!('ballots' in input)) return { verdict: 'ignore', publish: [] };
    const height = chain.head.height + 1;
    const unl = this.unlFor(chain);
    let fresh = 0;
    for (const b of input.ballots) {
      if (b.height < height || b.height >= height + HEIGHTS_KEPT) continue;
      if (this.ballots.has(b)) continue;
      if (unl.get(hexOf(b.voter)) === undefined) throw new InvalidMessage(`ballot from ${addressOf(b.voter)}, who is not on the UNL`);
      this.ballots.verify(chain.params.chainId, b);
      this.ballots.store(b);
      fresh++;
    }
    this.ballots.prune(height);
    return { verdict: fresh > 0 ? 'accept' : 'ignore', publish: [] };
  }

  /** The transactions at least 80 % of the UNL named in the final round, and those ballots as proof. */
  select(chain: ChainState): TxSetChoice {
    const n = this.unlFor(chain).members.length;
    const ballots = this.roundBallots(chain.head.height + 1, 2);
    const allowed = [...supportOf(ballots)].filter(([, yes]) => atLeast(yes, n, finalThreshold(this.p))).map(([id]) => id);
    return { allowed: new Set(allowed), ballots };
  }

  /** Every transaction of the block was named by at least 80 % of the UNL in the round-2 ballots it carries. */
  check(chain: ChainState, block: Block): void {
    const height = headerOf(block).height;
    const unl = this.unlFor(chain);
    const seen = new Set<string>();
    for (const b of block.ballots) {
      if (b.height !== height) throw new InvalidMessage(`block ${height} carries a ballot for height ${b.height}`);
      if (unl.get(hexOf(b.voter)) === undefined) throw new InvalidMessage(`block ${height} carries a ballot from ${addressOf(b.voter)}, who is not on the UNL`);
      if (seen.has(ballotKey(b))) throw new InvalidMessage(`block ${height} carries two round-${b.round} ballots from ${addressOf(b.voter)}`);
      seen.add(ballotKey(b));
      this.ballots.verify(chain.params.chainId, b);
    }
    const support = supportOf(block.ballots.filter((b) => b.round === 2));
    const final = finalThreshold(this.p);
    for (const tx of block.txs) {
      const id = txId(tx);
      const yes = support.get(id) ?? 0;
      if (!atLeast(yes, unl.members.length, final)) {
        throw new InvalidMessage(`block ${height}: transaction ${id} has ${yes} of ${unl.members.length} UNL votes in the final round, short of ${final * 100} %`);
      }
    }
  }
}
