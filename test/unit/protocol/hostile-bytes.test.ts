/**
 * Bytes a hostile peer makes up, on every gossip topic, through the same path a node's topic validator takes
 * (size, decode, engine): whatever they are, the verdict is never Accept, so they are never relayed, and nothing
 * throws past the validator except the decode errors it turns into Reject.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { pino } from 'pino';
import { GenesisSecret } from '../../../src/core/genesis-secret.js';
import { DEFAULT_TIMEOUTS } from '../../../src/consensus/bft/bft-rules.js';
import { createEngine } from '../../../src/consensus/create-engine.js';
import { TopicValidatorResult } from '@libp2p/interface';
import { GenesisGossip } from '../../../src/node/genesis-gossip.js';
import { type TxPool, decodeOutbound, inputOf } from '../../../src/protocol/codec.js';
import { type TopicRef, maxMessageBytes } from '../../../src/protocol/topics.js';
import { CHAIN, SPEC, genesisOf, key, posChainOf, posRulesOf } from '../core/fixtures.js';

const keys = [0, 1, 2, 3].map((i) => key(`hostile-${i}`));
const genesis = genesisOf(keys);
const NOW = genesis.spec.timestamp + 1_000;
const NO_POOL: TxPool = { pooled: () => undefined, maxTxs: 2000 };

const REFS: TopicRef[] = [
  { kind: 'tx', cell: 0 },
  { kind: 'cell-vote', cell: 0 },
  { kind: 'multi-vote' },
  { kind: 'block' },
  { kind: 'proposal' },
  { kind: 'approval' },
  { kind: 'inbox', address: '0x' + '00'.repeat(20) },
  { kind: 'evidence' },
];

/** What a node's validator would say of `data` on `ref`: 'thrown' stands for the decode errors it rejects. */
function judge(ref: TopicRef, data: Uint8Array): string {
  if (data.byteLength > maxMessageBytes(ref)) return TopicValidatorResult.Reject;
  const chain = posChainOf(genesis, keys[0]!);
  const engine = createEngine(chain, posRulesOf(genesis), DEFAULT_TIMEOUTS);
  let msg;
  try {
    msg = decodeOutbound(ref, data, keys[0]!.publicKey, NO_POOL);
  } catch {
    return 'thrown';
  }
  return msg === undefined ? 'ignore' : engine.step(inputOf(msg, NOW)).verdict;
}

describe('bytes a hostile peer makes up, on every topic', () => {
  for (const ref of REFS) {
    it(`${ref.kind}: never accepted`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (data) => {
          assert.notEqual(judge(ref, data), 'accept');
        }),
        { numRuns: 300 },
      );
    });
  }

  it('genesis: never accepted, whatever the bytes', () => {
    const gossip = new GenesisGossip({
      chainId: CHAIN,
      spec: SPEC,
      key: keys[0]!,
      secret: GenesisSecret.parse('00'.repeat(16)),
      log: pino({ level: 'silent' }),
      rulesFor: posRulesOf,
      publish: () => {},
      current: () => undefined,
      block1: async () => undefined,
      enter: () => assert.fail('made-up bytes must not make a node enter a genesis'),
    });
    gossip.startCeremony(4, 20_000, { x: 0, y: 0 }, NOW);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (data) => {
        let verdict: string;
        try {
          verdict = gossip.onMessage(data, NOW);
        } catch {
          verdict = 'thrown';
        }
        assert.notEqual(verdict, TopicValidatorResult.Accept);
      }),
      { numRuns: 300 },
    );
  });
});
