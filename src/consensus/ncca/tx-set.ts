import { addressOf, parseAddress } from '../../core/address.js';
import { type BallotReports, signBallot, yesIds } from '../../core/ballots.js';
import { headerOf } from '../../core/block.js';
import { type Hex, toHex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import type { ChainState } from '../../core/chain-state.js';
import { InvalidMessage } from '../../core/errors.js';
import { ElectedRole, isRegistered } from '../../core/ledger.js';
import { txId } from '../../core/tx.js';
import type { Block, Tx, TxSetBallot } from '../../core/wire/posplus.js';
import type { Area } from '../../geo/grid.js';
import type { TxSetRules } from '../bft/bft-engine.js';
import { BallotStore } from '../ballot-store.js';
import type { Outbound, Verdict } from '../engine.js';
import { cellOfAccount, creditOf, hasRights } from './account-view.js';
import { trustedListOf } from './trusted-list.js';
import type { ObservationBook } from '../detection/observation-book.js';
import type { NccaParams } from './params.js';
import { type Ballot, type Voter, decideTxSet, voterWeight } from './tx-set-vote.js';

/** Transaction-set decisions by a block's ballot list, then by voters and parameters; see NccaTxSet.confirmedBy. */
const confirmedSets = new WeakMap<readonly TxSetBallot[], WeakMap<NccaParams, Map<string, ReadonlySet<Hex>>>>();

/** Ballots are kept for the height being decided and the next one (they can arrive before our commit). */
const HEIGHTS_KEPT = 2;
const READY_SHARE = 0.9;

interface VoterInfo extends Voter {
  publicKey: Hex;
}

/**
 * NCCA transaction-set voting (paper §2.2) as a pre-proposal phase. At the start of a height every registered
 * node signs a ballot naming the pending transactions it holds and accepts (round 1), and a second one halfway
 * through the proposer's wait (round 2, which decides the transactions round 1 carried). A normal node's ballot
 * goes to its cell's vote topic, where the cell's multi-region validator relays it to the multi-region topic;
 * validators, who all listen there, send their own ballots there directly. The proposer puts only confirmed
 * transactions in its block, with the ballots that confirm them, and every replica recomputes the tally from
 * those ballots — so the vote is checked, not trusted, and leaving ballots out cannot raise a transaction's vote.
 */
export class NccaTxSet implements TxSetRules {
  readonly windowMs: number;
  readonly maxWaitMs: number;
  readonly relayWindowMs: number;
  private readonly ballots = new BallotStore();
  /** Normal ballots of this multi-region validator's cell, waiting to go out in one bundle. */
  private relayQueue: TxSetBallot[] = [];
  /** The voters at one head: `of` is the head object itself (ChainState makes a new one per commit), `head` its hash. */
  private votersAt?: { of: object; head: Hex; voters: Map<Hex, VoterInfo>; fingerprint: string };

  constructor(
    private readonly p: NccaParams,
    private readonly area: Area,
    windowMs: number,
    maxWaitMs: number,
    private readonly book: ObservationBook,
  ) {
    this.windowMs = windowMs;
    this.maxWaitMs = maxWaitMs;
    this.relayWindowMs = p.vote.relayWindowMs;
  }

  /**
   * Enough ballots to propose: both rounds' ballots from voters holding at least `READY_SHARE` of the voting
   * weight. Waiting for the last few would let one slow or silent voter set everyone's latency.
   */
  haveBallots(chain: ChainState): boolean {
    const voters = this.voters(chain);
    const at = this.ballots.at(chain.head.height + 1);
    if (at === undefined) return false;
    let total = 0;
    const covered = [0, 0];
    for (const v of voters.values()) {
      const w = voterWeight(v.role, this.p);
      total += w;
      for (const round of [1, 2] as const) if (at.has(`${v.publicKey}/${chain.head.height + 1}/${round}`)) covered[round - 1]! += w;
    }
    return covered.every((c) => c >= READY_SHARE * total);
  }

  /**
   * Registered (staked) nodes with their elected role and cell; before the first election all validate.
   * Suspended and evicted nodes have no vote (the paper's Table 1).
   */
  voters(chain: ChainState): Map<Hex, VoterInfo> {
    if (this.votersAt?.of === chain.head) return this.votersAt.voters;
    const head = toHex(chain.head.hash);
    if (this.votersAt?.head === head) return this.votersAt.voters;
    const accounts = [...chain.ledger.entries()].filter(([, a]) => isRegistered(a) && hasRights(a, chain.head.timestamp));
    const elected = accounts.some(([, a]) => a.role !== undefined);
    const voters = new Map<Hex, VoterInfo>();
    for (const [address, a] of accounts) {
      const role = a.role === ElectedRole.multiRegion ? 'multi-region' : a.role === ElectedRole.validator || !elected ? 'validator' : 'normal';
      voters.set(toHex(a.publicKey!), { address, publicKey: toHex(a.publicKey!), role, cell: cellOfAccount(this.area, a) ?? -1 });
    }
    this.votersAt = { of: chain.head, head, voters, fingerprint: JSON.stringify([...voters.values()]) };
    return voters;
  }

  ballot(chain: ChainState, round: 1 | 2): Outbound[] {
    const me = this.voters(chain).get(hexOf(chain.key.publicKey));
    if (me === undefined) return [];
    const held = chain.mempool.ids(chain.params.maxBlockTxs);
    const reports = round === 1 ? this.reports(chain, me) : {};
    const ballot = signBallot(chain.params.chainId, chain.key, chain.head.height + 1, round, held, reports);
    this.ballots.store(ballot);
    return [me.role === 'normal' ? { kind: 'ballot', ballot } : { kind: 'bundle', cell: me.cell, ballots: [ballot] }];
  }

  /**
   * What a round-1 ballot reports for detection: the ns of every suspect under watch as this node saw the last
   * height, and at each detection height its trusted list (scored with the exchanges counted by the book).
   */
  private reports(chain: ChainState, me: VoterInfo): BallotReports {
    const observations = [];
    for (const [address, a] of chain.ledger.entries()) {
      if (a.detection?.watch === undefined || a.publicKey === undefined || toHex(a.publicKey) === me.publicKey) continue;
      const ns = this.book.nsOf(chain.head.height, toHex(a.publicKey));
      if (ns !== undefined) observations.push({ suspect: parseAddress(address), ns });
    }
    if ((chain.head.height + 1) % this.p.detection.interval !== 0) return { observations };
    const cellOrNone = (cell: number) => (cell < 0 ? undefined : cell);
    const validators = [...this.voters(chain).values()]
      .filter((v) => v.role !== 'normal')
      .map((v) => ({ address: v.address, publicKey: v.publicKey, credit: creditOf(chain.ledger.get(v.address), this.p), cell: cellOrNone(v.cell) }));
    const list = trustedListOf(validators, cellOrNone(me.cell), this.area, (key) => this.book.exchangesWith(key), this.p.trust);
    return { observations, trusted: list.view().trusted.map((e) => parseAddress(e.address)) };
  }

  receive(chain: ChainState, ballots: TxSetBallot[], relayed: boolean): { verdict: Verdict; publish: Outbound[]; relayQueued: boolean } {
    const height = chain.head.height + 1;
    const voters = this.voters(chain);
    const me = voters.get(hexOf(chain.key.publicKey));
    let fresh = 0;
    let relayQueued = false;
    for (const b of ballots) {
      if (b.height < height || b.height >= height + HEIGHTS_KEPT) continue;
      if (this.ballots.has(b)) continue;
      // A voter has its rights at the head (voters() keeps only those); anyone else is looked up.
      const voter = voters.get(hexOf(b.voter));
      if (voter === undefined && !hasRights(chain.ledger.get(addressOf(b.voter)), chain.head.timestamp)) {
        throw new InvalidMessage(`ballot from ${addressOf(b.voter)}, which is suspended or evicted`);
      }
      this.ballots.verify(chain.params.chainId, b);
      this.ballots.store(b);
      fresh++;
      // A multi-region validator carries its own cell's normal ballots to the validators of every cell.
      if (!relayed && me?.role === 'multi-region' && voter?.role === 'normal' && voter.cell === me.cell) {
        this.relayQueue.push(b);
        relayQueued = true;
      }
    }
    this.ballots.prune(height);
    return { verdict: fresh > 0 ? 'accept' : 'ignore', publish: [], relayQueued };
  }

  /**
   * The held normal ballots in one bundle. Relaying each as it came sent a bundle per normal voter and round to
   * every validator: at 250 nodes that was more than a tenth of all traffic, for ballots that arrive within a
   * few milliseconds of each other. Ballots of a height already decided are dropped.
   */
  flushRelay(chain: ChainState): Outbound[] {
    const me = this.voters(chain).get(hexOf(chain.key.publicKey));
    const ballots = this.relayQueue.filter((b) => b.height > chain.head.height);
    this.relayQueue = [];
    return ballots.length > 0 && me ? [{ kind: 'bundle', cell: me.cell, ballots }] : [];
  }

  select(chain: ChainState): { allowed: ReadonlySet<Hex>; ballots: TxSetBallot[] } {
    const height = chain.head.height + 1;
    const voters = this.voters(chain);
    const ballots = [...(this.ballots.at(height)?.values() ?? [])].filter((b) => voters.has(hexOf(b.voter)));
    const held = new Set(ballots.flatMap((b) => b.yes.map(toHex)));
    const txs = [...held].map((id) => chain.mempool.get(id)).filter((tx) => tx !== undefined);
    return { allowed: new Set(this.decide(voters, ballots, this.txCells(chain, txs)).confirmed), ballots };
  }

  check(chain: ChainState, block: Block): void {
    const height = headerOf(block).height;
    const voters = this.voters(chain);
    for (const b of block.ballots) {
      if (b.height !== height) throw new InvalidMessage(`block ${height} carries a ballot for height ${b.height}`);
      if (!voters.has(hexOf(b.voter))) throw new InvalidMessage(`block ${height} carries a ballot from ${addressOf(b.voter)}, who is not a voter`);
      this.ballots.verify(chain.params.chainId, b);
    }
    if (block.txs.length === 0) return;
    const confirmed = this.confirmedBy(chain, block);
    for (const tx of block.txs) {
      const id = txId(tx);
      if (!confirmed.has(id)) throw new InvalidMessage(`block ${height}: transaction ${id} was not confirmed by its transaction-set vote`);
    }
  }

  /**
   * The cell of each transaction's sender, from its last LOCATE at the head. Only the transaction's content and
   * the head decide it, so the proposer (from its mempool) and every checker (from the block) agree.
   */
  private txCells(chain: ChainState, txs: Iterable<Tx>): Map<Hex, number> {
    const cells = new Map<Hex, number>();
    for (const tx of txs) {
      const sender = chain.ledger.get(addressOf(tx.sender));
      const cell = sender === undefined ? undefined : cellOfAccount(this.area, sender);
      if (cell !== undefined) cells.set(txId(tx), cell);
    }
    return cells;
  }

  /**
   * The ids a block's ballots confirm. Every replica tallies the same ballots of the same block object, almost
   * always with the same voters, parameters and senders' cells; the tally is a pure function of those, so it is
   * computed once per block and kept by the block's ballot list, under the parameters object, the voters (in
   * order) and the cells.
   */
  private confirmedBy(chain: ChainState, block: Block): ReadonlySet<Hex> {
    const voters = this.voters(chain);
    const txCells = this.txCells(chain, block.txs);
    let byParams = confirmedSets.get(block.ballots);
    if (byParams === undefined) confirmedSets.set(block.ballots, (byParams = new WeakMap()));
    let known = byParams.get(this.p);
    if (known === undefined) byParams.set(this.p, (known = new Map()));
    const key = `${this.votersAt!.fingerprint}|${[...txCells].map(([id, cell]) => `${id}:${cell}`).join(',')}`;
    let confirmed = known.get(key);
    if (confirmed === undefined) {
      confirmed = new Set(this.decide(voters, block.ballots, txCells).confirmed);
      known.set(key, confirmed);
    }
    return confirmed;
  }

  private decide(voters: Map<Hex, VoterInfo>, ballots: readonly TxSetBallot[], txCells: ReadonlyMap<Hex, number>) {
    const asBallot = (b: TxSetBallot): Ballot => ({ voter: voters.get(hexOf(b.voter))!.address, round: b.round as 1 | 2, yes: yesIds(b) });
    const counted = ballots.filter((b) => voters.has(hexOf(b.voter))).map(asBallot);
    return decideTxSet(
      [...voters.values()],
      counted.filter((b) => b.round === 1),
      counted.filter((b) => b.round === 2),
      this.p,
      txCells,
    );
  }
}
