import type { EngineInput, Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, asIs } from './misbehavior.js';

/** What a dropping replica still takes in: transactions, and blocks it fetches through sync. */
const KEPT: ReadonlySet<EngineInput['type']> = new Set(['txs', 'certified']);
/** What it no longer sends: it does not vote, approve, ballot, propose, or pass on what it would collect. */
const SILENCED: ReadonlySet<Outbound['kind']> = new Set(['proposal', 'vote', 'votes', 'certificate', 'call', 'ballot', 'bundle']);

/**
 * DESIGN §6 `drop`: the replica ignores the consensus messages of others (it neither feeds them to its engine
 * nor relays them) and takes no part in consensus itself. Transactions and evidence still pass.
 */
export function dropper(): Misbehavior {
  return {
    inbound: (input: EngineInput): boolean => KEPT.has(input.type),
    outbound: (msg: Outbound, ctx): Envelope[] => (SILENCED.has(msg.kind) ? [] : asIs(msg, ctx)),
  };
}
