import { blockHash, headerOf } from '../../core/block.js';
import { type Hex, toHex } from '../../core/bytes.js';
import type { EngineInput, Outbound } from '../engine.js';
import { slotOf } from './misbehavior.js';

/** The block hashes a replica has seen or made for each (height, round), from the proposals it handles. */
export class ProposalBook {
  private readonly known = new Map<string, Hex[]>();

  note(height: number, round: number, hash: Hex): void {
    const list = this.known.get(slotOf(height, round)) ?? [];
    if (!list.includes(hash)) list.push(hash);
    this.known.set(slotOf(height, round), list);
  }

  /** Notes the proposal an outgoing message or an input from the network carries, if it carries one. */
  see(m: Outbound | EngineInput): void {
    const proposal = 'kind' in m ? (m.kind === 'proposal' ? m.proposal : undefined) : m.type === 'proposal' ? m.proposal : undefined;
    if (proposal === undefined) return;
    const h = headerOf(proposal.block);
    this.note(h.height, proposal.round, toHex(blockHash(h)));
  }

  hashes(height: number, round: number): readonly Hex[] {
    return this.known.get(slotOf(height, round)) ?? [];
  }
}
