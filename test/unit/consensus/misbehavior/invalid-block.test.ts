import { strict as assert } from 'node:assert';
import { blockHashHex, headerOf } from '../../../../src/core/block.js';
import { fromHex, toHex } from '../../../../src/core/bytes.js';
import { InvalidMessage } from '../../../../src/core/errors.js';
import { Prng } from '../../../../src/core/prng.js';
import { verifyProposalSignature } from '../../../../src/core/votes.js';
import { INVALID_BLOCK_KINDS, invalidProposer } from '../../../../src/consensus/misbehavior/invalid-block.js';
import { CHAIN, posChainOf } from '../../core/fixtures.js';
import { type ProposalMsg, T0, type VoteMsg, ctxOf, genesis, keys, prevote, proposal, replicaChain } from './support.js';


function otherReplica() {
  const chain = posChainOf(genesis, keys[1]!);
  return chain;
}

describe('consensus/misbehavior/invalidblock', () => {
  for (const kind of INVALID_BLOCK_KINDS) {
    it(`${kind}: proposes a broken block in place of the engine's, signed, the same on resend, and votes for it`, () => {
      const chain = replicaChain();
      const m = invalidProposer(Prng.from(`ib ${kind}`), { kinds: [kind] });
      const honest = proposal(chain);
      const [sent] = m.outbound!(honest, ctxOf(chain));
      const broken = (sent!.msg as ProposalMsg).proposal;
      verifyProposalSignature(CHAIN, broken);
      assert.equal(headerOf(broken.block).height, headerOf(honest.proposal.block).height);
      assert.notEqual(blockHashHex(broken.block!), blockHashHex(honest.proposal.block!));
      const judge = otherReplica();
      assert.throws(() => {
        judge.checkTimely(broken.block!, T0);
        judge.execute(broken.block!);
      }, InvalidMessage, 'an honest replica refuses the block');
      assert.equal((m.outbound!({ ...honest, resend: 2 }, ctxOf(chain))[0]!.msg as ProposalMsg).proposal, broken);

      const forHonest = m.outbound!(prevote(fromHex(blockHashHex(honest.proposal.block!))), ctxOf(chain));
      assert.equal(toHex((forHonest[0]!.msg as VoteMsg).vote.blockHash), blockHashHex(broken.block!));
    });
  }
});
