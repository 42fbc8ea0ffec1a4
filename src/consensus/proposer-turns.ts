import { drawByWeight } from './pos/lottery.js';

/**
 * The proposer of `round` at one height, given the height's weighted lottery `wheel` (weights > 0) and every
 * validator, in one fixed order, as `everyone`. Rounds 0 … k − 1 (k = wheel size) each draw by weight, with the
 * round's own seed, among the wheel's members not drawn in the height's earlier rounds: round 0 is the plain
 * weighted draw, and a silent member costs a height at most one of those rounds (independent draws picked a
 * crashed validator of four in two or more rounds running at about 1 height in 150). Later rounds give every
 * validator a turn in order, so the ones the wheel leaves out can still move a height whose wheel is all silent.
 */
export function proposerOfRound<T>(
  wheel: readonly { member: T; weight: number }[],
  everyone: readonly T[],
  round: number,
  seedOf: (round: number) => bigint,
): T {
  if (round >= wheel.length) {
    if (everyone.length === 0) throw new Error('no validators to propose');
    return everyone[(round - wheel.length) % everyone.length]!;
  }
  let left = wheel;
  for (let r = 0; ; r++) {
    const pick = drawByWeight(left, seedOf(r));
    if (r === round) return pick.member;
    left = left.filter((e) => e !== pick);
  }
}
