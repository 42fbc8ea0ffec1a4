import { type Address, addressOf } from '../../core/address.js';
import { callBookOf, yesIdSetIn } from '../../core/ballots.js';
import type { BlockFacts, HeadRecord } from '../../core/chain-state.js';
import { offenderOf } from '../../core/evidence.js';
import { decodeReports, decodeTrusted, suspectsAt, trustBaseAt } from './ballot-reports.js';
import { type Account, type StateOverlay, isRegistered } from '../../core/ledger.js';
import { txId } from '../../core/tx.js';
import type { DetectionRecord, TxSetBallot } from '../../core/wire/posplus.js';
import { type Area, cellHops } from '../../geo/grid.js';
import { cellOfAccount, creditOf, hasRights, isEvicted, isSuspended } from '../ncca/account-view.js';
import { lowerCredit } from '../ncca/credit.js';
import type { NccaParams } from '../ncca/params.js';
import { penaltyFor, withinSuspensionCap } from './penalty.js';
import { roundOneSuspects } from './round-one.js';
import { EMPTY_TALLY, roundTwoVerdict, roundValue, updateTally } from './round-two.js';

const PPM = 1_000_000;

/** The record of an account detection has not seen yet: neutral factors, so a newcomer starts unsuspected. */
function freshRecord(height: number): DetectionRecord {
  return {
    efficiency: PPM,
    latency: 0,
    offline: 0,
    trusted: PPM,
    invalid: 0,
    joinedAt: height,
    confirmations: 0,
    confirmedAt: 0,
    suspendedUntil: 0,
    evictedAt: 0,
    offences: 0,
    proposals: 0,
  };
}

/** One step of a running average in integer ppm: the same result on every platform. */
function average(current: number, sample: number, weightPpm: number): number {
  return current + Math.trunc(((sample - current) * weightPpm) / PPM);
}

const share = (part: number, whole: number): number => (whole === 0 ? 0 : Math.floor((part * PPM) / whole));

interface Participant {
  address: Address;
  account: Account;
  record: DetectionRecord;
}

/** Committed evidence against each address in the block. */
function offencesIn(block: BlockFacts): Map<Address, number> {
  const offences = new Map<Address, number>();
  for (const offender of block.evidence.map(offenderOf)) offences.set(offender, (offences.get(offender) ?? 0) + 1);
  return offences;
}

/** Rounds of the head's height that failed, per rightful proposer. */
function failedRoundsOf(head: HeadRecord | undefined): Map<Address, number> {
  const failed = new Map<Address, number>();
  for (const a of head?.failedProposers ?? []) failed.set(a, (failed.get(a) ?? 0) + 1);
  return failed;
}

/** A block's offences per address (committed evidence) and failed rounds per rightful proposer. */
export interface Conduct {
  offences: ReadonlyMap<Address, number>;
  failed: ReadonlyMap<Address, number>;
}

/**
 * What every engine counts of a registered node's conduct, for the seed's attack probability: evidence against
 * it, and the rounds it was the rightful proposer of (the block's creator, and each failed round's proposer).
 * Returns what it counted, which detection reads too.
 */
export function recordConduct(state: StateOverlay, block: BlockFacts, head: HeadRecord | undefined): Conduct {
  const offences = offencesIn(block);
  const failed = failedRoundsOf(head);
  const proposer = addressOf(block.proposer);
  for (const address of new Set([...offences.keys(), ...failed.keys(), proposer])) {
    const account = state.get(address);
    if (account === undefined || account.stake === 0) continue;
    const r = account.detection ?? freshRecord(block.height);
    const proposals = (failed.get(address) ?? 0) + (address === proposer ? 1 : 0);
    state.set(address, { ...account, detection: { ...r, offences: r.offences + (offences.get(address) ?? 0), proposals: r.proposals + proposals } });
  }
  return { offences, failed };
}

/**
 * The paper's two-round detection (§2.3) as block bookkeeping: every replica runs it on the same block with the
 * same state, so suspects, confirmations, suspensions and evictions happen at the same height everywhere and
 * need no extra agreement. Round 1 (the multi-region validators' fuzzy clustering) is a function of what the
 * chain records, so every node repeats it rather than trusting it; round 2 reads the neighbours' signed reports
 * that travel in round-1 ballots. Signed evidence is proof and confirms at once.
 */
export function applyDetection(state: StateOverlay, block: BlockFacts, head: HeadRecord | undefined, conduct: Conduct, p: NccaParams, area: Area): void {
  const d = p.detection;
  const weightPpm = Math.round(d.averaging * PPM);
  const h = block.height;
  const participants = new Map<Address, Participant>();
  for (const [address, account] of state.entries()) {
    if (isRegistered(account) && !isEvicted(account)) {
      participants.set(address, { address, account, record: { ...(account.detection ?? freshRecord(h)) } });
    }
  }
  if (participants.size === 0) return;

  const ballotsBy = new Map<Address, TxSetBallot[]>();
  for (const b of block.ballots) {
    const voter = addressOf(b.voter);
    ballotsBy.set(voter, [...(ballotsBy.get(voter) ?? []), b]);
  }
  // Ballots say who took part only when the block carries a real round of them (a proposer that went ahead
  // with a handful would make everyone else look absent).
  const eligible = [...participants.values()].filter((x) => hasRights(x.account, block.timestamp)).length;
  const ballotsCount = ballotsBy.size * 2 >= eligible;
  const expected = new Set((head?.validators ?? []).map((v) => addressOf(Buffer.from(v.publicKey, 'hex'))));
  const signers = new Set((block.lastCommit?.sigs ?? []).map((s) => addressOf(s.voter)));
  const txIds = block.txs.map(txId);
  const { offences, failed } = conduct;
  // The lists a ballot's reports index are the parent state's, as its voter saw them at that head.
  const trustedCounts = trustedListCounts(block.ballots, () => trustBaseAt(state.base.entries()));
  const calls = callBookOf(block.calls);

  for (const x of participants.values()) {
    const r = x.record;
    // A suspended node has no duty to vote: its factors wait for it.
    if (isSuspended(x.account, block.timestamp)) continue;
    const ballots = ballotsBy.get(x.address) ?? [];
    const signed = signers.has(x.address);
    const balloted = ballots.length > 0;
    const samples: number[] = [];
    if (expected.has(x.address)) samples.push(signed ? PPM : 0);
    if (ballotsCount) samples.push(balloted ? PPM : 0);
    if (samples.length > 0) {
      r.efficiency = average(r.efficiency, Math.floor(samples.reduce((a, b) => a + b, 0) / samples.length), weightPpm);
      r.offline = average(r.offline, samples.every((s) => s === 0) ? PPM : 0, weightPpm);
    }
    if (balloted && txIds.length > 0) {
      const missed = txIds.filter((id) => !ballots.some((b) => yesIdSetIn(b, calls).has(id))).length;
      r.latency = average(r.latency, share(missed, txIds.length), weightPpm);
    }
    const wrong = (offences.get(x.address) ?? 0) + (failed.get(x.address) ?? 0);
    r.invalid = average(r.invalid, wrong > 0 ? PPM : 0, weightPpm);
    if (trustedCounts.reporters > 0) r.trusted = share(trustedCounts.listed.get(x.address) ?? 0, trustedCounts.reporters);
  }

  const confirmed: Participant[] = [];
  // Evidence is proof: it confirms at once, at most once per interval (one burst is one offence).
  for (const address of offences.keys()) {
    const x = participants.get(address);
    if (x !== undefined && (x.record.confirmations === 0 || h >= x.record.confirmedAt + d.interval)) confirmed.push(x);
  }
  let reports: Reports | undefined;
  for (const x of participants.values()) {
    const before = x.record.watch;
    if (before === undefined || confirmed.includes(x)) continue;
    if (before.deferred) {
      confirmed.push(x);
      continue;
    }
    reports ??= reportsOf(participants, ballotsBy, suspectsAt(state.base.entries()), area);
    const ns = roundValue(reportsOn(x, reports, p, area));
    const watch = ns === undefined ? before : { ...updateTally(before, ns, d.roundTwo), since: before.since };
    const verdict = roundTwoVerdict(watch, d.roundTwo);
    x.record.watch = watch;
    if (verdict === 'malicious') confirmed.push(x);
    // A suspect nobody reports on for three windows is let go: silence of the reporters is no proof.
    else if (verdict === 'cleared' || h > watch.since + 3 * d.roundTwo.rounds) x.record.watch = undefined;
  }
  if (h % d.interval === 0) startRoundTwo(participants, block, p);

  const sorted = confirmed.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  for (const x of sorted) confirm(x, participants, block, p);

  for (const x of participants.values()) state.set(x.address, { ...x.account, detection: x.record });
}

/**
 * Round-1 ballots may carry the voter's trusted list: how many list each address, out of how many lists. `baseOf`
 * gives the parent state's validators, the list the bits index (built only when a ballot carries a list, once an
 * interval); bits that do not fit it say nothing.
 */
function trustedListCounts(ballots: readonly TxSetBallot[], baseOf: () => readonly Address[]): { reporters: number; listed: Map<Address, number> } {
  const listed = new Map<Address, number>();
  let reporters = 0;
  let base: readonly Address[] | undefined;
  for (const b of ballots) {
    if (b.round !== 1 || b.trustedBits.byteLength === 0) continue;
    const list = decodeTrusted(b.trustedBits, (base ??= baseOf()));
    if (list === undefined) continue;
    reporters++;
    for (const address of list) listed.set(address, (listed.get(address) ?? 0) + 1);
  }
  return { reporters, listed };
}

/**
 * The ns values the suspect's neighbours reported in this block's round-1 ballots. Neighbours are the voters
 * within `neighbourHops` cells of it (the paper's 邻接节点) that can hear it at all; with too few of them, every
 * voter that can hear it. Who hears whom follows the topics (src/protocol/topics.ts): an elected suspect speaks
 * in votes, which travel among the validators only (normal nodes learn decisions from certificates), so only
 * elected voters hear it; a normal suspect speaks only on its own cell's topics, so a normal node of another cell
 * hears nothing from it and would report a zero that says nothing, and the validators of other cells hear it only
 * through its cell's multi-region validator, whose failure would be charged to it. So a normal suspect's
 * neighbours are the voters of its own cell. Before the first election everyone validates and hears everyone.
 */
function reportsOn(x: Participant, reports: Reports, p: NccaParams, area: Area): number[] {
  const d = p.detection;
  const suspectCell = reports.cells.get(x.address);
  const reporters = reports.reporters.filter((r) => r.address !== x.address);
  const elected = (r: Participant): boolean => r.account.role !== undefined;
  const unelected = reporters.every((r) => !elected(r));
  const hears = (r: Participant): boolean =>
    unelected || (elected(x) ? elected(r) : elected(r) || (suspectCell !== undefined && reports.cells.get(r.address) === suspectCell));
  const hops = unelected || elected(x) ? d.neighbourHops : 0;
  const near = suspectCell === undefined ? [] : reporters.filter((r) => {
    const c = reports.cells.get(r.address);
    return hears(r) && c !== undefined && cellHops(area, c, suspectCell) <= hops;
  });
  // Elected reporters hear a normal suspect through its cell's relay: better than too few reports.
  const counted = near.length >= d.minReporters ? near : reporters.filter(hears);
  const on = reports.ns.get(x.address);
  const out: number[] = [];
  for (const r of counted) {
    const ns = on?.get(r.address);
    if (ns !== undefined) out.push(ns);
  }
  return out;
}

/** What reportsOn needs of a block, worked out once for all its suspects. */
interface Reports {
  /** The participants not evicted. */
  reporters: Participant[];
  cells: Map<Address, number | undefined>;
  /** suspect → reporter → the ns its round-1 ballot reports (its first observation of the suspect). */
  ns: Map<Address, Map<Address, number>>;
}

function reportsOf(participants: Map<Address, Participant>, ballotsBy: Map<Address, TxSetBallot[]>, suspects: readonly Address[], area: Area): Reports {
  const reporters = [...participants.values()].filter((r) => !isEvicted(r.account));
  const cells = new Map([...participants.values()].map((r) => [r.address, cellOfAccount(area, r.account)]));
  const ns = new Map<Address, Map<Address, number>>();
  for (const [reporter, ballots] of ballotsBy) {
    const ballot = ballots.find((b) => b.round === 1);
    for (const [suspect, value] of decodeReports(ballot?.reports ?? [], suspects)) {
      const bySuspect = ns.get(suspect) ?? new Map<Address, number>();
      if (!bySuspect.has(reporter)) bySuspect.set(reporter, value);
      ns.set(suspect, bySuspect);
    }
  }
  return { reporters, cells, ns };
}

/** Round 1: fuzzy c-means over the factors; the lower cluster goes under round-2 watch. */
function startRoundTwo(participants: Map<Address, Participant>, block: BlockFacts, p: NccaParams): void {
  const d = p.detection;
  const rows = [...participants.values()]
    .filter((x) => x.record.watch === undefined && !isSuspended(x.account, block.timestamp) && x.record.joinedAt + d.graceHeights <= block.height)
    .map((x) => ({
      address: x.address,
      trustedJoins: x.record.trusted / PPM,
      voteEfficiency: x.record.efficiency / PPM,
      invalidBlocks: x.record.invalid / PPM,
      latency: x.record.latency / PPM,
      offline: x.record.offline / PPM,
    }));
  for (const address of roundOneSuspects(rows, d.roundOne).suspects) {
    participants.get(address)!.record.watch = { ...EMPTY_TALLY, since: block.height };
  }
}

/**
 * The i-th confirmation: a suspension of T_i, or eviction once a suspension has passed the 500 s mark. A
 * suspension that would take the suspended share of the stake past the cap waits (rippled's negative UNL cap):
 * it stays a watch marked deferred and is tried again at the next height.
 */
function confirm(x: Participant, participants: Map<Address, Participant>, block: BlockFacts, p: NccaParams): void {
  const r = x.record;
  const i = r.confirmations + 1;
  const penalty = penaltyFor(i, p.detection.penalty);
  if (penalty.action === 'evict') {
    x.record = { ...r, confirmations: i, confirmedAt: block.height, evictedAt: block.height, watch: undefined };
    x.account = { ...x.account, role: undefined };
    return;
  }
  let suspended = 0;
  let total = 0;
  for (const other of participants.values()) {
    total += other.account.stake;
    if (isSuspended({ ...other.account, detection: other.record }, block.timestamp)) suspended += other.account.stake;
  }
  if (!withinSuspensionCap(suspended, x.account.stake, total, p.detection.penalty)) {
    x.record = { ...r, watch: { ...(r.watch ?? EMPTY_TALLY), since: r.watch?.since ?? block.height, deferred: true } };
    return;
  }
  x.record = {
    ...r,
    confirmations: i,
    confirmedAt: block.height,
    suspendedUntil: block.timestamp + penalty.seconds * 1000,
    watch: undefined,
  };
  x.account = { ...x.account, role: undefined, credit: lowerCredit(creditOf(x.account, p), p.credit.evidence) };
}
