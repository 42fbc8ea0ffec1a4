/**
 * A node restarted on its data directory with another CHAIN_ID or genesis file than the chain there was made with
 * must stop and say so, rather than run a chain its peers and its own store disagree about.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { PACKAGE_ROOT } from '../../src/node/config.js';
import { accountKey, decodeAccount, encodeAccount } from '../../src/node/store-keys.js';
import { LocalNode, freePorts, waitFor } from './support/local-cluster.js';

describe('e2e: a restart with other chain settings', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'posplus-restart-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(env: Record<string, string>): Promise<LocalNode> {
    const [p2p, rpc] = await freePorts(2);
    const node = new LocalNode(join(dir, 'data'), p2p!, rpc!, { GENESIS_NODES: '1', ...env });
    node.start();
    return node;
  }

  /** A chain commits only what it is given: a transfer makes block 1. */
  async function commitBlock1(node: LocalNode): Promise<void> {
    await waitFor('the chain ready', async () => (await node.rpc.call<{ genesis?: unknown }>('node_status')).genesis !== undefined);
    await node.rpc.call('tx_send', { to: '0x00000000000000000000000000000000000000aa', amount: 1 });
    await waitFor('block 1 stored', async () => (await node.head()).height >= 1);
  }

  // 'close', not 'exit': by then the whole of stderr has been read.
  const exitOf = (node: LocalNode) => new Promise<number | null>((resolve) => node.proc!.once('close', (code) => resolve(code)));

  it('stops with exit 2 naming the stored genesis when CHAIN_ID or the genesis file changed', async () => {
    const first = await run({ CHAIN_ID: 'posplus-restart-a' });
    await commitBlock1(first);
    assert.equal(await first.stop(), 0);

    const renamed = await run({ CHAIN_ID: 'posplus-restart-b' });
    assert.equal(await exitOf(renamed), 2);
    assert.match(renamed.stderr, /holds the chain of genesis [0-9a-f]{64}, and CHAIN_ID "posplus-restart-b"/);

    const spec = JSON.parse(await readFile(join(PACKAGE_ROOT, 'config/genesis.json'), 'utf8')) as { member: { balance: number } };
    const otherGenesis = join(dir, 'other-genesis.json');
    await writeFile(otherGenesis, JSON.stringify({ ...spec, member: { ...spec.member, balance: spec.member.balance + 1 } }));
    const respecced = await run({ CHAIN_ID: 'posplus-restart-a', GENESIS: otherGenesis });
    assert.equal(await exitOf(respecced), 2);
    assert.match(respecced.stderr, /other-genesis\.json make another/);

    const same = await run({ CHAIN_ID: 'posplus-restart-a' });
    await waitFor('the original settings start again', async () => (await same.head()).height >= 1);
    assert.equal(await same.stop(), 0);
  });

  it('stops when the accounts on disk do not match the state root of the head block', async () => {
    const node = await run({ CHAIN_ID: 'posplus-restart-a' });
    await commitBlock1(node);
    const { address } = await node.rpc.call<{ address: string }>('node_status');
    assert.equal(await node.stop(), 0);
    // Damage the store behind the node's back: one account's balance changes, nothing else.
    const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'data', 'chain'), { keyEncoding: 'view', valueEncoding: 'view' });
    const key = accountKey(address);
    const account = decodeAccount((await db.get(key))!);
    await db.put(key, encodeAccount({ ...account, balance: account.balance + 1 }));
    await db.close();
    const damaged = await run({ CHAIN_ID: 'posplus-restart-a' });
    assert.equal(await exitOf(damaged), 1);
    assert.match(damaged.stderr, /do not match the state root of its head block \d+: the store is damaged/);
  });
});
