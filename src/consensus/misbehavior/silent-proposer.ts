import { headerOf } from '../../core/block.js';
import type { Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, asIs, slotOf } from './misbehavior.js';

/**
 * DESIGN §6 `offline` narrowed to one duty (simulator only, no flag): in every round where this replica is the
 * rightful proposer it sends nothing at all (no proposal, no votes, no resends); in every other round it
 * behaves. A round is recognised by the proposal its engine makes for it, which comes before any vote of that
 * round (NCCA's transaction-set ballots go out at the start of a height, before the engine proposes, so those
 * still leave).
 */
export function silentProposer(): Misbehavior {
  const muted = new Set<string>();
  return {
    outbound(msg: Outbound, ctx): Envelope[] {
      if (msg.kind === 'proposal') {
        muted.add(slotOf(headerOf(msg.proposal.block).height, msg.proposal.round));
        return [];
      }
      if (msg.kind === 'vote' && muted.has(slotOf(msg.vote.height, msg.vote.round))) return [];
      return asIs(msg, ctx);
    },
  };
}
