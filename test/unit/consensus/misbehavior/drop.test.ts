import { strict as assert } from 'node:assert';
import { dropper } from '../../../../src/consensus/misbehavior/drop.js';
import { ctxOf, everyKind, inputsOf, replicaChain, shape } from './support.js';

describe('consensus/misbehavior/drop', () => {
  const chain = replicaChain();
  const ctx = ctxOf(chain);
  const drop = dropper();

  it('takes in only transactions and blocks from sync; every other consensus message of others is dropped', () => {
    const taken = inputsOf(chain).map((input) => `${input.type}:${drop.inbound!(input, ctx)}`);
    assert.deepEqual(taken, ['txs:true', 'proposal:false', 'vote:false', 'ballots:false', 'ballots:false', 'evidence:false', 'certified:true']);
  });

  it('sends no proposal, vote, ballot or bundle; transactions and evidence leave as they are', () => {
    const sent = everyKind(chain).flatMap((msg) => drop.outbound!(msg, ctx));
    assert.deepEqual(shape(sent), ['txs→6', 'evidence→6']);
  });
});
