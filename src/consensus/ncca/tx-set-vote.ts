/**
 * NCCA transaction-set voting (paper §2.2, DESIGN §5): a weighted vote over the ids of candidate transactions.
 *
 * Every eligible voter of the epoch (validator, multi-region validator or normal node — suspended nodes are not
 * in the list at all) may send one ballot per round: the ids it holds and accepts. A voter that sent a ballot
 * votes *yes* on each id in it and *abstains* on every other id under vote; a voter whose ballot is not counted
 * (it sent none, or none reached the block) abstains on every id. Per id:
 *
 *     vote(id) = ( Σ_{yes voters} ζ_role·ζ_yes + Σ_{other eligible voters} ζ_role·ζ_no ) / Σ_{all eligible} ζ_role·ζ_yes
 *
 * with ζ_yes + ζ_no = 1 and ζ_yes > ζ_no, so a vote lies in [0, 1] and is 1 only when every eligible voter said
 * yes. Round 1: vote ≥ v1 → confirmed, v2 ≤ vote < v1 → carried to round 2, vote < v2 → dropped. Round 2 (only
 * the carried ids are under vote): vote ≥ v1 → confirmed, else dropped.
 *
 * Determinism: sums run over the voters in address order (UTF-16 code-unit order), whatever order the caller
 * passes them in, so every node computes bit-identical floating-point votes from the same inputs.
 */
import type { NccaParams } from './params.js';

export type VoterRole = 'validator' | 'multi-region' | 'normal';

export interface Voter {
  address: string;
  role: VoterRole;
  /** The voter's region cell for the epoch (fixed at the epoch boundary even if the node moves). */
  cell: number;
}

export type VoteRound = 1 | 2;

export interface Ballot {
  voter: string;
  round: VoteRound;
  /** Transaction ids the voter holds and accepts; duplicates inside one ballot count once. */
  yes: readonly string[];
}

/**
 * Why a ballot was not counted: `ineligible` (voter not in the epoch's list), `wrong-round` (ballot of the other
 * round), `duplicate` (a second ballot of the voter for the round with the same yes-set as the one counted),
 * `conflicting` (a second ballot with a different yes-set: the voter equivocated).
 */
export type DiscardReason = 'ineligible' | 'wrong-round' | 'duplicate' | 'conflicting';

export interface Discarded {
  ballot: Ballot;
  reason: DiscardReason;
}

export type TxFate = 'confirmed' | 'carried' | 'dropped';

export interface CellTally {
  cell: number;
  /** Σ over the cell's eligible voters of ζ_role·ζ_yes: the cell's denominator and its weight across cells. */
  weight: number;
  /** The cell's vote per id under vote, from the cell's voters only. */
  votes: Map<string, number>;
}

export interface TxSetDecision {
  /** Confirmed ids (round 1 ≥ v1, or carried and round 2 ≥ v1), by deciding vote descending, then id. */
  confirmed: string[];
  /** Ids carried from round 1 to round 2 (each also ends in `confirmed` or `dropped`), by round-1 vote desc, then id. */
  carried: string[];
  /** Dropped ids (round 1 < v2, or carried and round 2 < v1), by deciding vote descending, then id. */
  dropped: string[];
  /** The deciding vote per id: the round-1 vote, or the round-2 vote for carried ids. */
  votes: Map<string, number>;
  round1Votes: Map<string, number>;
  round2Votes: Map<string, number>;
  /** Ballots of both rounds that were not counted, in input order (round 1 first). */
  discarded: Discarded[];
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** ζ_q of a role. */
export function roleWeight(role: VoterRole, p: NccaParams): number {
  switch (role) {
    case 'validator':
      return p.vote.roleWeight.validator;
    case 'multi-region':
      return p.vote.roleWeight.multiRegion;
    case 'normal':
      return p.vote.roleWeight.normal;
  }
}

/** A voter's full weight ζ_role·ζ_yes: its share of the denominator and the most it can add to a vote. */
export function voterWeight(role: VoterRole, p: NccaParams): number {
  return roleWeight(role, p) * p.vote.yes;
}

function checkVoteWeights(p: NccaParams): void {
  const { roleWeight: rw, yes, no } = p.vote;
  for (const [k, v] of Object.entries(rw)) {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`NCCA parameter vote.roleWeight.${k} must be finite and >= 0`);
  }
  if (!(Number.isFinite(yes) && Number.isFinite(no) && no >= 0 && yes > 0)) throw new RangeError('NCCA parameter vote.yes must be > 0 and vote.no >= 0');
  // A yes must outweigh an abstention: with ζ_no ≥ ζ_yes the vote could not tell support from silence.
  if (yes <= no) throw new RangeError('NCCA parameter vote.yes must exceed vote.no');
}

/** The eligible voters in address order; throws on a repeated address (a malformed epoch list). */
function sortedVoters(voters: readonly Voter[]): Voter[] {
  const sorted = [...voters].sort((a, b) => byCodeUnit(a.address, b.address));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.address === sorted[i - 1]!.address) throw new RangeError(`voter ${sorted[i]!.address} listed twice`);
  }
  return sorted;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/**
 * Which ballots count: the first ballot (in the given order — for ballots carried in a block, the block's order)
 * of each eligible voter for `round`. Everything else is returned in `discarded` with its reason.
 */
export function admitBallots(
  voters: readonly Voter[],
  ballots: readonly Ballot[],
  round: VoteRound,
): { accepted: Map<string, ReadonlySet<string>>; discarded: Discarded[] } {
  const eligible = new Set(sortedVoters(voters).map((v) => v.address));
  const accepted = new Map<string, ReadonlySet<string>>();
  const discarded: Discarded[] = [];
  for (const ballot of ballots) {
    if (!eligible.has(ballot.voter)) {
      discarded.push({ ballot, reason: 'ineligible' });
      continue;
    }
    if (ballot.round !== round) {
      discarded.push({ ballot, reason: 'wrong-round' });
      continue;
    }
    const yes = new Set(ballot.yes);
    const first = accepted.get(ballot.voter);
    if (first !== undefined) {
      discarded.push({ ballot, reason: sameSet(first, yes) ? 'duplicate' : 'conflicting' });
      continue;
    }
    accepted.set(ballot.voter, yes);
  }
  return { accepted, discarded };
}

/** The ids under vote by default: every id some counted ballot says yes to, sorted. */
function defaultUnderVote(accepted: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const ids = new Set<string>();
  for (const yes of accepted.values()) for (const id of yes) ids.add(id);
  return [...ids].sort(byCodeUnit);
}

/** Numerators per id and the denominator over `voters` (already in address order). */
function tallyOver(
  voters: readonly Voter[],
  accepted: ReadonlyMap<string, ReadonlySet<string>>,
  ids: readonly string[],
  p: NccaParams,
  txCells?: ReadonlyMap<string, number>,
): { weight: number; votes: Map<string, number> } {
  let weight = 0;
  for (const v of voters) weight += roleWeight(v.role, p) * p.vote.yes;
  const votes = new Map<string, number>();
  for (const id of ids) {
    const cell = txCells?.get(id);
    let eligible = 0;
    let num = 0;
    for (const v of voters) {
      // A normal node hears only its own cell's transactions: it votes on those and nothing else.
      if (cell !== undefined && v.role === 'normal' && v.cell !== cell) continue;
      const zq = roleWeight(v.role, p);
      eligible += zq * p.vote.yes;
      // No counted ballot is an abstention: silence may not weigh less than saying "not this one".
      num += accepted.get(v.address)?.has(id) === true ? zq * p.vote.yes : zq * p.vote.no;
    }
    votes.set(id, eligible > 0 ? num / eligible : 0);
  }
  return { weight, votes };
}

/**
 * The vote of every id under vote in one round, in id order. `underVote` defaults to every id some counted
 * ballot says yes to (round 1); in round 2 pass the ids carried from round 1 — yes-ids outside it are ignored.
 *
 * The denominator is the weight of ALL eligible voters, not only of those whose ballots are present: a
 * proposer carries the ballots in its block as proof of the vote, and must not be able to raise a transaction's
 * vote by leaving some ballots out. Removing a ballot turns its voter's term into an abstention's, which is no
 * larger because ζ_no ≤ ζ_yes, so it can never raise a vote (and adding one can never lower it). With no
 * eligible weight every vote is 0.
 *
 * `txCells` names the region cell of a transaction's sender where it is known. Normal nodes subscribe only to
 * their own cell's transactions (src/protocol/topics.ts), so for such a transaction the normal voters of other cells
 * are not eligible: they are left out of numerator and denominator alike, instead of weighing in as abstentions
 * on transactions they never received (the paper votes in each cell first). Validators vote on every cell's.
 */
export function tallyRound(
  voters: readonly Voter[],
  ballots: readonly Ballot[],
  p: NccaParams,
  round: VoteRound,
  underVote?: Iterable<string>,
  txCells?: ReadonlyMap<string, number>,
): Map<string, number> {
  checkVoteWeights(p);
  const sorted = sortedVoters(voters);
  const { accepted } = admitBallots(sorted, ballots, round);
  const ids = underVote === undefined ? defaultUnderVote(accepted) : [...new Set(underVote)].sort(byCodeUnit);
  return tallyOver(sorted, accepted, ids, p, txCells).votes;
}

/**
 * Per-cell tallies: each cell's vote for each id, from that cell's eligible voters only (the paper votes in each
 * cell first, then across cells). All cells vote on the same ids — by default every id some counted ballot in
 * any cell says yes to — so a cell where nobody holds a transaction reports its abstention-only vote. Cells with
 * no eligible voter are absent. Ballot admission is the global one (see `admitBallots`).
 *
 * Relation to the global tally: numerator and denominator are both sums over voters, so they split by cell and
 *
 *     vote(id) = Σ_c weight_c · vote_c(id) / Σ_c weight_c      (weight_c = Σ_{voters in c} ζ_role·ζ_yes)
 *
 * i.e. the cross-cell (multi-region) result is the weight-average of the cell results — not their plain mean,
 * which would let a cell of two nodes count as much as a cell of forty. `combineCells` computes it; it equals
 * `tallyRound` up to floating-point rounding (the sums are grouped differently), so consensus decisions use
 * `tallyRound` and the per-cell figures are for reporting and for the multi-region exchange.
 */
export function tallyByCell(
  voters: readonly Voter[],
  ballots: readonly Ballot[],
  p: NccaParams,
  round: VoteRound,
  underVote?: Iterable<string>,
): Map<number, CellTally> {
  checkVoteWeights(p);
  const sorted = sortedVoters(voters);
  const { accepted } = admitBallots(sorted, ballots, round);
  const ids = underVote === undefined ? defaultUnderVote(accepted) : [...new Set(underVote)].sort(byCodeUnit);
  const byCell = new Map<number, Voter[]>();
  for (const v of sorted) {
    const list = byCell.get(v.cell);
    if (list === undefined) byCell.set(v.cell, [v]);
    else list.push(v);
  }
  const out = new Map<number, CellTally>();
  for (const cell of [...byCell.keys()].sort((a, b) => a - b)) {
    const { weight, votes } = tallyOver(byCell.get(cell)!, accepted, ids, p);
    out.set(cell, { cell, weight, votes });
  }
  return out;
}

/** The cross-cell vote: Σ_c weight_c·vote_c / Σ_c weight_c per id (0 when the total weight is 0), in id order. */
export function combineCells(cells: Iterable<CellTally>): Map<string, number> {
  let total = 0;
  const num = new Map<string, number>();
  for (const c of cells) {
    total += c.weight;
    for (const [id, v] of c.votes) num.set(id, (num.get(id) ?? 0) + c.weight * v);
  }
  const out = new Map<string, number>();
  for (const id of [...num.keys()].sort(byCodeUnit)) out.set(id, total > 0 ? num.get(id)! / total : 0);
  return out;
}

/** Round 1: ≥ v1 confirmed, [v2, v1) carried, < v2 dropped. Round 2: ≥ v1 confirmed, else dropped. */
export function classifyVote(vote: number, p: NccaParams, round: VoteRound): TxFate {
  if (vote >= p.vote.v1) return 'confirmed';
  if (round === 1 && vote >= p.vote.v2) return 'carried';
  return 'dropped';
}

/** `classifyVote` for every id of a tally, in the tally's order. */
export function classify(votes: ReadonlyMap<string, number>, p: NccaParams, round: VoteRound): Map<string, TxFate> {
  const out = new Map<string, TxFate>();
  for (const [id, vote] of votes) out.set(id, classifyVote(vote, p, round));
  return out;
}

function byVoteThenId(votes: ReadonlyMap<string, number>): (a: string, b: string) => number {
  return (a, b) => votes.get(b)! - votes.get(a)! || byCodeUnit(a, b);
}

/**
 * Both rounds: round 1 over every id its counted ballots name, round 2 over the ids round 1 carried (round-2
 * yes-ids outside that set are ignored; a carried id nobody votes on in round 2 is dropped).
 */
export function decideTxSet(
  voters: readonly Voter[],
  round1Ballots: readonly Ballot[],
  round2Ballots: readonly Ballot[],
  p: NccaParams,
  txCells?: ReadonlyMap<string, number>,
): TxSetDecision {
  const round1Votes = tallyRound(voters, round1Ballots, p, 1, undefined, txCells);
  const fates1 = classify(round1Votes, p, 1);
  const carried = [...fates1].filter(([, f]) => f === 'carried').map(([id]) => id);
  const round2Votes = tallyRound(voters, round2Ballots, p, 2, carried, txCells);
  const fates2 = classify(round2Votes, p, 2);

  const votes = new Map<string, number>();
  const confirmed: string[] = [];
  const dropped: string[] = [];
  for (const [id, fate] of fates1) {
    const final = fate === 'carried' ? fates2.get(id)! : fate;
    votes.set(id, fate === 'carried' ? round2Votes.get(id)! : round1Votes.get(id)!);
    (final === 'confirmed' ? confirmed : dropped).push(id);
  }
  confirmed.sort(byVoteThenId(votes));
  dropped.sort(byVoteThenId(votes));
  carried.sort(byVoteThenId(round1Votes));
  const discarded = [...admitBallots(voters, round1Ballots, 1).discarded, ...admitBallots(voters, round2Ballots, 2).discarded];
  return { confirmed, carried, dropped, votes, round1Votes, round2Votes, discarded };
}
