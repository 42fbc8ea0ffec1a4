import { strict as assert } from 'node:assert';
import { blockHash, buildBlock, headerOf } from '../../../src/core/block.js';
import { InvalidMessage } from '../../../src/core/errors.js';
import { signVote } from '../../../src/core/votes.js';
import { type Block, type Certificate, Vote } from '../../../src/core/wire/posplus.js';
import { CHAIN, posChainOf, genesisOf, key } from '../core/fixtures.js';

const keys = [0, 1, 2, 3].map((i) => key(`lc-${i}`));
const genesis = genesisOf(keys);
const T0 = genesis.spec.timestamp + 1_000;

function certify(block: Block, signers: number[]): Certificate {
  const h = headerOf(block);
  const hash = blockHash(h);
  const sigs = signers.map((i) => {
    const v = signVote(CHAIN, keys[i]!, { type: Vote.Type.PRECOMMIT, height: h.height, round: 0, blockHash: hash });
    return { voter: v.voter, signature: v.signature };
  });
  return { height: h.height, round: 0, blockHash: hash, sigs };
}

/** A replica whose head is block 1, committed with a certificate signed by validators 0, 1 and 2. */
function atHeightOne() {
  const chain = posChainOf(genesis, keys[0]!);
  const block1 = buildBlock(CHAIN, keys[0]!, chain.buildContent(T0, 0));
  const cert1 = certify(block1, [0, 1, 2]);
  chain.commit(block1, chain.execute(block1), cert1, {
    validators: keys.map((k) => ({ publicKey: Buffer.from(k.publicKey).toString('hex'), weight: genesis.spec.member.stake })),
    failedProposers: [],
  });
  return { chain, block1, cert1 };
}

const rejects = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof InvalidMessage && pattern.test(err.reason));

describe('the last commit a block carries', () => {
  it('block 1 carries none; every later block carries its parent certificate, and the builder includes it', () => {
    const { chain, cert1 } = atHeightOne();
    const content = chain.buildContent(T0 + 1_000, 0);
    assert.deepEqual(content.lastCommit, cert1);
    const block2 = buildBlock(CHAIN, keys[0]!, content);
    assert.doesNotThrow(() => chain.execute(block2));
  });

  it('a block without its parent certificate is invalid', () => {
    const { chain } = atHeightOne();
    const block2 = buildBlock(CHAIN, keys[0]!, { ...chain.buildContent(T0 + 1_000, 0), lastCommit: undefined });
    rejects(() => chain.execute(block2), /no certificate of its parent/);
  });

  it('a certificate without a quorum, from outsiders, or for another block is invalid', () => {
    const { chain, block1 } = atHeightOne();
    const content = chain.buildContent(T0 + 1_000, 0);
    const tooFew = buildBlock(CHAIN, keys[0]!, { ...content, lastCommit: certify(block1, [0, 1]) });
    rejects(() => chain.execute(tooFew), /quorum/);
    const forged = certify(block1, [0, 1, 2]);
    forged.sigs[2] = { ...forged.sigs[2]!, signature: new Uint8Array(64) };
    rejects(() => chain.execute(buildBlock(CHAIN, keys[0]!, { ...content, lastCommit: forged })), /signature/);
    const elsewhere = { ...certify(block1, [0, 1, 2]), blockHash: new Uint8Array(32).fill(9) };
    rejects(() => chain.execute(buildBlock(CHAIN, keys[0]!, { ...content, lastCommit: elsewhere })), /not for its parent/);
  });

  it('changing the certificate after signing breaks the block', () => {
    const { chain, block1 } = atHeightOne();
    const block2 = buildBlock(CHAIN, keys[0]!, chain.buildContent(T0 + 1_000, 0));
    const swapped = { ...block2, lastCommit: certify(block1, [1, 2, 3]) };
    rejects(() => chain.execute(swapped), /last-commit hash/);
  });
});
