import { addressOf } from '../../core/address.js';
import { type BallotReports, type CallBook, answersCall, callBookOf, callDigest, saysYes, signCall, signCallBallot, verifyCall, yesIdsIn } from '../../core/ballots.js';
import { headerOf } from '../../core/block.js';
import { type Hex, bytesEqual, toHex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import type { ChainState, TxSetChoice } from '../../core/chain-state.js';
import { InvalidMessage } from '../../core/errors.js';
import { isRegistered } from '../../core/ledger.js';
import { txId } from '../../core/tx.js';
import type { Block, Tx, TxSetBallot, TxSetCall } from '../../core/wire/posplus.js';
import type { Area } from '../../geo/grid.js';
import type { TxSetInput, TxSetPoll, TxSetReceipt, TxSetRules } from '../bft/bft-rules.js';
import { BallotStore } from '../ballot-store.js';
import type { Outbound, Verdict } from '../engine.js';
import { cellOfAccount, creditOf, hasRights } from './account-view.js';
import { trustedListOf } from './trusted-list.js';
import { encodeReports, encodeTrusted, suspectsAt, trustBaseAt } from '../detection/ballot-reports.js';
import type { ObservationBook } from '../detection/observation-book.js';
import type { NccaParams } from './params.js';
import { CallsHeard } from './calls-heard.js';
import { RelayFallback } from './relay-fallback.js';
import { RunningTally } from './running-tally.js';
import { type VoterInfo, type Voters, votersAtHead } from './epoch-voters.js';
import { VoteCaller } from './vote-caller.js';
import { type Ballot, decideTxSet } from './tx-set-vote.js';

/** Transaction-set decisions by a block's ballot list, then by voters and parameters; see NccaTxSet.confirmedBy. */
const confirmedSets = new WeakMap<readonly TxSetBallot[], WeakMap<NccaParams, Map<string, ReadonlySet<Hex>>>>();

/** Ballots and calls are kept for the height being decided and the next one (they can arrive before our commit). */
const HEIGHTS_KEPT = 2;

/**
 * NCCA transaction-set voting (paper §2.2) as a pre-proposal phase, gathered by the height's round-0 proposer
 * (the paper's proposer that collects the validators' feedback). It calls the vote on the pending ids it holds
 * (`TxSetCall`, to every node); each voter answers with one bit per id, set for the ones it holds and accepts. A
 * validator's ballot goes to the proposer alone; a normal voter's goes to its cell's vote topic, where its cell
 * hears it (round-2 detection) and the cell's multi-region validator relays it to the proposer in one bundle.
 * The proposer goes ahead as soon as round 1 settles every id; only if some are carried does it call round 2 on
 * them. Its block holds only confirmed transactions, with the calls and ballots that confirm them, and every
 * replica recomputes the tally from those: the vote is checked, not trusted, and leaving ballots out cannot
 * raise a transaction's vote.
 */
export class NccaTxSet implements TxSetRules {
  readonly maxWaitMs: number;
  readonly relayWindowMs: number;
  private readonly ballots = new BallotStore();
  private readonly calls = new CallsHeard();
  /** As the round-0 proposer: its calls and their counts. */
  private readonly caller: VoteCaller;
  /** Normal ballots of this multi-region validator's cell, waiting to go out in one bundle to their caller. */
  private relayQueue: TxSetBallot[] = [];
  /** As a normal voter: whether its cell's relay carries its ballots, or it must send them to the caller itself. */
  private readonly relay: RelayFallback;

  constructor(
    private readonly p: NccaParams,
    private readonly area: Area,
    maxWaitMs: number,
    private readonly book: ObservationBook,
  ) {
    this.maxWaitMs = maxWaitMs;
    this.relayWindowMs = p.vote.relayWindowMs;
    this.relay = new RelayFallback(p.epochLength);
    this.caller = new VoteCaller(maxWaitMs, this.relayWindowMs);
  }

  /**
   * Registered (staked) nodes with their elected role and cell; before the first election all validate.
   * Suspended and evicted nodes have no vote (the paper's Table 1).
   */
  voters(chain: ChainState): ReadonlyMap<Hex, VoterInfo> {
    return this.votersOf(chain).voters;
  }

  private votersOf(chain: ChainState): Voters {
    return votersAtHead(chain, this.area);
  }

  /**
   * The round-0 proposer calls round 1 on its pending ids, and round 2 on the ids round 1 carried once round 1
   * has settled every id; it is ready when the last round called has settled, or when its wait is over.
   */
  poll(chain: ChainState, now: number, startedAt: number, proposer: boolean): TxSetPoll {
    if (!proposer) return { publish: [], ready: false };
    const height = chain.head.height + 1;
    const publish: Outbound[] = [];
    if (!this.caller.calling(height)) {
      this.caller.begin(height);
      publish.push(this.call(chain, now, 1, chain.mempool.ids(chain.params.maxBlockTxs)));
    }
    const step = this.caller.step(now, startedAt);
    if (step.ready) return { publish, ready: true };
    if (step.carried !== undefined) publish.push(this.call(chain, now, 2, step.carried));
    return { publish, ready: false, wakeAt: step.wakeAt };
  }

  /** Signs and keeps a call, with this replica's own answer to it. */
  private call(chain: ChainState, now: number, round: 1 | 2, ids: readonly Hex[]): Outbound {
    const call = signCall(chain.params.chainId, chain.key, chain.head.height + 1, round, ids);
    const digest = toHex(callDigest(call));
    this.calls.add(digest, call, now);
    const { voters, byAddress } = this.votersOf(chain);
    const set = new Set(call.ids.map((id) => toHex(id)));
    const tally = new RunningTally([...set], byAddress, this.txCells(chain, this.pendingTxs(chain, set)), this.p, round);
    this.caller.called(call, digest, tally, now);
    const me = voters.get(hexOf(chain.key.publicKey));
    if (me !== undefined) this.keep(chain, this.answer(chain, call, me), now);
    return { kind: 'call', call };
  }

  private answer(chain: ChainState, call: TxSetCall, me: VoterInfo): TxSetBallot {
    const reports = call.round === 1 ? this.reports(chain, me) : {};
    return signCallBallot(chain.params.chainId, chain.key, call, (id) => chain.mempool.has(id), reports);
  }

  /**
   * What a round-1 ballot reports for detection: the ns of every suspect under watch as this node saw the last
   * height, and at each detection height its trusted list (scored with the exchanges counted by the book).
   */
  private reports(chain: ChainState, me: VoterInfo): BallotReports {
    const reports = encodeReports(suspectsAt(chain.ledger.entries()), (suspect) => {
      const key = chain.ledger.get(suspect)!.publicKey!;
      return hexOf(key) === me.publicKey ? undefined : this.book.nsOf(chain.head.height, hexOf(key));
    });
    if ((chain.head.height + 1) % this.p.detection.interval !== 0) return { reports };
    const cellOrNone = (cell: number) => (cell < 0 ? undefined : cell);
    const validators = [...this.voters(chain).values()]
      .filter((v) => v.role !== 'normal')
      .map((v) => ({ address: v.address, publicKey: v.publicKey, credit: creditOf(chain.ledger.get(v.address), this.p), cell: cellOrNone(v.cell) }));
    const list = trustedListOf(validators, cellOrNone(me.cell), this.area, (key) => this.book.exchangesWith(key), this.p.trust);
    return { reports, trustedBits: encodeTrusted(trustBaseAt(chain.ledger.entries()), new Set(list.view().trusted.map((e) => e.address))) };
  }

  receive(chain: ChainState, input: TxSetInput, now: number): TxSetReceipt {
    if ('call' in input) return { ...this.heed(chain, input.call, input.caller, now), relayQueued: false };
    const height = chain.head.height + 1;
    const voters = this.voters(chain);
    const me = voters.get(hexOf(chain.key.publicKey));
    let fresh = 0;
    let relayQueued = false;
    const conflicts: [TxSetBallot, TxSetBallot][] = [];
    for (const b of input.ballots) {
      if (b.height < height) {
        this.lateAnswer(chain, b, now);
        continue;
      }
      if (b.height >= height + HEIGHTS_KEPT) continue;
      if (this.ballots.has(b)) {
        const kept = this.ballots.conflictOf(chain.params.chainId, b);
        if (kept !== undefined) conflicts.push([kept, b]);
        continue;
      }
      if (!answersCall(b)) throw new InvalidMessage('an NCCA ballot answers a call');
      // A voter has its rights at the head (voters() keeps only those); anyone else is looked up, and must be
      // registered: a fresh key's ballots would cost a verify each and fill the store.
      const voter = voters.get(hexOf(b.voter));
      if (voter === undefined) {
        const account = chain.ledger.get(addressOf(b.voter));
        if (account === undefined || !isRegistered(account)) throw new InvalidMessage(`ballot from ${addressOf(b.voter)}, which is not registered`);
        if (!hasRights(account, chain.head.timestamp)) throw new InvalidMessage(`ballot from ${addressOf(b.voter)}, which is suspended or evicted`);
      }
      if (b.bits.byteLength > Math.ceil(chain.params.maxBlockTxs / 8)) throw new InvalidMessage(`ballot answers more than ${chain.params.maxBlockTxs} transactions`);
      this.ballots.verify(chain.params.chainId, b);
      fresh++;
      this.keep(chain, b, now);
      // A multi-region validator carries its own cell's normal ballots to their caller.
      if (!input.relayed && me?.role === 'multi-region' && voter?.role === 'normal' && voter.cell === me.cell) {
        this.relayQueue.push(b);
        relayQueued = true;
      }
    }
    this.ballots.prune(height);
    // A second version is its voter's fault, not the fault of whoever passed it on: evidence, not a verdict.
    return { verdict: fresh > 0 ? 'accept' : 'ignore', publish: [], relayQueued, ...(conflicts.length > 0 ? { conflicts } : {}) };
  }

  /** Stores a checked ballot, and counts it if it answers one of this replica's own calls. */
  private keep(chain: ChainState, b: TxSetBallot, now: number): void {
    this.ballots.store(b);
    const answered = this.caller.roundOf(b);
    const voter = this.voters(chain).get(hexOf(b.voter));
    if (answered === undefined || voter === undefined || b.bits.byteLength !== Math.ceil(answered.call.ids.length / 8)) return;
    this.caller.count(answered, voter.address, (i) => saysYes(b, i), now);
  }

  /** A ballot for this replica's last call that came after its height was decided: only how late it was counts. */
  private lateAnswer(chain: ChainState, b: TxSetBallot, now: number): void {
    const answered = this.caller.roundOf(b);
    // Known voters, once each, signature checked: it makes this caller wait, so it must be the voter's own.
    const voter = this.voters(chain).get(hexOf(b.voter));
    if (answered === undefined || voter === undefined || this.caller.heard(answered, voter.address)) return;
    this.ballots.verify(chain.params.chainId, b);
    this.caller.late(answered, voter.address, now);
  }

  /** A call from the height's round-0 proposer (`caller`, as the engine computes it): answered by every voter. */
  private heed(chain: ChainState, call: TxSetCall, caller: Uint8Array, now: number): { verdict: Verdict; publish: Outbound[] } {
    const digest = toHex(callDigest(call));
    // Its own call coming back is one it answered when it made it (kept in memory, not the WAL): after a restart
    // a second answer could differ, which is evidence against it.
    const own = bytesEqual(call.proposer, chain.key.publicKey);
    if (call.height !== chain.head.height + 1 || this.calls.has(digest) || own) return { verdict: 'ignore', publish: [] };
    if (toHex(call.proposer) !== toHex(caller)) throw new InvalidMessage(`call from ${addressOf(call.proposer)}, who is not the height's proposer`);
    verifyCall(chain.params.chainId, call, chain.params.maxBlockTxs);
    this.calls.add(digest, call, now);
    const me = this.voters(chain).get(hexOf(chain.key.publicKey));
    if (me === undefined) return { verdict: 'accept', publish: [] };
    const before = this.ballots.ownAnswer(chain.key.publicKey, call);
    const ballot = before ?? this.answer(chain, call, me);
    this.ballots.store(ballot);
    if (me.role !== 'normal') return { verdict: 'accept', publish: [{ kind: 'ballot', ballot, to: call.proposer }] };
    this.relay.sentBallot(ballot);
    const publish: Outbound[] = [{ kind: 'ballot', ballot }];
    if (this.relay.direct(call.height)) publish.push({ kind: 'ballot', ballot, to: call.proposer });
    return { verdict: 'accept', publish };
  }

  saysNothing(chain: ChainState, ballot: TxSetBallot): boolean {
    const voter = this.voters(chain).get(hexOf(ballot.voter));
    if (voter === undefined) return false;
    // A normal node hears only its own cell's transactions (topicsFor): abstaining on the others is its due.
    const owed = (tx: Tx): boolean => voter.role !== 'normal' || this.cellOfTx(chain, tx) === voter.cell;
    return this.calls.saysNothing(ballot, (id) => {
      const tx = chain.mempool.get(id);
      return tx !== undefined && owed(tx) ? chain.mempool.arrivedAt(id) : undefined;
    });
  }

  committed(block: Block): void {
    this.relay.committed(block);
  }

  restore(chain: ChainState, ballot: TxSetBallot): void {
    if (ballot.height === chain.head.height + 1) this.ballots.store(ballot);
  }

  /**
   * The held normal ballots in one bundle per caller. Relaying each as it came sent a bundle per normal voter and
   * round: at 250 nodes that was more than a tenth of all traffic, for ballots that arrive within a few
   * milliseconds of each other. Ballots of a height already decided, or of a call never heard, are dropped.
   */
  flushRelay(chain: ChainState): Outbound[] {
    const me = this.voters(chain).get(hexOf(chain.key.publicKey));
    const byCaller = new Map<Hex, { to: Uint8Array; ballots: TxSetBallot[] }>();
    for (const b of this.relayQueue) {
      const call = this.calls.get(toHex(b.call));
      if (b.height <= chain.head.height || call === undefined) continue;
      const key = toHex(call.proposer);
      if (!byCaller.has(key)) byCaller.set(key, { to: call.proposer, ballots: [] });
      byCaller.get(key)!.ballots.push(b);
    }
    this.relayQueue = [];
    if (me === undefined) return [];
    return [...byCaller.values()].map(({ to, ballots }) => ({ kind: 'bundle', cell: me.cell, ballots, to }));
  }

  select(chain: ChainState): TxSetChoice {
    const height = chain.head.height + 1;
    const calls = this.caller.callsAt(height);
    const book = callBookOf(calls);
    const voters = this.voters(chain);
    const ballots = [...(this.ballots.at(height)?.values() ?? [])].filter((b) => voters.has(hexOf(b.voter)) && book.has(toHex(b.call)));
    const ids = new Set(calls.flatMap((c) => c.ids.map((id) => toHex(id))));
    return { allowed: new Set(this.decide(voters, ballots, book, this.txCells(chain, this.pendingTxs(chain, ids))).confirmed), ballots, calls };
  }

  check(chain: ChainState, block: Block): void {
    const height = headerOf(block).height;
    const voters = this.voters(chain);
    if (block.calls.some((c) => c.height !== height) || new Set(block.calls.map((c) => c.round)).size !== block.calls.length) {
      throw new InvalidMessage(`block ${height} carries calls of another height, or two of one round`);
    }
    const book = callBookOf(block.calls);
    for (const b of block.ballots) {
      if (b.height !== height) throw new InvalidMessage(`block ${height} carries a ballot for height ${b.height}`);
      if (!voters.has(hexOf(b.voter))) throw new InvalidMessage(`block ${height} carries a ballot from ${addressOf(b.voter)}, who is not a voter`);
      this.ballots.verify(chain.params.chainId, b);
      yesIdsIn(b, book); // answers a call of the block, with bits that fit it
    }
    if (block.txs.length === 0) return;
    const confirmed = this.confirmedBy(chain, block);
    for (const tx of block.txs) {
      const id = txId(tx);
      if (!confirmed.has(id)) throw new InvalidMessage(`block ${height}: transaction ${id} was not confirmed by its transaction-set vote`);
    }
  }

  private pendingTxs(chain: ChainState, ids: Iterable<Hex>): Tx[] {
    return [...ids].map((id) => chain.mempool.get(id)).filter((tx) => tx !== undefined);
  }

  /**
   * The cell of each transaction's sender, from its last LOCATE at the head. Only the transaction's content and
   * the head decide it, so the proposer (from its mempool) and every checker (from the block) agree.
   */
  private txCells(chain: ChainState, txs: Iterable<Tx>): Map<Hex, number> {
    const cells = new Map<Hex, number>();
    for (const tx of txs) {
      const cell = this.cellOfTx(chain, tx);
      if (cell !== undefined) cells.set(txId(tx), cell);
    }
    return cells;
  }

  private cellOfTx(chain: ChainState, tx: Tx): number | undefined {
    const sender = chain.ledger.get(addressOf(tx.sender));
    return sender === undefined ? undefined : cellOfAccount(this.area, sender);
  }

  /**
   * The ids a block's ballots confirm. Every replica tallies the same ballots of the same block object, almost
   * always on the same head; the tally is a pure function of the block, the parameters and the state at the head
   * (the voters and the senders' cells), so it is computed once per block and kept by the block's ballot list,
   * under the parameters object and the head's hash.
   */
  private confirmedBy(chain: ChainState, block: Block): ReadonlySet<Hex> {
    let byParams = confirmedSets.get(block.ballots);
    if (byParams === undefined) confirmedSets.set(block.ballots, (byParams = new WeakMap()));
    let known = byParams.get(this.p);
    if (known === undefined) byParams.set(this.p, (known = new Map()));
    const key = toHex(chain.head.hash);
    let confirmed = known.get(key);
    if (confirmed === undefined) {
      const txCells = this.txCells(chain, block.txs);
      confirmed = new Set(this.decide(this.voters(chain), block.ballots, callBookOf(block.calls), txCells).confirmed);
      known.set(key, confirmed);
    }
    return confirmed;
  }

  private decide(voters: ReadonlyMap<Hex, VoterInfo>, ballots: readonly TxSetBallot[], calls: CallBook, txCells: ReadonlyMap<Hex, number>) {
    const asBallot = (b: TxSetBallot): Ballot => ({ voter: voters.get(hexOf(b.voter))!.address, round: b.round as 1 | 2, yes: yesIdsIn(b, calls) });
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
