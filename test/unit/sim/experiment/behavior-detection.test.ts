import assert from 'node:assert/strict';
import type { Account } from '../../../../src/core/ledger.js';
import { ConductCollector } from '../../../../src/sim/conduct-collector.js';
import { detectionByBehavior } from '../../../../src/sim/experiment/behavior-detection.js';
import { summarizeBehaviors } from '../../../../src/sim/experiment/behavior-summary.js';
import type { Replica } from '../../../../src/sim/replica.js';
import { run } from './fixtures.js';

const confirmed = (n: number) => ({ detection: { confirmations: n } }) as unknown as Account;

/** A reference chain of three blocks at t = 1 s, 2 s, 3 s: block 2 confirms a, block 3 confirms b again and c. */
function reference(): Replica {
  const at = (s: number, changes: [string, Account][]) => ({ block: { header: { timestamp: s * 1000 } }, changes: new Map(changes) });
  const log = new Map([
    [3, at(3, [['b', confirmed(2)], ['c', confirmed(1)]])],
    [1, at(1, [['a', confirmed(0)]])],
    [2, at(2, [['a', confirmed(1)], ['b', confirmed(1)]])],
  ]);
  return { log } as unknown as Replica;
}

describe('detection per behaviour', () => {
  it('counts attackers, those that acted, those confirmed, and the seconds from first act to first confirmation', () => {
    const conduct = new ConductCollector();
    conduct.misbehaved(0, 500); // a acted at 0.5 s, confirmed at 2 s
    conduct.misbehaved(0, 900); // only the first act counts
    conduct.misbehaved(1, 1_000); // b acted at 1 s, confirmed at 2 s (block 3 only confirms it again)
    // c never acted but was confirmed at 3 s; d neither acted nor was confirmed.
    const attackers = [
      { index: 0, address: 'a', behavior: 'drop' },
      { index: 1, address: 'b', behavior: 'equivocate' },
      { index: 2, address: 'c', behavior: 'equivocate' },
      { index: 3, address: 'd', behavior: 'drop' },
    ];
    const out = detectionByBehavior(['drop', 'equivocate', 'falsevote'], attackers, reference(), conduct);
    assert.deepEqual(out, [
      { behavior: 'drop', attackers: 2, acted: 1, detected: 1, detectedActed: 1, suspendSec: [1.5] },
      { behavior: 'equivocate', attackers: 2, acted: 1, detected: 2, detectedActed: 1, suspendSec: [1] },
      { behavior: 'falsevote', attackers: 0, acted: 0, detected: 0, detectedActed: 0, suspendSec: [] },
    ]);
  });

  it('summarizes a cell per behaviour: recall per run, recall over the ones that acted, mean time to suspension', () => {
    const b = (detected: number, detectedActed: number, acted: number, suspendSec: number[]) => ({ behavior: 'drop', attackers: 4, acted, detected, detectedActed, suspendSec });
    const [s] = summarizeBehaviors([run({ seed: 1, behaviors: [b(1, 1, 2, [4])] }), run({ seed: 2, behaviors: [b(3, 0, 0, [])] }), run({ engine: 'pos', behaviors: undefined })]);
    assert.equal(s!.attackers, 8);
    assert.equal(s!.acted, 2);
    assert.deepEqual([s!.recall!.n, s!.recall!.mean], [2, 0.5]);
    assert.deepEqual([s!.recallActed!.n, s!.recallActed!.mean], [1, 0.5], 'a run where nobody acted has no acted recall');
    assert.deepEqual([s!.suspendSec!.n, s!.suspendSec!.mean], [1, 4]);
    assert.deepEqual(summarizeBehaviors([run({ engine: 'pos', behaviors: undefined })]), []);
  });
});
