import { strict as assert } from 'node:assert';
import { type Address, addressOf } from '../../../../src/core/address.js';
import { encodeReports, suspectsAt } from '../../../../src/consensus/detection/ballot-reports.js';
import { signBallot } from '../../../../src/core/ballots.js';
import { toHex } from '../../../../src/core/bytes.js';
import type { BlockFacts, HeadRecord } from '../../../../src/core/chain-state.js';
import { makeEquivocationEvidence } from '../../../../src/core/evidence.js';
import type { KeyPair } from '../../../../src/core/keys.js';
import { type Account, ElectedRole, LedgerState, StateOverlay } from '../../../../src/core/ledger.js';
import { signVote } from '../../../../src/core/votes.js';
import { type Evidence, Vote } from '../../../../src/core/wire/posplus.js';
import { applyDetection, recordConduct } from '../../../../src/consensus/detection/chain-detection.js';
import { detectionView } from '../../../../src/consensus/detection/detection-view.js';
import { hasRights, isEvicted, isSuspended } from '../../../../src/consensus/ncca/account-view.js';
import { DEFAULT_NCCA_PARAMS, type NccaParams } from '../../../../src/consensus/ncca/params.js';
import { DEFAULT_AREA } from '../../../../src/core/genesis.js';
import { CHAIN, key } from '../../core/fixtures.js';

const N = 8;
const keys = Array.from({ length: N }, (_, i) => key(`det-${i}`));
const addr = (i: number): Address => addressOf(keys[i]!.publicKey);
const T0 = 1_700_000_000_000;
const HEIGHT_MS = 1_000;

/** Short windows so a scenario fits a few dozen heights; the rules are the node's. */
const P: NccaParams = {
  ...DEFAULT_NCCA_PARAMS,
  detection: {
    ...DEFAULT_NCCA_PARAMS.detection,
    interval: 5,
    graceHeights: 5,
    averaging: 0.3,
    roundTwo: { ...DEFAULT_NCCA_PARAMS.detection.roundTwo, rounds: 4, maxZeroRun: 3 },
  },
};

/** Every node in one cell (so all are each other's neighbours), equal stake, elected validators. */
function genesisLedger(stakes: number[] = keys.map(() => 100)): LedgerState {
  return ledgerOf((i) => ({ stake: stakes[i]!, position: { x: 10, y: 10 }, role: ElectedRole.validator }));
}

function ledgerOf(node: (i: number) => Pick<Account, 'stake' | 'position' | 'role'>): LedgerState {
  const ledger = new LedgerState();
  keys.forEach((k, i) => ledger.set(addr(i), { balance: 1_000, nonce: 0, capacity: 10, publicKey: k.publicKey, ...node(i) }));
  return ledger;
}

interface HeightScript {
  /** Who signs the certificate carried by the block and sends ballots. */
  present: number[];
  /** ns each present reporter gives each suspect (by node index); default 1000 for everyone else. */
  ns?: (reporter: number, suspect: number) => number | undefined;
  evidence?: Evidence[];
}

/** Runs one height of block bookkeeping on the ledger, as every replica does in afterTxs, and commits it. */
function runHeight(ledger: LedgerState, height: number, script: HeightScript): void {
  const timestamp = T0 + height * HEIGHT_MS;
  const suspects = suspectsAt(ledger.entries());
  const ballots = script.present.map((i) => {
    const reports = encodeReports(suspects, (s) => (s === addr(i) ? undefined : script.ns ? script.ns(i, keys.findIndex((_, j) => addr(j) === s)) : 1000));
    return signBallot(CHAIN, keys[i]!, height, 1, [], { reports });
  });
  const head: HeadRecord = { validators: keys.map((k) => ({ publicKey: toHex(k.publicKey), weight: 100 })), failedProposers: [] };
  const block: BlockFacts = {
    height,
    timestamp,
    proposer: keys[script.present[0]!]!.publicKey,
    lastCommit: height === 1 ? undefined : { height: height - 1, round: 0, blockHash: new Uint8Array(32), sigs: script.present.map((i) => ({ voter: keys[i]!.publicKey, signature: new Uint8Array(64) })) },
    evidence: script.evidence ?? [],
    txs: [],
    ballots,
    calls: [],
  };
  const state = new StateOverlay(ledger);
  applyDetection(state, block, head, recordConduct(state, block, head), P, DEFAULT_AREA);
  ledger.apply(state.changes);
}

const everyone = keys.map((_, i) => i);
const allBut = (...out: number[]) => everyone.filter((i) => !out.includes(i));
const timeAt = (height: number) => T0 + height * HEIGHT_MS;

function equivocation(offender: KeyPair, reporter: KeyPair, height: number): Evidence {
  const a = signVote(CHAIN, offender, { type: Vote.Type.PREVOTE, height, round: 0, blockHash: new Uint8Array(32).fill(1) });
  const b = signVote(CHAIN, offender, { type: Vote.Type.PREVOTE, height, round: 0, blockHash: new Uint8Array(32).fill(2) });
  return makeEquivocationEvidence(CHAIN, reporter, Vote.encode(a), Vote.encode(b), height);
}

describe('detection as block bookkeeping (round 1, round 2, penalties)', () => {
  it('a node that never votes becomes a suspect at the first detection height after its grace, is confirmed by its neighbours, and suspended', () => {
    const ledger = genesisLedger();
    const silent = 7;
    let suspectAt: number | undefined;
    let suspendedAt: number | undefined;
    for (let h = 1; h <= 30 && suspendedAt === undefined; h++) {
      runHeight(ledger, h, { present: allBut(silent), ns: (_, s) => (s === silent ? 0 : 1000) });
      const d = ledger.get(addr(silent))!.detection!;
      if (suspectAt === undefined && d.watch !== undefined) suspectAt = h;
      if (isSuspended(ledger.get(addr(silent)), timeAt(h))) suspendedAt = h;
    }
    // Grace ends at height 5 + 5 = 10; round 1 runs at multiples of 5.
    assert.equal(suspectAt, 10, 'suspect at the first detection height after the grace period');
    // Three zero rounds in a row (heights 11, 12, 13) confirm it.
    assert.equal(suspendedAt, 13);
    const d = ledger.get(addr(silent))!.detection!;
    assert.equal(d.confirmations, 1);
    assert.equal(d.suspendedUntil, timeAt(13) + 27_000, 'T1 = 27 s from the block time');
    assert.equal(ledger.get(addr(silent))!.role, undefined, 'the elected role is gone');
    assert.ok(ledger.get(addr(silent))!.credit! < DEFAULT_NCCA_PARAMS.credit.initial, 'credit lowered');
    // Nobody else is under suspicion, and the honest nodes' factors stayed clean.
    for (const i of allBut(silent)) {
      assert.equal(ledger.get(addr(i))!.detection!.watch, undefined, `node ${i} is not a suspect`);
      assert.ok(hasRights(ledger.get(addr(i)), timeAt(13)));
    }
    const view = detectionView(ledger, timeAt(13));
    assert.deepEqual(view.suspensions.map((s) => [s.address, s.height, s.active]), [[addr(silent), 13, true]]);
    assert.deepEqual(view.confirmed.map((c) => c.address), [addr(silent)]);
  });

  it('clears a slow but honest suspect: its neighbours keep hearing from it', () => {
    const ledger = genesisLedger();
    const slow = 6;
    // Slow: in every other certificate only, so round 1 names it; its ns stays near 1 (0.6 to 1.4).
    let named = false;
    for (let h = 1; h <= 40; h++) {
      const present = h % 2 === 0 ? everyone : allBut(slow);
      runHeight(ledger, h, { present, ns: (r, s) => (s === slow ? 600 + ((r * 131 + h * 71) % 800) : 1000) });
      named ||= ledger.get(addr(slow))!.detection!.watch !== undefined;
      assert.ok(hasRights(ledger.get(addr(slow)), timeAt(h)), `height ${h}: the slow node keeps its rights`);
    }
    assert.ok(named, 'round 1 did name the slow node (it lags), so round 2 is what cleared it');
    assert.equal(ledger.get(addr(slow))!.detection!.confirmations, 0);
  });

  it('a normal node is judged by its own cell, not by the normal nodes of a neighbouring cell that never hear it', () => {
    // Nodes 0-3 in the corner cell (0 elected), 4-7 normal in the centre cell, one hop away. A normal node speaks
    // only on its cell's topics, so 4-7 hear nothing from node 2 and report zero; its cell-mates hear it well.
    const ledger = ledgerOf((i) => ({
      stake: 100,
      position: i < 4 ? { x: 10, y: 10 } : { x: 4500, y: 4500 },
      ...(i === 0 ? { role: ElectedRole.validator } : {}),
    }));
    const slow = 2;
    let named = false;
    for (let h = 1; h <= 40; h++) {
      const present = h % 2 === 0 ? everyone : allBut(slow);
      runHeight(ledger, h, { present, ns: (r, s) => (s !== slow ? 1000 : r < 4 ? 900 : 0) });
      named ||= ledger.get(addr(slow))!.detection!.watch !== undefined;
      assert.ok(hasRights(ledger.get(addr(slow)), timeAt(h)), `height ${h}: the node keeps its rights`);
    }
    assert.ok(named, 'round 1 named it, so round 2 is what cleared it');
    assert.equal(ledger.get(addr(slow))!.detection!.confirmations, 0);
  });

  it('a lying minority of reporters cannot shield a silent node', () => {
    const ledger = genesisLedger();
    const silent = 7;
    const liars = [0, 1]; // report the silent node as lively
    let suspended = false;
    for (let h = 1; h <= 20; h++) {
      runHeight(ledger, h, { present: allBut(silent), ns: (r, s) => (s === silent ? (liars.includes(r) ? 1000 : 0) : 1000) });
      suspended ||= isSuspended(ledger.get(addr(silent)), timeAt(h));
    }
    assert.ok(suspended, 'the median of the reports still confirms it');
  });

  it('evidence confirms at once, and a burst of it counts once per detection interval', () => {
    const ledger = genesisLedger();
    const cheat = 3;
    runHeight(ledger, 1, { present: everyone });
    runHeight(ledger, 2, { present: everyone, evidence: [equivocation(keys[cheat]!, keys[0]!, 1), equivocation(keys[cheat]!, keys[1]!, 2)] });
    let d = ledger.get(addr(cheat))!.detection!;
    assert.equal(d.confirmations, 1, 'two items in one block are one confirmation');
    assert.equal(d.offences, 2, 'both count as offences (attack probability)');
    assert.ok(isSuspended(ledger.get(addr(cheat)), timeAt(2)));
    runHeight(ledger, 3, { present: allBut(cheat), evidence: [equivocation(keys[cheat]!, keys[2]!, 3)] });
    d = ledger.get(addr(cheat))!.detection!;
    assert.equal(d.confirmations, 1, 'again within the interval: no second confirmation');
  });

  it('caps the suspended share of the stake at 25 %: a confirmation beyond it waits as a deferred suspect', () => {
    const ledger = genesisLedger([100, 100, 100, 100, 100, 100, 100, 100]);
    runHeight(ledger, 1, { present: everyone });
    runHeight(ledger, 2, { present: everyone, evidence: [0, 1, 2].map((i) => equivocation(keys[i]!, keys[7]!, 1)) });
    const suspended = [0, 1, 2].filter((i) => isSuspended(ledger.get(addr(i)), timeAt(2)));
    assert.deepEqual(suspended.length, 2, 'two of eight (25 %) fit under the cap, the third does not');
    const waiting = [0, 1, 2].find((i) => !suspended.includes(i))!;
    const view = detectionView(ledger, timeAt(2));
    assert.deepEqual(view.suspects.map((s) => [s.address, s.deferred]), [[addr(waiting), true]]);
    // Once the first suspensions end (T1 = 27 s), the deferred one is suspended at the next height.
    let h = 3;
    while (!isSuspended(ledger.get(addr(waiting)), timeAt(h))) {
      runHeight(ledger, h, { present: allBut(0, 1, 2) });
      assert.ok(h < 60, 'the deferred suspension never came');
      if (isSuspended(ledger.get(addr(waiting)), timeAt(h))) break;
      h++;
    }
    assert.ok(timeAt(h) >= timeAt(2) + 27_000, 'not before the others made room');
  });

  it('evicts at the first confirmation after a suspension longer than 500 s, for good', () => {
    const ledger = genesisLedger();
    const cheat = 5;
    let h = 1;
    const step = (evidence?: Evidence[]) => runHeight(ledger, h++, { present: allBut(cheat), evidence });
    step();
    for (let round = 0; !isEvicted(ledger.get(addr(cheat))); round++) {
      assert.ok(round < 10, 'never evicted');
      step([equivocation(keys[cheat]!, keys[0]!, h)]);
      // Let the suspension run out and the interval pass, heights being 1 s apart.
      const until = ledger.get(addr(cheat))!.detection!.suspendedUntil;
      while (timeAt(h) <= until || h % P.detection.interval !== 0) step();
    }
    const d = ledger.get(addr(cheat))!.detection!;
    assert.equal(d.confirmations, 6, 'suspensions of 27, 83, 231, 500 and 769 s, then eviction');
    assert.equal(ledger.get(addr(cheat))!.role, undefined);
    for (let k = 0; k < 30; k++) step();
    assert.ok(isEvicted(ledger.get(addr(cheat))) && !hasRights(ledger.get(addr(cheat)), timeAt(h)), 'evicted stays evicted');
    assert.deepEqual(detectionView(ledger, timeAt(h)).evictions.map((e) => e.address), [addr(cheat)]);
  });
});
