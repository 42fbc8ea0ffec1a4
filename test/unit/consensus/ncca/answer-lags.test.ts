import { strict as assert } from 'node:assert';
import { AnswerLags } from '../../../../src/consensus/ncca/answer-lags.js';

describe('NCCA answer lags: which silent voters a settled call still waits for', () => {
  it('waits for a voter about as long as it took last time, with a margin', () => {
    const lags = new AnswerLags(300);
    lags.answered('slow', 1_000, 1_200);
    assert.equal(lags.waitUntil(5_000, 5_010, ['slow']), 5_250);
    assert.equal(lags.waitUntil(5_000, 5_010, []), 5_000, 'nobody silent: no wait');
  });

  it('does not wait for voters never heard from, or slower than the bound', () => {
    const lags = new AnswerLags(300);
    lags.answered('delaying', 1_000, 3_500);
    assert.equal(lags.waitUntil(5_000, 5_010, ['delaying', 'unknown']), 5_000);
  });

  it('forgets a voter that missed its expected time, so a voter gone silent costs one wait', () => {
    const lags = new AnswerLags(300);
    lags.answered('gone', 1_000, 1_100);
    assert.equal(lags.waitUntil(5_000, 5_200, ['gone']), 5_000, 'past its time: forgotten');
    assert.equal(lags.waitUntil(6_000, 6_010, ['gone']), 6_000, 'and not waited for at the next call');
    lags.answered('gone', 6_000, 6_100);
    assert.equal(lags.waitUntil(7_000, 7_010, ['gone']), 7_125, 'until it answers again');
  });
});
