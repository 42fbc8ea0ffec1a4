import { hexOf } from '../../core/object-memo.js';
import type { BlockRules } from '../../core/chain-state.js';
import type { ValidatorSet } from '../validator-set.js';
import type { BftRules } from './bft-rules.js';
import { checkLastCommit } from './certificate-check.js';

/**
 * What a BFT engine's rules add to executing a block: the parent's certificate (see checkLastCommit), the
 * transaction-set vote's proof, and the engine's bookkeeping after the transactions. ChainState gets these at
 * construction; they read only the chain, so one chain can be driven by a new engine after a restart.
 */
export function bftBlockRules(rules: BftRules): BlockRules {
  // The validators of the height being executed, kept for its head: every proposal at a height asks again.
  let kept: { head: string; validators: ValidatorSet } | undefined;
  return {
    checkBlock(chain, block) {
      const head = hexOf(chain.head.hash);
      if (kept?.head !== head) kept = { head, validators: rules.validatorsFor(chain) };
      checkLastCommit(chain.params.chainId, block, chain.headRecord, kept.validators);
      rules.txSet?.check(chain, block);
    },
    afterTxs: (chain, state, block) => rules.afterTxs?.(state, block, chain.headRecord),
  };
}
