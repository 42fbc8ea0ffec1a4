import { strict as assert } from 'node:assert';
import { type Address, addressOf } from '../../src/core/address.js';
import { headerOf } from '../../src/core/block.js';
import { compareBytes, fromHex, type Hex } from '../../src/core/bytes.js';
import { genesisState } from '../../src/core/genesis.js';
import { type Account, ElectedRole, LedgerState } from '../../src/core/ledger.js';
import type { Role } from '../../src/consensus/engine.js';
import { CREDIT_MAX } from '../../src/consensus/ncca/credit.js';
import type { Area } from '../../src/geo/grid.js';
import { Prng } from '../../src/core/prng.js';
import { ReplicaNetwork } from '../../src/sim/replica-network.js';
import {
  allCommitted,
  cellIn,
  creditIn,
  disagreementsAmong,
  hasCommitted,
  locateIn,
  mapOf,
  nccaEngine,
  nccaParams,
  range,
  rootOf,
  send,
} from './support/ncca-sim.js';

/**
 * NCCA-specific behaviour over the replica network: positions and cells on chain, the per-epoch election,
 * credit, the credit-weighted proposer roulette, and re-location. Every expectation is derived here from the
 * rules in DESIGN §5 and src/consensus/ncca (elections.ts, credit.ts, roulette.ts), not by calling them.
 */

const EPOCH = 4;
const params = nccaParams(EPOCH);
const engine = nccaEngine(params);

/** N1 for a cell of n staked nodes: max(1, ceil(0.6·n)), spelled out for the sizes used here. */
const N1: Record<number, number> = { 1: 1, 2: 2, 3: 2, 4: 3, 5: 3 };

const roleName = (a: Account | undefined): Role =>
  a?.role === ElectedRole.multiRegion ? 'multi-region' : a?.role === ElectedRole.validator ? 'validator' : 'normal';

/** address → role name for every staked account of a ledger. */
function rolesIn(state: { entries(): IterableIterator<[Address, Account]> }): Map<Address, Role> {
  const out = new Map<Address, Role>();
  for (const [address, a] of [...state.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) if (a.stake > 0) out.set(address, roleName(a));
  return out;
}

const minHeight = (net: ReplicaNetwork, replicas: readonly number[]): number => Math.min(...replicas.map((i) => net.replica(i).height));

/**
 * One transfer at a time from the live replicas in turn, each waited for, until every live replica is at
 * `height` or beyond. Only live replicas send (a crashed replica would lose the transaction and its nonce).
 */
function advanceTo(net: ReplicaNetwork, height: number, live: readonly number[]): void {
  for (let k = 0; minHeight(net, live) < height; k++) {
    const from = live[k % live.length]!;
    const id = send(net, from, live[(k + 1) % live.length]!);
    assert.ok(net.runUntil(() => allCommitted(net, [id], live), 60_000), `stalled at heights ${net.heights()} (target ${height})`);
  }
}

/** Every replica's ledger after each of its committed heights, rebuilt from genesis and its commits' changes. */
function statesOf(net: ReplicaNetwork, index: number): LedgerState[] {
  const state = genesisState(net.genesis);
  const out: LedgerState[] = [snapshot(state)];
  const log = net.replica(index).log;
  for (let h = 1; log.has(h); h++) {
    state.apply(log.get(h)!.changes);
    out.push(snapshot(state));
  }
  return out;
}

function snapshot(state: LedgerState): LedgerState {
  const copy = new LedgerState();
  copy.apply(new Map(state.entries()));
  return copy;
}

/** 10 replicas: 4 in one cell and 3 in each of two others, declared by LOCATE at the start. */
function cellNetwork(seed: string): { net: ReplicaNetwork; cellOf: Map<number, number>; cells: number[]; locates: Hex[] } {
  const net = new ReplicaNetwork({ seed, size: 10, engine, baseDelayMs: 5, jitterMs: 40, dropRate: 0.02, relay: true });
  const prng = Prng.from(seed);
  const area = mapOf(net);
  const cells = prng.shuffle(range(area.grid * area.grid)).slice(0, 3);
  const order = prng.shuffle(range(10));
  const cellOf = new Map<number, number>();
  order.forEach((replica, k) => cellOf.set(replica, cells[k < 4 ? 0 : k < 7 ? 1 : 2]!));
  const locates = range(10).map((i) => locateIn(net, i, cellOf.get(i)!));
  return { net, cellOf, cells, locates };
}

function assertSafe(net: ReplicaNetwork): void {
  assert.deepEqual(net.violations, [], 'the harness saw a safety violation');
  assert.deepEqual(net.disagreements(), [], 'two replicas finalized different blocks at one height');
}

function assertSameRoots(net: ReplicaNetwork, replicas: readonly number[]): void {
  const heights = new Set(replicas.map((i) => net.replica(i).height));
  assert.equal(heights.size, 1, `replicas are at different heights: ${net.heights()}`);
  const roots = new Set(replicas.map((i) => rootOf(net, i)));
  assert.equal(roots.size, 1, 'replicas at one height hold different ledgers (state roots differ)');
}

/**
 * The first-epoch election as DESIGN §5 and elections.ts state it, computed here from the ledger: per cell the
 * N1 staked nodes ranked by stake, then capacity, then lower public key are validators; of each cell's
 * validators the one with the most capacity, then credit, then lower key is its multi-region validator.
 */
function expectedFirstElection(state: LedgerState, area: Area): Map<Address, Role> {
  const byCell = new Map<number, [Address, Account][]>();
  for (const [address, a] of state.entries()) {
    if (a.stake === 0) continue;
    const cell = cellIn(area, a);
    assert.ok(cell !== undefined, `${address} has no position at the election`);
    byCell.set(cell, [...(byCell.get(cell) ?? []), [address, a]]);
  }
  const out = new Map<Address, Role>();
  for (const members of byCell.values()) {
    const ranked = [...members].sort(([, a], [, b]) => b.stake - a.stake || b.capacity - a.capacity || compareBytes(a.publicKey!, b.publicKey!));
    const elected = ranked.slice(0, N1[members.length]);
    for (const [address] of members) out.set(address, 'normal');
    for (const [address] of elected) out.set(address, 'validator');
    const multi = [...elected].sort(
      ([x, a], [y, b]) => b.capacity - a.capacity || creditIn(state, y, params) - creditIn(state, x, params) || compareBytes(a.publicKey!, b.publicKey!),
    )[0]!;
    out.set(multi[0], 'multi-region');
  }
  return new Map([...out.entries()].sort(([x], [y]) => (x < y ? -1 : 1)));
}

describe('sim: NCCA consensus (cells, elections, credit, roulette, re-location)', function () {
  this.timeout(120_000);

  it('replicas LOCATE into three cells; after the first epoch boundary every replica holds the same roles, N1 per cell, and only the elected validators sign', () => {
    const { net, cellOf, cells, locates } = cellNetwork('ncca-elect');
    const all = range(10);
    assert.ok(net.runUntil(() => allCommitted(net, locates, all), 30_000), `the LOCATEs did not commit; heights ${net.heights()}`);
    const locatedAt = Math.max(...[...net.replica(0).log.entries()].filter(([, c]) => c.txIds.some((id) => locates.includes(id))).map(([h]) => h));
    assert.ok(locatedAt < EPOCH, `the LOCATEs should be on chain before the first election (last at height ${locatedAt})`);
    advanceTo(net, EPOCH, all);
    assert.ok(net.settle(20_000));
    assertSafe(net);

    const area = mapOf(net);
    for (const i of all) {
      const me = net.replica(i).chain.ledger.get(net.replica(i).address);
      assert.equal(cellIn(area, me), cellOf.get(i), `replica ${i}: its cell on chain`);
    }

    const atElection = statesOf(net, 0)[EPOCH]!;
    const expected = expectedFirstElection(atElection, area);
    for (const i of all) {
      const states = statesOf(net, i);
      assert.deepEqual(rolesIn(states[EPOCH - 1]!), new Map([...expected.keys()].map((a) => [a, 'normal'])), `replica ${i}: before the first election nobody holds a role`);
      assert.deepEqual(rolesIn(states[EPOCH]!), expected, `replica ${i}: roles elected at height ${EPOCH}`);
      assert.deepEqual(rolesIn(net.replica(i).chain.ledger), expected, `replica ${i}: roles now`);
    }
    // N1 per cell, exactly one multi-region validator per cell, drawn from its validators.
    for (const cell of cells) {
      const members = all.filter((i) => cellOf.get(i) === cell).map((i) => net.replica(i).address);
      const roles = members.map((a) => expected.get(a)!);
      assert.equal(roles.filter((r) => r !== 'normal').length, N1[members.length], `cell ${cell}: ${members.length} nodes elect N1 = ${N1[members.length]}`);
      assert.equal(roles.filter((r) => r === 'multi-region').length, 1, `cell ${cell}: one multi-region validator`);
    }
    const elected = [...expected].filter(([, r]) => r !== 'normal').map(([a]) => a).sort();
    assert.equal(elected.length, 3 + 2 + 2);

    // What every engine shows: its own role, and the same validator list everywhere.
    for (const i of all) {
      const r = net.replica(i);
      assert.equal(r.engine.status().role, expected.get(r.address), `replica ${i}: engine role`);
      const views = r.engine.validators();
      assert.deepEqual(views.filter((v) => v.role !== 'normal').map((v) => v.address).sort(), elected, `replica ${i}: validator list`);
      assert.equal(views.length, all.length, `replica ${i}: every registered node is listed`);
      for (const v of views) {
        assert.equal(v.role, expected.get(v.address));
        assert.equal(v.cell, cellOf.get(all.find((k) => net.replica(k).address === v.address)!));
      }
    }

    // Consensus goes on with the 7 elected: a normal node's transfer commits everywhere, and from the block
    // after the election on, every certificate is signed by elected validators only, with more than β2 of them.
    const normal = all.find((i) => expected.get(net.replica(i).address) === 'normal')!;
    const id = send(net, normal, (normal + 1) % 10, 5);
    assert.ok(net.runUntil(() => allCommitted(net, [id], all), 30_000), `a normal node's transfer did not commit; heights ${net.heights()}`);
    advanceTo(net, EPOCH + 3, all);
    for (const [h, c] of net.replica(0).log) {
      if (h <= EPOCH) continue;
      const signers = c.certificate.sigs.map((s) => addressOf(s.voter));
      for (const s of signers) assert.ok(elected.includes(s), `height ${h}: certificate signed by ${s}, who is not elected`);
      assert.ok(signers.length * 10 > elected.length * 7, `height ${h}: ${signers.length} of ${elected.length} signers is not above β2`);
      assert.ok(elected.includes(addressOf(headerOf(c.block).proposer)), `height ${h}: proposed by a non-validator`);
    }
    assert.ok(net.settle(20_000));
    assertSafe(net);
    assertSameRoots(net, all);
  });

  it('credit moves identically everywhere: signers up, an absent (crashed) validator down every height; at the next election it loses its seat to its cell’s normal node', () => {
    const { net, cellOf } = cellNetwork('ncca-credit');
    const all = range(10);
    advanceTo(net, EPOCH, all);
    assert.ok(net.settle(20_000));
    const roles = rolesIn(net.replica(0).chain.ledger);
    // The cell of four: three validators and one normal node. Crash one of its validators (not its multi-region one).
    const big = [...new Set(cellOf.values())].find((c) => all.filter((i) => cellOf.get(i) === c).length === 4)!;
    const members = all.filter((i) => cellOf.get(i) === big);
    const victim = members.find((i) => roles.get(net.replica(i).address) === 'validator')!;
    const normal = members.find((i) => roles.get(net.replica(i).address) === 'normal')!;
    assert.ok(victim !== undefined && normal !== undefined, `cell ${big}: roles ${members.map((i) => roles.get(net.replica(i).address))}`);
    const crashedAfter = net.replica(victim).height;
    net.crash(victim);
    const live = all.filter((i) => i !== victim);
    advanceTo(net, 2 * EPOCH + 1, live);
    assert.ok(net.settle(20_000));
    assertSafe(net);
    assertSameRoots(net, live);

    // Credit, height by height, from the canonical chain (replica 0's log; every live replica holds the same).
    const states = statesOf(net, 0);
    const log = net.replica(0).log;
    const victimAddress = net.replica(victim).address;
    const normalAddress = net.replica(normal).address;
    let victimFalls = 0;
    for (let h = 2; log.has(h); h++) {
      const parent = log.get(h - 1)!.headRecord;
      const validators = parent.validators.map((v) => addressOf(fromHex(v.publicKey)));
      const signers = new Set(log.get(h)!.block.lastCommit!.sigs.map((s) => addressOf(s.voter)));
      const penalised = new Set([...parent.failedProposers, ...log.get(h)!.evidence.map((e) => e.offender)]);
      const before = states[h - 1]!;
      const after = states[h]!;
      for (const [address, account] of after.entries()) {
        if (account.stake === 0) continue;
        const was = creditIn(before, address, params);
        const now = creditIn(after, address, params);
        if (!validators.includes(address) && !signers.has(address) && !penalised.has(address)) {
          assert.equal(now, was, `height ${h}: ${address} was not a validator, yet its credit moved`);
        } else if (penalised.has(address)) {
          continue; // a failed proposer or offender: up for signing and down for the penalty in one height
        } else if (signers.has(address)) {
          assert.ok(now > was || now === CREDIT_MAX, `height ${h}: signer ${address} did not gain credit (${was} → ${now})`);
        } else {
          assert.ok(now < was || now === 0, `height ${h}: absent validator ${address} did not lose credit (${was} → ${now})`);
        }
      }
      // From the first certificate it could not sign, the crashed validator loses credit at every height it is
      // a validator of (absent, and maybe a failed proposer too), and never gains.
      if (h > crashedAfter + 1) {
        assert.ok(!signers.has(victimAddress), `height ${h}: the crashed validator is in a certificate`);
        const was = creditIn(before, victimAddress, params);
        const now = creditIn(after, victimAddress, params);
        if (validators.includes(victimAddress)) {
          assert.ok(now < was, `height ${h}: the crashed validator's credit did not fall (${was} → ${now})`);
          victimFalls++;
        } else {
          assert.equal(now, was, `height ${h}: the crashed replica is no validator now, yet its credit moved`);
        }
      }
    }
    assert.ok(victimFalls >= 3, `the crashed validator should have lost credit at each of the heights it missed (${victimFalls})`);
    // Identical on every live replica: the same credit for everyone, at every height.
    for (const i of live) {
      const mine = statesOf(net, i);
      for (let h = 1; h < mine.length; h++) {
        for (const [address] of mine[h]!.entries()) assert.equal(creditIn(mine[h]!, address, params), creditIn(states[h]!, address, params), `replica ${i}, height ${h}, ${address}`);
      }
    }

    // The election at 2·EPOCH ranks by credit: the crashed validator falls below its cell's normal node and swaps places.
    const atElection = states[2 * EPOCH]!;
    assert.ok(creditIn(atElection, victimAddress, params) < creditIn(atElection, normalAddress, params), 'the absent validator should have less credit than the normal node');
    const newRoles = rolesIn(atElection);
    assert.equal(newRoles.get(victimAddress), 'normal', 'the absent validator is not re-elected');
    assert.notEqual(newRoles.get(normalAddress), 'normal', 'the normal node of its cell takes the seat');
    assert.equal(members.filter((i) => newRoles.get(net.replica(i).address) !== 'normal').length, N1[4]);
    for (const i of live) assert.deepEqual(rolesIn(net.replica(i).chain.ledger), newRoles, `replica ${i}: roles after the election`);

    // Back up, the crashed replica catches up through sync to the same state, as a normal node.
    net.restart(victim);
    const id = send(net, live[0]!, live[1]!);
    assert.ok(net.runUntil(() => allCommitted(net, [id], all), 60_000), `the restarted replica did not catch up; heights ${net.heights()}`);
    assert.ok(net.settle(20_000));
    assertSafe(net);
    assertSameRoots(net, all);
    assert.equal(net.replica(victim).engine.status().role, 'normal');
  });

  it('the proposer roulette follows credit: over many heights each validator proposes about as often as its credit share predicts, and low-credit validators less', () => {
    // 7 validators, no positions (so all stay validators); one is offline three seconds in four, so it misses the
    // certificates of the heights it sleeps through, and its credit drifts below the others'. (Being merely slow
    // no longer does that: the next block carries the precommits that came after the quorum.)
    const net = new ReplicaNetwork({ seed: 'ncca-roulette', size: 7, engine, baseDelayMs: 5, jitterMs: 30, relay: true });
    const all = range(7);
    net.setBehaviors(5, [{ kind: 'offline', onSec: 1, offSec: 3 }], 'ncca-roulette/5');
    const HEIGHTS = 120;
    advanceTo(net, HEIGHTS, all.slice(0, 5).concat(6));
    assertSafe(net);

    const states = statesOf(net, 0);
    const log = net.replica(0).log;
    const observed = new Map<Address, number>(all.map((i) => [net.replica(i).address, 0]));
    const expected = new Map<Address, number>(all.map((i) => [net.replica(i).address, 0]));
    const variance = new Map<Address, number>(all.map((i) => [net.replica(i).address, 0]));
    const creditSum = new Map<Address, number>(all.map((i) => [net.replica(i).address, 0]));
    for (let h = 1; h <= HEIGHTS; h++) {
      const c = log.get(h)!;
      // The roulette's pick is the round-0 proposer; when its round failed, the block names a later one.
      const proposer = c.headRecord.failedProposers[0] ?? addressOf(headerOf(c.block).proposer);
      observed.set(proposer, observed.get(proposer)! + 1);
      // The wheel of height h: its validators, slot = credit after h − 1, only those within the cutoff of the best.
      const members = c.headRecord.validators.map((v) => addressOf(fromHex(v.publicKey)));
      const credit = members.map((a) => creditIn(states[h - 1]!, a, params));
      const best = Math.max(...credit);
      const slots = credit.map((cr) => (cr > 0 && cr >= params.rouletteCutoff * best ? cr : 0));
      const total = slots.reduce((x, y) => x + y, 0);
      members.forEach((a, k) => {
        const p = slots[k]! / total;
        expected.set(a, expected.get(a)! + p);
        variance.set(a, variance.get(a)! + p * (1 - p));
        creditSum.set(a, creditSum.get(a)! + credit[k]!);
      });
    }
    const rows = all.map((i) => {
      const a = net.replica(i).address;
      return { i, observed: observed.get(a)!, expected: expected.get(a)!, sd: Math.sqrt(variance.get(a)!), credit: creditSum.get(a)! / HEIGHTS };
    });
    const table = rows.map((r) => `${r.i}: ${r.observed} proposed, ${r.expected.toFixed(1)} expected, mean credit ${Math.round(r.credit)}`).join('\n');
    for (const r of rows) assert.ok(Math.abs(r.observed - r.expected) <= 4 * r.sd + 2, `replica ${r.i} is off its credit share:\n${table}`);
    // All together: Pearson's χ² over the validators with a real share stays below the 0.1% point for 6 degrees of freedom.
    const chi2 = rows.filter((r) => r.expected >= 5).reduce((x, r) => x + (r.observed - r.expected) ** 2 / r.expected, 0);
    assert.ok(chi2 < 22.46, `proposals do not follow the credit shares (χ² = ${chi2.toFixed(1)}):\n${table}`);
    const byCredit = [...rows].sort((a, b) => a.credit - b.credit);
    assert.ok(byCredit[0]!.credit < 0.8 * byCredit[6]!.credit, `the sleeping validator should end up with clearly less credit:\n${table}`);
    const low = byCredit.slice(0, 2).reduce((n, r) => n + r.observed, 0);
    const high = byCredit.slice(-2).reduce((n, r) => n + r.observed, 0);
    assert.ok(low < high, `the two lowest-credit validators should propose less than the two highest:\n${table}`);
  });

  it('a replica that re-locates into another cell changes cell on chain at once, keeps its role for the epoch, and gets the role of its new cell at the next election', () => {
    const { net, cellOf, cells } = cellNetwork('ncca-move');
    const all = range(10);
    advanceTo(net, EPOCH, all);
    const area = mapOf(net);
    const roles = rolesIn(net.replica(0).chain.ledger);
    // A validator of the cell of four moves to a cell where nobody is.
    const from = [...new Set(cellOf.values())].find((c) => all.filter((i) => cellOf.get(i) === c).length === 4)!;
    const mover = all.find((i) => cellOf.get(i) === from && roles.get(net.replica(i).address) !== 'normal')!;
    const to = range(area.grid * area.grid).find((c) => !cells.includes(c))!;
    const moverAddress = net.replica(mover).address;
    const oldRole = roles.get(moverAddress)!;
    const id = locateIn(net, mover, to);
    assert.ok(net.runUntil(() => allCommitted(net, [id], all), 30_000), `the re-LOCATE did not commit; heights ${net.heights()}`);
    const movedAt = [...net.replica(0).log.entries()].find(([, c]) => c.txIds.includes(id))![0];
    const nextElection = Math.ceil((movedAt + 1) / EPOCH) * EPOCH;
    assert.ok(movedAt % EPOCH !== 0, 'the move should land inside an epoch for this check (choose another seed)');
    advanceTo(net, nextElection, all);
    assert.ok(net.settle(20_000));
    assertSafe(net);
    for (const i of all) {
      const states = statesOf(net, i);
      assert.equal(cellIn(area, states[movedAt - 1]!.get(moverAddress)), from, `replica ${i}: before the move`);
      for (let h = movedAt; h < nextElection; h++) {
        assert.equal(cellIn(area, states[h]!.get(moverAddress)), to, `replica ${i}, height ${h}: the new cell is on chain from the LOCATE on`);
        assert.equal(roleName(states[h]!.get(moverAddress)), oldRole, `replica ${i}, height ${h}: the role holds until the epoch ends`);
      }
      const elected = rolesIn(states[nextElection]!);
      // Alone in its new cell: N1 = 1, so it is that cell's validator and its multi-region validator.
      assert.equal(elected.get(moverAddress), 'multi-region', `replica ${i}: the mover's role in its new cell`);
      const left = all.filter((k) => k !== mover && cellOf.get(k) === from).map((k) => net.replica(k).address);
      assert.equal(left.filter((a) => elected.get(a) !== 'normal').length, N1[3], `replica ${i}: the old cell, now of 3, elects N1 = ${N1[3]}`);
      assert.equal(left.filter((a) => elected.get(a) === 'multi-region').length, 1);
    }
    assertSameRoots(net, all);
    assert.ok(hasCommitted(net, mover, id));
    assert.deepEqual(disagreementsAmong(net, all), []);
  });
});
