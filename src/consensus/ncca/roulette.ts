import { compareBytes, u64be, utf8 } from '../../core/bytes.js';
import { sha256 } from '../../core/hash.js';
import { proposerOfRound } from '../proposer-turns.js';
import { CREDIT_MAX, clampCredit } from './credit.js';

/**
 * NCCA's proposer roulette (§2.2, "采用轮盘赌选择法随机选择交易集中高信用值的验证节点负责区块生成"): a roulette wheel
 * over the high-credit validators, slot size = CR, spun with a seed every node derives from the chain, so every
 * node can check who the rightful proposer of a round was.
 */

/** sha256("posplus/roulette/v1", previous block hash, height, round), first 8 bytes big-endian. */
export function rouletteSeed(prevHash: Uint8Array, height: number, round: number): bigint {
  const digest = sha256(utf8('posplus/roulette/v1'), prevHash, u64be(height), u64be(round));
  return new DataView(digest.buffer, digest.byteOffset, 32).getBigUint64(0);
}

export interface RouletteMember {
  address: string;
  publicKey: Uint8Array;
  /** CR in ppm; rounded and clamped to [0, 1e6], non-numbers count as 0. */
  credit: number;
}

/** Wheel order: public key, then address. */
const byKey = (a: RouletteMember, b: RouletteMember): number =>
  compareBytes(a.publicKey, b.publicKey) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

/** The members that take part in the draw, each with its slot size, in wheel order (public key, then address). */
export function rouletteWheel<T extends RouletteMember>(validators: readonly T[], cutoff: number): { member: T; weight: number }[] {
  if (validators.length === 0) throw new Error('roulette: no validators');
  const wheel = validators.map((member) => ({ member, weight: clampCredit(member.credit, 0) })).sort((a, b) => byKey(a.member, b.member));
  const best = wheel.reduce((m, e) => Math.max(m, e.weight), 0);
  if (best === 0) {
    // Nobody has credit. Credit only rises by signing committed blocks, and blocks need a proposer, so with
    // weight = credit the chain could never move again. Every validator gets an equal slot instead.
    return wheel.map((e) => ({ member: e.member, weight: 1 }));
  }
  // Only the high-credit validators: CR ≥ cutoff · best CR, in integers (cutoff in whole ppm, products < 2^53)
  // so every platform draws the same line. The best validator always qualifies since cutoff ≤ 1.
  const cut = Math.min(CREDIT_MAX, Math.max(0, Math.round((Number.isFinite(cutoff) ? cutoff : 0) * CREDIT_MAX)));
  return wheel.filter((e) => e.weight * CREDIT_MAX >= cut * best && e.weight > 0);
}

/**
 * The rightful proposer of `round` (seeds from rouletteSeed): the wheel spun once per round, a member drawn in an
 * earlier round of the height out of the later spins, then every validator in key order (see proposerOfRound). A
 * validator with 0 credit never proposes in the first rounds unless all have 0.
 */
export function roulettePick<T extends RouletteMember>(validators: readonly T[], round: number, seedOf: (round: number) => bigint, cutoff: number): T {
  const wheel = rouletteWheel(validators, cutoff);
  return proposerOfRound(wheel, [...validators].sort(byKey), round, seedOf);
}
