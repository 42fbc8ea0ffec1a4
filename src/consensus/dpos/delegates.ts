import type { Address } from '../../core/address.js';
import { type Account, ElectedRole, type StateOverlay, type StateReader } from '../../core/ledger.js';
import { type RegisteredNode, registeredNodes } from '../registered.js';
import type { DposParams } from './params.js';

/**
 * The delegate state lives in two ledger fields, so it is part of the state root and survives restarts:
 *   - `role = ElectedRole.validator` marks a current delegate;
 *   - `credit = 0` marks a node voted out for missing its slot, until the next cycle's election clears it
 *     (DPoS keeps no credit otherwise; any other value, or none, means in good standing).
 */
const isDelegate = (a: Account): boolean => a.role === ElectedRole.validator;
export const isVotedOut = (a: Account | undefined): boolean => a?.credit === 0;

/**
 * The candidates in vote order. Each registered node's stake votes for itself — the simulator has no vote
 * transaction, so self-voting is what approval voting reduces to — highest stake first, ties by address;
 * nodes voted out this cycle are not candidates.
 */
export function candidates(state: StateReader): RegisteredNode[] {
  return registeredNodes(state)
    .filter((n) => !isVotedOut(n.account))
    .sort((a, b) => b.account.stake - a.account.stake || (a.address < b.address ? -1 : 1));
}

/** The K candidates with the most stake-weighted votes (all of them when there are fewer). */
export function elect(state: StateReader, p: DposParams): RegisteredNode[] {
  return candidates(state).slice(0, p.delegates);
}

/**
 * The delegates of the next height: the registered nodes marked as delegates. Before the first election has
 * been written (the first cycle) they are who an election would pick now; should nobody be left to pick, every
 * registered node produces, so the chain never has an empty producer set.
 */
export function delegatesOf(state: StateReader, p: DposParams): RegisteredNode[] {
  const registered = registeredNodes(state);
  const marked = registered.some((n) => n.account.role !== undefined);
  const delegates = marked ? registered.filter((n) => isDelegate(n.account)) : elect(state, p);
  return delegates.length > 0 ? delegates : registered;
}

/** The full re-election at the end of every cycle: the top K by votes become delegates, voted-out marks clear. */
export function holdElection(state: StateOverlay, p: DposParams): void {
  for (const [address, a] of [...state.entries()]) {
    if (isVotedOut(a)) state.set(address, { ...a, credit: undefined });
  }
  const elected = new Set(elect(state, p).map((n) => n.address));
  for (const [address, a] of [...state.entries()]) {
    const role = elected.has(address) ? ElectedRole.validator : undefined;
    if (a.role !== role) state.set(address, { ...a, role });
  }
}

/**
 * A delegate that missed its slot is voted out at once (EOS: producers that miss blocks are voted out by the
 * stakeholders; here the vote is automatic and takes effect from the next block) and the next candidate by votes
 * takes its place. If no election has been written yet, the current one is written first, so the replacement is
 * judged against the delegates as they stood.
 */
export function voteOut(state: StateOverlay, address: Address, p: DposParams): void {
  const current = delegatesOf(state, p);
  if (!current.some((n) => n.address === address)) return;
  if (!registeredNodes(state).some((n) => n.account.role !== undefined)) {
    for (const n of current) state.set(n.address, { ...state.get(n.address)!, role: ElectedRole.validator });
  }
  state.set(address, { ...state.get(address)!, role: undefined, credit: 0 });
  const next = candidates(state).find((n) => !isDelegate(n.account));
  if (next !== undefined) state.set(next.address, { ...next.account, role: ElectedRole.validator });
}
