import { type Hex, toHex } from '../../core/bytes.js';
import type { BftRules } from '../bft/bft-rules.js';
import { lotteryWeight } from '../detection/attack-probability.js';
import { attackProbabilities } from '../detection/attack-view.js';
import { recordConduct } from '../detection/chain-detection.js';
import { ValidatorSet } from '../validator-set.js';
import { drawByWeight, lotterySeed } from './lottery.js';

/**
 * The seed's POS+: stake-weighted validators, commit at >2/3 of stake, and the stake lottery with its "advanced
 * election": each validator's tickets are its stake lowered by its attack probability, so a node with a record of
 * forks or an outsized stake is drawn less often. The commit weight stays the full stake.
 */
export function posRules(): BftRules {
  let tickets: { head: Hex; members: { publicKey: Uint8Array; weight: number }[] } | undefined;
  return {
    validatorsFor: (chain) => ValidatorSet.fromStake(chain.ledger),
    proposerOf: (chain, validators, round) => {
      const head = toHex(chain.head.hash);
      if (tickets?.head !== head) {
        const p = attackProbabilities(chain.ledger);
        tickets = { head, members: validators.members.map((m) => ({ publicKey: m.publicKey, weight: lotteryWeight(m.weight, p.get(m.address)?.probability ?? 0) })) };
      }
      return drawByWeight(tickets.members, lotterySeed(chain.head.hash, chain.head.height + 1, round)).publicKey;
    },
    afterTxs: (state, block, head) => void recordConduct(state, block, head),
  };
}
