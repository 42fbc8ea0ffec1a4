import { strict as assert } from 'node:assert';
import { EventHub, MAX_SUBSCRIPTIONS, TooManySubscriptions } from '../../../../src/node/events/event-hub.js';
import { type DetectionMark, detectionChanges, detectionCounts } from '../../../../src/node/events/node-events.js';
import { parseTopics } from '../../../../src/node/rpc/event-stream.js';

const mark = (m: Partial<DetectionMark> = {}): DetectionMark => ({ watched: false, confirmations: 0, suspendedUntil: 0, evictedAt: 0, ...m });

describe('pushed events', () => {
  describe('detectionChanges: what the chain decided between two commits', () => {
    it('names each suspicion, clearing, confirmation, suspension and eviction once, in address order', () => {
      const before = new Map([
        ['0xb', mark({ watched: true })],
        ['0xc', mark({ watched: true })],
        ['0xd', mark({ confirmations: 1, suspendedUntil: 5_000 })],
      ]);
      const after = new Map([
        ['0xa', mark({ watched: true })],
        ['0xb', mark()],
        ['0xc', mark({ confirmations: 1, suspendedUntil: 9_000 })],
        ['0xd', mark({ confirmations: 1, suspendedUntil: 5_000, evictedAt: 7 })],
      ]);
      assert.deepEqual(detectionChanges(before, after, 7), [
        { kind: 'suspicion', address: '0xa', height: 7 },
        { kind: 'cleared', address: '0xb', height: 7 },
        { kind: 'confirmation', address: '0xc', height: 7, confirmations: 1 },
        { kind: 'suspension', address: '0xc', height: 7, until: 9_000 },
        { kind: 'eviction', address: '0xd', height: 7 },
      ]);
    });

    it('nothing changed, nothing said', () => {
      const same = new Map([['0xa', mark({ watched: true, confirmations: 2, suspendedUntil: 1, evictedAt: 3 })]]);
      assert.deepEqual(detectionChanges(same, new Map(same), 9), []);
    });
  });

  it('detectionCounts: watched, suspended at the given block time, evicted', () => {
    const marks = new Map([
      ['0xa', mark({ watched: true })],
      ['0xb', mark({ suspendedUntil: 5_000 })],
      ['0xc', mark({ suspendedUntil: 1_000, evictedAt: 3 })],
    ]);
    assert.deepEqual(detectionCounts(marks, 2_000), { suspect: 1, suspended: 1, evicted: 1 });
    assert.deepEqual(detectionCounts(marks, 500), { suspect: 1, suspended: 2, evicted: 1 });
  });

  describe('EventHub', () => {
    it('delivers a topic to its subscribers only, and nothing after close', () => {
      const hub = new EventHub();
      const got: string[] = [];
      const heads = hub.subscribe(['heads'], (t, d) => got.push(`${t}:${String(d)}`));
      hub.subscribe(['txs', 'detection'], (t, d) => got.push(`other ${t}:${String(d)}`));
      assert.equal(hub.wants('heads'), true);
      hub.publish('heads', 1);
      hub.publish('txs', 2);
      heads.close();
      hub.publish('heads', 3);
      assert.deepEqual(got, ['heads:1', 'other txs:2']);
      assert.equal(hub.wants('heads'), false);
      assert.equal(hub.size, 1);
    });

    it(`holds at most ${MAX_SUBSCRIPTIONS} subscriptions`, () => {
      const hub = new EventHub();
      for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) hub.subscribe(['heads'], () => undefined);
      assert.throws(() => hub.subscribe(['heads'], () => undefined), TooManySubscriptions);
    });
  });

  it('parseTopics: a comma list of known topics, all when absent, undefined otherwise', () => {
    assert.deepEqual(parseTopics(null), ['heads', 'txs', 'detection']);
    assert.deepEqual(parseTopics('txs, heads,txs'), ['txs', 'heads']);
    assert.equal(parseTopics('heads,blocks'), undefined);
    assert.equal(parseTopics(''), undefined);
  });
});
