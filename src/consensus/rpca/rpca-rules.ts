import type { BftRules } from '../bft/bft-rules.js';
import { roundRobinProposer } from '../round-robin.js';
import { type RpcaParams, checkRpcaParams } from './params.js';
import { RpcaTxSet } from './tx-set.js';
import { unlOf } from './unl.js';

/**
 * RPCA (Schwartz, Youngs, Britto, "The Ripple Protocol Consensus Algorithm", Ripple Labs 2014) on the BFT round
 * machine: the static UNL votes (one vote per member), transactions enter a ledger only with 80 % of the UNL in
 * the final transaction-set round (RpcaTxSet), and a ledger is final once more than 80 % of the UNL validated it
 * (precommits at quorum 4/5). Two such quorums share more than 60 % of the UNL, so no fork while the faulty part
 * of the UNL stays under 20 % — the paper's bound (§3.3), which is also what liveness needs. Ripple has no
 * lottery: the proposer rotates over the UNL by height and round.
 */
export function rpcaRules(p: RpcaParams): BftRules {
  checkRpcaParams(p);
  return {
    validatorsFor: (chain) => unlOf(chain, p),
    proposerOf: roundRobinProposer,
    txSet: new RpcaTxSet(p),
  };
}
