import type { Hex } from '../../core/bytes.js';
import type { Verdict } from '../engine.js';

/** Heights kept: the one being decided and the one before it, whose reports go into the next round-1 ballot. */
const HEIGHTS_KEPT = 3;
/** ns is reported in milli-units and capped so it always fits the wire's uint32. */
const NS_CAP_MILLI = 1_000_000;
/** A message judged invalid weighs this many valid ones in η's quality term. */
const INVALID_WEIGHT = 2;

interface Seen {
  /** Distinct messages from the signer that this replica accepted at the height. */
  count: number;
  /** Messages from the signer it rejected: bad signatures, conflicting votes, invalid proposals. */
  invalid: number;
  /** Arrival of the signer's first message, ms. */
  firstAt: number;
  /** The signer's entry in ObservationBook.exchanges, held so a repeat message costs no second lookup. */
  total: { exchanges: number };
  /** Block hashes the signer voted for (non-nil), to find votes for blocks nobody proposed; made at its first vote, since a node that only sends ballots never needs one. */
  targets?: Set<Hex>;
}

interface HeightBook {
  startedAt: number;
  signers: Map<Hex, Seen>;
  /** Hashes of every block proposed at the height, in any round. */
  proposed: Set<Hex>;
  /** ns per signer once the height closed; null when this replica heard nobody at that height. */
  ns?: Map<Hex, number> | null;
}

/**
 * What this replica sees of every other node, height by height: the raw material of the paper's round-2 state
 * value η_lk = C_times + C_delays + C_quality (formula 4). The paper's η is cumulative, so its difference between
 * rounds is this height's share: ns = messages accepted + 2 · messages rejected + delay of the first one (s),
 * where a vote for a block nobody proposed counts as rejected (a false vote). A node that sent nothing has ns = 0.
 * Values are divided by the median over the nodes of the same kind heard from at that height (validators, and
 * the others), so ns ≈ 1 for a typical node whatever the round count, the network speed or its role: a validator
 * is heard in votes as well as ballots (through its round's collector), a normal node in its ballot alone, and a
 * median over both would make every validator look like a flood and every normal node like silence. So the
 * thresholds β4 and "zero" mean the same at 9 nodes and at 250. Local and unsigned; what goes on chain is the ns
 * this replica signs into its ballot.
 */
export class ObservationBook {
  private readonly heights = new Map<number, HeightBook>();
  /** Messages accepted from each signer, ever: the δ (exchanges) of its trusted-list score. */
  private readonly exchanges = new Map<Hex, { exchanges: number }>();

  note(signer: Hex, height: number, now: number, verdict: Verdict, votedFor?: Hex): void {
    if (verdict === 'ignore') return;
    const book = this.book(height, now);
    if (book.ns !== undefined) return;
    let seen = book.signers.get(signer);
    if (seen === undefined) book.signers.set(signer, (seen = { count: 0, invalid: 0, firstAt: now, total: this.totalOf(signer) }));
    if (verdict === 'reject') {
      seen.invalid++;
      return;
    }
    seen.count++;
    seen.total.exchanges++;
    if (votedFor !== undefined) (seen.targets ??= new Set()).add(votedFor);
  }

  proposed(height: number, hash: Hex, now: number): void {
    this.book(height, now).proposed.add(hash);
  }

  exchangesWith(signer: Hex): number {
    return this.exchanges.get(signer)?.exchanges ?? 0;
  }

  private totalOf(signer: Hex): { exchanges: number } {
    let total = this.exchanges.get(signer);
    if (total === undefined) this.exchanges.set(signer, (total = { exchanges: 0 }));
    return total;
  }

  /**
   * The height is over: fix every signer's ns for the reports that go out with the next height's ballot.
   * `validators` are the height's validator keys, the kind whose median a validator is measured against.
   */
  close(height: number, validators: ReadonlySet<Hex>): void {
    const book = this.heights.get(height);
    if (book === undefined || book.ns !== undefined) return;
    const raw = new Map<Hex, number>();
    for (const [signer, s] of book.signers) {
      const falseVotes = [...(s.targets ?? [])].filter((h) => !book.proposed.has(h)).length;
      const delaySec = s.count > 0 ? (s.firstAt - book.startedAt) / 1000 : 0;
      raw.set(signer, s.count + INVALID_WEIGHT * (s.invalid + falseVotes) + delaySec);
    }
    const medians = [true, false].map((elected) => median([...raw].filter(([k, v]) => v > 0 && validators.has(k) === elected).map(([, v]) => v)));
    const medianOf = (signer: Hex): number => (validators.has(signer) ? medians[0]! : medians[1]!) || medians[0]! || medians[1]!;
    // Having heard nobody (this replica was cut off, or caught up by sync) is no observation of anyone.
    const heard = medians.some((m) => m > 0);
    book.ns = heard ? new Map([...raw].map(([signer, v]) => [signer, Math.min(NS_CAP_MILLI, Math.round((v / medianOf(signer)) * 1000))])) : null;
    for (const h of this.heights.keys()) if (h <= height - HEIGHTS_KEPT) this.heights.delete(h);
  }

  /** ns (milli) of `signer` at a closed height: 0 when it sent nothing; undefined when this replica has no view of the height. */
  nsOf(height: number, signer: Hex): number | undefined {
    const ns = this.heights.get(height)?.ns;
    if (ns === undefined || ns === null) return undefined;
    return ns.get(signer) ?? 0;
  }

  private book(height: number, now: number): HeightBook {
    let book = this.heights.get(height);
    if (book === undefined) this.heights.set(height, (book = { startedAt: now, signers: new Map(), proposed: new Set() }));
    return book;
  }
}

/** The lower median, 0 for none. */
function median(values: number[]): number {
  const sorted = values.sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[(sorted.length - 1) >> 1]!;
}
