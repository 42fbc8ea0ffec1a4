import assert from 'node:assert/strict';
import { signVote } from '../../../src/core/votes.js';
import { Vote } from '../../../src/core/wire/posplus.js';
import { TrafficCollector } from '../../../src/sim/traffic-collector.js';
import { key } from '../core/fixtures.js';

describe('TrafficCollector', () => {
  it('counts each packet with the bytes of its message, computed by hand', () => {
    const vote = signVote('c', key('v'), { type: Vote.Type.PREVOTE, height: 1, round: 0, blockHash: new Uint8Array(32).fill(1) });
    // Vote: height (1 + 1) + blockHash (2 + 32) + voter (2 + 32) + signature (2 + 64) = 136 (type and round are 0,
    // so not written); in a ConsensusEnvelope: tag 1 + length 2 (136 > 127) + 136 = 139.
    const t = new TrafficCollector(3);
    t.gossip(0, 1, { kind: 'vote', vote });
    t.gossip(0, 2, { kind: 'vote', vote });
    // SyncRequest{fromHeight: 5, max: 64}: two varint fields of 1 + 1 bytes.
    t.syncRequest(2, 0, 5, 64);
    assert.deepEqual(t.packets, [2, 0, 1]);
    assert.deepEqual(t.bytes, [2 * 139, 0, 4]);
    assert.equal(t.totalPackets(), 3);
    assert.equal(t.totalBytes(), 282);
  });

  it('a sync answer is one packet per block served', () => {
    const t = new TrafficCollector(2);
    t.syncBlocks(1, 0, []);
    assert.equal(t.totalPackets(), 0);
  });
});
