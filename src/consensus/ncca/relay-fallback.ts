import { ballotKey } from '../../core/ballots.js';
import { headerOf } from '../../core/block.js';
import type { Block, TxSetBallot } from '../../core/wire/posplus.js';

/**
 * A normal voter's check on its cell's relay. Its ballots go to its cell's vote topic, and the cell's multi-region
 * validator carries them to the caller; a relay that is suspended, silent or withholding would make the voter look
 * absent in block after block (a missed vote in detection) and hold back its cell's transactions, which only its
 * cell's normal nodes and the validators may vote on. When a committed block that counts ballots lacks one of the
 * voter's, the voter also sends its ballots to the caller itself until the next election, when its cell may get
 * another relay.
 */
export class RelayFallback {
  /** This voter's ballots (by ballotKey) of the height being decided. */
  private sent = { height: -1, keys: new Set<string>() };
  /** The last height at which the voter sends its ballots to the caller too. */
  private directUntil = 0;

  constructor(private readonly epochLength: number) {}

  /** Whether a ballot for `height` should also go straight to its caller. */
  direct(height: number): boolean {
    return height <= this.directUntil;
  }

  /** Notes a ballot this voter sent on its cell's topic. */
  sentBallot(b: TxSetBallot): void {
    if (this.sent.height !== b.height) this.sent = { height: b.height, keys: new Set() };
    this.sent.keys.add(ballotKey(b));
  }

  /** A committed block: if it counts ballots but not all of ours, go direct until the next election. */
  committed(block: Block): void {
    const height = headerOf(block).height;
    if (this.sent.height !== height || block.ballots.length === 0) return;
    const carried = new Set(block.ballots.map(ballotKey));
    if ([...this.sent.keys].some((k) => !carried.has(k))) this.directUntil = Math.ceil((height + 1) / this.epochLength) * this.epochLength;
  }
}
