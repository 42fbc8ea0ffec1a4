import { u64be, utf8 } from '../../core/bytes.js';
import { sha256 } from '../../core/hash.js';
import type { Validator } from '../validator-set.js';

/**
 * The seed's stake lottery: every unit of weight is one ticket and the winning ticket is drawn from
 * sha256(previous block hash, height, round). Anyone holding the chain can recompute the draw.
 */
export function lotterySeed(prevHash: Uint8Array, height: number, round: number): bigint {
  const digest = sha256(utf8('posplus/lottery/v1'), prevHash, u64be(height), u64be(round));
  return new DataView(digest.buffer, digest.byteOffset, 32).getBigUint64(0);
}

export function drawByWeight<T extends Pick<Validator, 'weight'>>(members: readonly T[], seed: bigint): T {
  const total = members.reduce((sum, m) => sum + BigInt(m.weight), 0n);
  if (total === 0n) throw new Error('cannot draw from members with no weight');
  let ticket = seed % total;
  for (const m of members) {
    const w = BigInt(m.weight);
    if (ticket < w) return m;
    ticket -= w;
  }
  throw new Error('unreachable: ticket beyond total weight');
}
