import { bitAt } from '../../core/bitmap.js';
import type { TxSetBallot } from '../../core/wire/posplus.js';

/**
 * How far another voter's answer to a call falls short of this replica's own: of the ids this replica said yes
 * to and the voter could hold (`eligible`: a normal voter hears only its own cell's transactions), the share it
 * abstained on. Undefined when there is no such id. The quality term of the paper's state value η (§2.3): a
 * node that abstains on what its neighbours hold ("malicious voting") keeps talking, so without it round two
 * cleared every false voter that was not also a validator.
 */
export function shortfall(own: TxSetBallot, other: TxSetBallot, ids: number, eligible: (i: number) => boolean): number | undefined {
  let held = 0;
  let missed = 0;
  for (let i = 0; i < ids; i++) {
    if (!bitAt(own.bits, i) || !eligible(i)) continue;
    held++;
    if (!bitAt(other.bits, i)) missed++;
  }
  return held === 0 ? undefined : missed / held;
}
