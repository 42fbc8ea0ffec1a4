import { strict as assert } from 'node:assert';
import { SyncPoll } from '../../../src/node/sync-poll.js';

describe('SyncPoll: the unprompted catch-up slows down while it brings nothing', () => {
  it('is due at once, then doubles its interval after each pass that moved nothing, up to the cap', () => {
    const poll = new SyncPoll(4000, 60_000);
    assert.ok(poll.due(0));
    const gaps: number[] = [];
    let now = 0;
    for (let i = 0; i < 6; i++) {
      poll.passed(now, false);
      let next = now;
      while (!poll.due(next)) next += 1000;
      gaps.push(next - now);
      now = next;
    }
    assert.deepEqual(gaps, [8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('a pass whose blocks moved the head, or a new peer, brings it back to the short interval', () => {
    const poll = new SyncPoll(4000, 60_000);
    for (let i = 0; i < 5; i++) poll.passed(0, false);
    assert.ok(!poll.due(59_999));
    poll.passed(100_000, true);
    assert.ok(!poll.due(103_999));
    assert.ok(poll.due(104_000));
    for (let i = 0; i < 5; i++) poll.passed(200_000, false);
    poll.wake(200_001);
    assert.ok(poll.due(200_001));
    poll.passed(200_002, false);
    assert.ok(poll.due(208_002), 'after a wake the doubling starts again from the short interval');
  });
});
