/**
 * A pinned genesis: `posplus genesis` writes a genesis file naming its members, and nodes started with it form
 * their chain on exactly those members, with no ceremony and no secret.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressOf } from '../../src/core/address.js';
import { toHex } from '../../src/core/bytes.js';
import { writeNewKeyFile } from '../../src/node/identity.js';
import { LocalNode, freePorts, runCli, waitFor } from './support/local-cluster.js';

describe('e2e: a pinned genesis written by `posplus genesis`', function () {
  this.timeout(90_000);
  let dir: string;
  const nodes: LocalNode[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'posplus-pinned-'));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('names the members given by key file or public key, and two nodes form one chain on exactly them', async () => {
    const keys = await Promise.all([0, 1].map((i) => writeNewKeyFile(join(dir, `node-${i}`, 'node.key'))));
    const file = join(dir, 'pinned.json');
    const made = await runCli(['genesis', '--member', join(dir, 'node-0', 'node.key'), '--member', toHex(keys[1]!.keyPair.publicKey), '--out', file]);
    assert.equal(made.code, 0, made.stderr);
    const spec = JSON.parse(await readFile(file, 'utf8')) as { members: string[] };
    assert.deepEqual(spec.members, keys.map((k) => toHex(k.keyPair.publicKey)).sort());
    const again = await runCli(['genesis', '--member', toHex(keys[0]!.keyPair.publicKey), '--out', file]);
    assert.equal(again.code, 2, 'an existing file is never overwritten');

    const ports = await freePorts(4);
    for (const i of [0, 1]) {
      const other = 1 - i;
      nodes.push(new LocalNode(join(dir, `node-${i}`), ports[2 * i]!, ports[2 * i + 1]!, { CHAIN_ID: 'posplus-pinned', GENESIS: file, KNOWN_NODES: `localhost:${ports[2 * other]}` }));
    }
    for (const n of nodes) n.start();
    await waitFor('both nodes at height 1', async () => (await Promise.all(nodes.map((n) => n.head()))).every((h) => h.height >= 1), 60_000);
    const statuses = await Promise.all(nodes.map((n) => n.rpc.call<{ genesis: { hash: string; members: string[] } }>('node_status')));
    assert.equal(statuses[0]!.genesis.hash, statuses[1]!.genesis.hash);
    assert.deepEqual([...statuses[0]!.genesis.members].sort(), keys.map((k) => addressOf(k.keyPair.publicKey)).sort());
    const [a, b] = await Promise.all(nodes.map((n) => n.rpc.call<{ hash: string }>('chain_block', { height: 1 })));
    assert.equal(a!.hash, b!.hash);
  });
});
