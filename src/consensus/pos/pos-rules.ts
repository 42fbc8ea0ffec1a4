import { type Hex, toHex } from '../../core/bytes.js';
import type { BftRules } from '../bft/bft-rules.js';
import { lotteryWeight } from '../detection/attack-probability.js';
import { attackProbabilities } from '../detection/attack-view.js';
import { recordConduct } from '../detection/chain-detection.js';
import { ValidatorSet } from '../validator-set.js';
import { proposerOfRound } from '../proposer-turns.js';
import { lotterySeed } from './lottery.js';

/**
 * The seed's POS+: stake-weighted validators, commit at >2/3 of stake, and the stake lottery with its "advanced
 * election": each validator's tickets are its stake lowered by its attack probability, so a node with a record of
 * forks or an outsized stake is drawn less often. The commit weight stays the full stake.
 */
export function posRules(): BftRules {
  let tickets: { head: Hex; wheel: { member: Uint8Array; weight: number }[]; everyone: Uint8Array[] } | undefined;
  return {
    validatorsFor: (chain) => ValidatorSet.fromStake(chain.ledger),
    proposerOf: (chain, validators, round) => {
      const head = toHex(chain.head.hash);
      if (tickets?.head !== head) {
        const p = attackProbabilities(chain.ledger);
        const wheel = validators.members.map((m) => ({ member: m.publicKey, weight: lotteryWeight(m.weight, p.get(m.address)?.probability ?? 0) }));
        tickets = { head, wheel: wheel.filter((e) => e.weight > 0), everyone: validators.members.map((m) => m.publicKey) };
      }
      return proposerOfRound(tickets.wheel, tickets.everyone, round, (r) => lotterySeed(chain.head.hash, chain.head.height + 1, r));
    },
    afterTxs: (state, block, head) => void recordConduct(state, block, head),
  };
}
