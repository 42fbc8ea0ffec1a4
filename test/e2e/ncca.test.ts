import { strict as assert } from 'node:assert';
import { type LocalNode, useCluster, waitFor } from './support/local-cluster.js';

/**
 * End to end: 9 real nodes spread over several cells commit transactions. The test moves one node across a
 * cell boundary and shows its topic namespaces change while the chain goes on.
 *
 * The map (config/genesis.json): 9000 x 9000 m in 3 x 3 cells of 3000 m, cell = row * 3 + col.
 */
const CELL_M = 3000;
const GRID = 3;
const CELLS = GRID * GRID;
const EPOCH = 10;
const SINK = '0x00000000000000000000000000000000000000cc';

/** Where each node is placed: three nodes in cells 0 and 2 (so each has a normal node), one in 6 and 8. */
const PLACED = [0, 0, 0, 2, 2, 2, 6, 8, 4];
/** The last node starts in the middle cell and moves by random waypoint at up to 3000 m/s (a cell in 1-2 s). */
const MOVER = 8;
const MOBILITY_SPEED = 3000;

/** A point inside `cell`, 500 m apart per `k`, at least 500 m from every border. */
function positionIn(cell: number, k = 1): { x: number; y: number } {
  const col = cell % GRID;
  const row = Math.floor(cell / GRID);
  return { x: col * CELL_M + 500 + 500 * k, y: row * CELL_M + 500 + 500 * k };
}

interface NodeStatus {
  address: string;
  role: 'validator' | 'multi-region' | 'normal';
  cell: number;
  position: { x: number; y: number };
  height: number;
  topics: string[];
}

interface Region {
  cell: number;
  nodes: { address: string; position: { x: number; y: number } }[];
  validators: string[];
}

interface ValidatorRow {
  address: string;
  role: string;
  cell: number | null;
  credit: number | null;
  stake: number;
}

interface TxState {
  status: 'pending' | 'committed' | 'rejected';
  height?: number;
}

const status = (node: LocalNode) => node.rpc.call<NodeStatus>('node_status');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cellTopic = (cell: number, kind: 'tx' | 'vote') => `/cell/${cell}/${kind}`;
const has = (topics: string[], suffix: string) => topics.some((t) => t.endsWith(suffix));
/** The cells whose tx topic a node carries. */
const txCells = (topics: string[]) =>
  topics
    .map((t) => /\/cell\/(\d+)\/tx$/.exec(t)?.[1])
    .filter((c): c is string => c !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
/** The cells a regions_list answer lists `address` in. */
const cellsIn = (regions: Region[], address: string) => regions.filter((r) => r.nodes.some((n) => n.address === address)).map((r) => r.cell);
const ALL_CELLS = Array.from({ length: CELLS }, (_, c) => c);

/**
 * Polls a moving node until it reports a cell other than `before.cell`. Gives up (undefined) after `timeoutMs`,
 * or sooner when its position has not changed for 5 s: more than a waypoint pause, so it is not moving at all.
 */
async function movedOutOf(node: LocalNode, before: NodeStatus, timeoutMs: number): Promise<NodeStatus | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = before.position;
  let stillSince = Date.now();
  while (Date.now() < deadline) {
    const s = await status(node);
    if (s.cell !== before.cell) return s;
    if (s.position.x !== last.x || s.position.y !== last.y) {
      last = s.position;
      stillSince = Date.now();
    } else if (Date.now() - stillSince > 5_000) {
      return undefined;
    }
    await sleep(100);
  }
  return undefined;
}

describe('e2e: NCCA, 9 real nodes on 127.0.0.1 over several cells', function () {
  this.timeout(150_000);

  const cluster = useCluster(9, { ENGINE: 'ncca' }, (i) => {
    const p = positionIn(PLACED[i]!, i === MOVER ? 2 : i % 3);
    return { POSITION: `${p.x},${p.y}`, ...(i === MOVER ? { MOBILITY_SPEED: String(MOBILITY_SPEED) } : {}) };
  });
  const addresses: string[] = [];
  /** Every transfer the test got an id for, in order. */
  const sent: string[] = [];

  /**
   * Sends 1-unit transfers round-robin through every node until `enough` says so (and at least `min` went in),
   * then waits until every one of them is committed on node 0 and returns the highest commit height.
   */
  async function transfersUntil(enough: () => Promise<boolean>, min: number, timeoutMs = 40_000): Promise<number> {
    const ids: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; ids.length < min || !(await enough()); i++) {
      if (Date.now() > deadline) throw new Error(`transfers: the condition still did not hold after ${timeoutMs} ms (${ids.length} sent)`);
      const node = cluster.nodes[i % cluster.nodes.length]!;
      try {
        const { id } = await node.rpc.call<{ id: string }>('tx_send', { to: SINK, amount: 1 });
        ids.push(id);
        sent.push(id);
      } catch {
        // a node that is busy or restarting: the next one takes the transfer
      }
      await sleep(60);
    }
    const heights = await waitFor(`${ids.length} transfers to commit`, async () => {
      const states = await Promise.all(ids.map((id) => cluster.nodes[0]!.rpc.call<TxState>('tx_get', { id })));
      return states.every((s) => s.status === 'committed') && states.map((s) => s.height!);
    }, 30_000);
    return Math.max(...heights);
  }

  /** Every node holds the same block at `height`. */
  async function sameChainAt(height: number): Promise<void> {
    const hashes = await cluster.waitForHeight(height, 30_000);
    assert.equal(new Set(hashes).size, 1, `different blocks at height ${height}: ${hashes.join(', ')}`);
  }

  it('commits transfers past an epoch boundary: one chain everywhere, nodes located in their cells, roles elected per cell', async () => {
    for (const node of cluster.nodes) addresses.push((await status(node)).address);
    assert.ok(new Set(PLACED).size >= 4, 'the nodes sit in at least 4 cells');

    // Positions come from the candidacies, so every node is in its cell from genesis (the mover may since have
    // declared a new one with LOCATE); transfers go in until the chain has passed an epoch boundary.
    const allLocated = async () => {
      const list = await cluster.nodes[0]!.rpc.call<Region[]>('regions_list');
      return addresses.every((a, i) => {
        const cells = cellsIn(list, a);
        return cells.length === 1 && (i === MOVER || cells[0] === PLACED[i]);
      });
    };
    assert.ok(await allLocated(), 'every node is located in its cell from genesis');
    const checkedAt = (await status(cluster.nodes[0]!)).height;
    assert.ok(checkedAt < EPOCH, `the check above ran in the first epoch (height ${checkedAt})`);
    const top = await transfersUntil(async () => (await cluster.nodes[0]!.head()).height > EPOCH, 12, 60_000);
    assert.ok(top > EPOCH, `transfers committed up to height ${top}`);
    await sameChainAt(top);
    for (const node of cluster.nodes) assert.equal((await node.rpc.call<TxState>('tx_get', { id: sent.at(-1)! })).status, 'committed');

    const regions = await cluster.nodes[0]!.rpc.call<Region[]>('regions_list');
    const occupied = regions.filter((r) => r.nodes.length > 0).map((r) => r.cell);
    assert.ok(occupied.length >= 4, `nodes found in cells ${occupied.join(', ')}`);
    for (const cell of [0, 2, 6, 8]) {
      assert.ok(regions[cell]!.validators.length >= 1, `cell ${cell} has a validator: ${JSON.stringify(regions[cell])}`);
    }

    // Another node derives the same map from the same chain.
    const elsewhere = await cluster.nodes[5]!.rpc.call<Region[]>('regions_list');
    for (let i = 0; i < addresses.length; i++) {
      if (i === MOVER) continue;
      assert.ok(elsewhere[PLACED[i]!]!.nodes.some((n) => n.address === addresses[i]), `node 5 sees node ${i} in cell ${PLACED[i]}`);
    }

    // That election ran on those positions: per cell, validators and one multi-region validator.
    const validators = await cluster.nodes[3]!.rpc.call<ValidatorRow[]>('consensus_validators');
    const byAddress = new Map(validators.map((v) => [v.address, v]));
    assert.equal(validators.length, addresses.length, 'consensus_validators lists every registered node');
    assert.ok(validators.some((v) => v.role === 'validator' || v.role === 'multi-region'));
    for (const v of validators) {
      assert.ok(['validator', 'multi-region', 'normal'].includes(v.role), `role ${v.role}`);
      assert.equal(typeof v.credit, 'number');
      assert.ok(v.credit! > 0 && v.credit! <= 1, `credit ${v.credit} in (0, 1]`);
      assert.ok(v.stake > 0);
    }
    assert.ok(validators.some((v) => v.credit! > 0.5), 'signers gained credit over the first epoch');
    for (const [i, address] of addresses.entries()) {
      if (i === MOVER) continue;
      const v = byAddress.get(address);
      if (v) assert.equal(v.cell, PLACED[i], `validator node ${i} is reported in cell ${PLACED[i]}`);
    }
    for (const cell of [0, 2, 6, 8]) {
      const staticHere = addresses.filter((a, i) => i !== MOVER && PLACED[i] === cell);
      const multi = staticHere.filter((a) => byAddress.get(a)?.role === 'multi-region');
      // The mover may have been located in this cell at the election and won the cell's seat itself.
      assert.ok(multi.length <= 1, `cell ${cell} has at most one multi-region validator among its static nodes`);
    }
    assert.ok(validators.filter((v) => v.role === 'multi-region').length >= 4, 'one multi-region validator per occupied cell');
    // Cells 0 and 2 hold three static nodes each and elect ceil(0.6 * 3) = 2 (3 of 4 if the mover was there
    // too): each leaves a normal node outside the validator set, one of its own or the mover.
    for (const cell of [0, 2]) {
      const normal = addresses.filter((a, i) => (PLACED[i] === cell || i === MOVER) && byAddress.get(a)?.role === 'normal');
      assert.ok(normal.length >= 1, `cell ${cell} has a normal node this epoch`);
    }

    // An honest network gives detection nothing to act on.
    const detection = await cluster.nodes[1]!.rpc.call<{ confirmed: unknown[]; suspensions: unknown[]; evictions: unknown[] }>('detection_status');
    assert.deepEqual([detection.confirmed, detection.suspensions, detection.evictions], [[], [], []], 'no honest node confirmed, suspended or evicted');

    // Each role carries its topics: a normal node only its own cell's namespace and its inbox (no votes: it learns
    // decisions from certificates), a validator also every cell's transactions and the approval topic, a
    // multi-region validator also /multi/vote.
    let last: NodeStatus[] = [];
    await waitFor('topics to follow the elected roles', async () => {
      const statuses = (last = await Promise.all(cluster.nodes.map(status)));
      const fits = statuses.every((s) => {
        if (!has(s.topics, cellTopic(s.cell, 'vote')) || !has(s.topics, cellTopic(s.cell, 'tx'))) return false;
        if (!has(s.topics, `/inbox/${s.address.slice(2)}`)) return false;
        const tx = txCells(s.topics);
        if (s.role === 'normal') return tx.length === 1 && tx[0] === s.cell && !has(s.topics, '/multi/vote') && !has(s.topics, '/approval');
        return tx.length === CELLS && has(s.topics, '/approval') && (s.role !== 'multi-region' || has(s.topics, '/multi/vote'));
      });
      return fits && statuses.some((s) => s.role === 'normal') && statuses.some((s) => s.role === 'multi-region');
    }, 20_000).catch((err: Error) => {
      const lines = last.map((s, i) => `node ${i} ${s.role} cell ${s.cell} height ${s.height}: ${s.topics.map((t) => t.replace(/^\/posplus\/[^/]+/, '')).join(' ')}`);
      throw new Error(`${err.message}\n${lines.join('\n')}`);
    });
  });

  it('moves a node across a cell boundary: its topic namespaces follow while the chain goes on', async () => {
    const mover = cluster.nodes[MOVER]!;
    const address = addresses[MOVER]!;
    const before = await waitFor('the mover to carry its cell namespace', async () => {
      const s = await status(mover);
      return has(s.topics, cellTopic(s.cell, 'vote')) && s;
    });
    const from = before.cell;
    const heightBefore = (await cluster.nodes[0]!.head()).height;

    // At up to 3000 m/s the node crosses a 3000 m cell in 1-2 s; random waypoint pauses 2 s at each waypoint.
    let after = await movedOutOf(mover, before, 10_000);
    if (after === undefined) {
      // Random waypoint draws its legs at random; force the cell change with a restart at a new POSITION.
      const stuck = (await status(mover)).position;
      const to = from === 5 ? 3 : 5;
      console.warn(
        `      [ncca e2e] MOBILITY_SPEED=${MOBILITY_SPEED} did not take node ${MOVER} out of cell ${from} ` +
          `(position ${JSON.stringify(before.position)} then ${JSON.stringify(stuck)}); restarting it at a POSITION in cell ${to}`,
      );
      await mover.stop();
      const p = positionIn(to);
      Object.assign(mover.env, { POSITION: `${p.x},${p.y}`, MOBILITY_SPEED: '0' });
      mover.start();
      after = await waitFor('the restarted node to carry its new cell namespace', async () => {
        const s = await status(mover);
        return has(s.topics, cellTopic(s.cell, 'vote')) && s;
      }, 30_000);
    }
    const to = after.cell;
    assert.notEqual(to, from);
    assert.ok(has(before.topics, cellTopic(from, 'vote')), `before: ${before.topics.join(' ')}`);
    assert.ok(has(after.topics, cellTopic(to, 'vote')), `after the move the node carries ${cellTopic(to, 'vote')}: ${after.topics.join(' ')}`);
    assert.ok(has(after.topics, cellTopic(to, 'tx')), `after the move the node carries ${cellTopic(to, 'tx')}: ${after.topics.join(' ')}`);
    assert.ok(!has(after.topics, cellTopic(from, 'vote')), `after the move the node left ${cellTopic(from, 'vote')}: ${after.topics.join(' ')}`);
    const tx = txCells(after.topics);
    assert.ok(
      (tx.length === 1 && tx[0] === to) || tx.join() === ALL_CELLS.join(),
      `tx topics are the own cell's (normal node) or every cell's (validator): ${tx.join(',')}`,
    );

    // The chain goes on: transfers sent through every node, the mover included, commit with one chain everywhere.
    const top = await transfersUntil(async () => true, 2 * cluster.nodes.length);
    assert.ok(top > heightBefore, `committed past height ${heightBefore} after the move (up to ${top})`);
    await sameChainAt(top);

    // The mover's LOCATE is committed: the chain has it in the cell it is in now, not the one it left.
    await waitFor('regions_list to show the mover in its new cell', async () => {
      const [s, list] = await Promise.all([status(mover), cluster.nodes[0]!.rpc.call<Region[]>('regions_list')]);
      const cells = cellsIn(list, address);
      return s.cell !== from && cells.length === 1 && cells[0] === s.cell;
    }, 30_000, 100);
  });
});
