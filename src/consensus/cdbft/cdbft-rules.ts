import type { StateOverlay } from '../../core/ledger.js';
import type { BftRules } from '../bft/bft-rules.js';
import { heightRecordOf, rescore } from '../height-record.js';
import { roundRobinProposer } from '../round-robin.js';
import { consensusNodes } from './consensus-nodes.js';
import { cdbftCreditOf, nextCdbftCredit } from './credit.js';
import { type CdbftParams, checkCdbftParams } from './params.js';
import type { BlockFacts, HeadRecord } from '../../core/chain-state.js';

/**
 * CDBFT (Wang et al., "CDBFT: A Byzantine Fault Tolerance Consensus Algorithm Based on Credit", the NCCA paper's
 * reference [7]) on PBFT (Castro and Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999). PBFT's three
 * phases are the BFT engine's: pre-prepare is the proposal, prepare the prevote, commit the precommit, each
 * needing more than 2/3 of the consensus nodes (one vote each). The primary of view v = height + round is
 * node v mod n of the consensus nodes in key order, so a view change hands over to the next one. CDBFT's part is
 * who may be a consensus node: credit from vote reward and punishment, kept in the ledger (Account.credit, ppm)
 * and updated in every block from the certificate of the height before it.
 */
export function cdbftRules(p: CdbftParams): BftRules {
  checkCdbftParams(p);
  return {
    validatorsFor: (chain) => consensusNodes(chain.ledger, p),
    proposerOf: roundRobinProposer,
    describe: (chain, address) => ({ credit: cdbftCreditOf(chain.ledger.get(address), p) / 1_000_000 }),
    afterTxs: (state, block, head) => updateCredit(state, block, head, p),
  };
}

function updateCredit(state: StateOverlay, block: BlockFacts, head: HeadRecord | undefined, p: CdbftParams): void {
  const record = heightRecordOf(block, head);
  if (record !== undefined) rescore(state, record, (a) => cdbftCreditOf(a, p), (current, r) => nextCdbftCredit(current, r, p));
}
