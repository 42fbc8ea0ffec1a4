import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { addressBytesOf, addressOf } from '../../../src/core/address.js';
import { blockHash, buildBlock, headerOf } from '../../../src/core/block.js';
import { toHex } from '../../../src/core/bytes.js';
import { ChainState, DEFAULT_CHAIN_PARAMS, type Head, NO_BLOCK_RULES } from '../../../src/core/chain-state.js';
import { genesisState, type GenesisSpec, makeGenesis } from '../../../src/core/genesis.js';
import { type KeyPair, keyPairFromSeed } from '../../../src/core/keys.js';
import { signTx, transferBody, txId } from '../../../src/core/tx.js';
import { signVote } from '../../../src/core/votes.js';
import { Block, Certificate, type Tx, Vote } from '../../../src/core/wire/posplus.js';
import type { Commit } from '../../../src/consensus/engine.js';
import { ChainStore, StoreError } from '../../../src/node/store.js';
import { Bucket, bucketRange } from '../../../src/node/store-keys.js';

const CHAIN_ID = 'posplus-store-test';
const SPEC: GenesisSpec = { timestamp: 1_000, member: { balance: 1_000_000_000, stake: 100, capacity: 10 }, accounts: [] };
const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n);

/** One validator chain, executed in memory exactly as a node would, producing store Commits. */
class TestChain {
  readonly key: KeyPair = keyPairFromSeed(seed(1));
  readonly recipient = keyPairFromSeed(seed(2));
  readonly genesis = makeGenesis(CHAIN_ID, SPEC, [this.key.publicKey]);
  readonly state: ChainState;
  private clock = 10_000;

  constructor() {
    const head: Head = { height: 0, hash: this.genesis.hash, timestamp: SPEC.timestamp };
    this.state = new ChainState({ chainId: CHAIN_ID, ...DEFAULT_CHAIN_PARAMS }, this.genesis, this.key, genesisState(this.genesis), head, NO_BLOCK_RULES);
  }

  transfer(amount: number, nonce: number): Tx {
    return signTx(CHAIN_ID, this.key, transferBody(addressBytesOf(this.recipient.publicKey), amount, nonce));
  }

  /** Admits `count` transfers (plus any extra txs), builds, executes and commits the next block. */
  next(count: number, extra: Tx[] = []): Commit {
    const now = (this.clock += 1_000);
    const nonce = this.state.account(addressOf(this.key.publicKey)).nonce;
    for (let i = 0; i < count; i++) assert.equal(this.state.admitTx(this.transfer(1 + i, nonce + i), now).result.status, 'pending');
    for (const tx of extra) this.state.admitTx(tx, now);
    const block = buildBlock(CHAIN_ID, this.key, this.state.buildContent(now, 0));
    const committed = this.state.commit(block, this.state.execute(block));
    return { ...committed, certificate: certify(this.key, block), headRecord: { validators: [], failedProposers: [] } };
  }
}

function certify(key: KeyPair, block: Block): Certificate {
  const h = headerOf(block);
  const hash = blockHash(h);
  const vote = signVote(CHAIN_ID, key, { type: Vote.Type.PRECOMMIT, height: h.height, round: 0, blockHash: hash });
  return { height: h.height, round: 0, blockHash: hash, sigs: [{ voter: vote.voter, signature: vote.signature }] };
}

const sameBytes = (a: Uint8Array, b: Uint8Array, msg?: string) => assert.equal(toHex(a), toHex(b), msg);
const sameBlock = (a: Block | undefined, b: Block, msg?: string) => {
  assert.ok(a, msg ?? 'block is stored');
  sameBytes(Block.encode(a), Block.encode(b), msg);
};

async function rejectsWithStoreError(p: Promise<unknown>, code: string, ...fragments: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StoreError, `expected StoreError, got ${String(e)}`);
    assert.equal(e.code, code);
    for (const f of fragments) assert.ok(e.message.includes(f), `${JSON.stringify(e.message)} should include ${JSON.stringify(f)}`);
    return true;
  });
}

describe('ChainStore', function () {
  this.timeout(60_000);
  let dir: string;
  let store: ChainStore | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'posplus-store-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function reopen(): Promise<ChainStore> {
    await store?.close();
    store = await ChainStore.open(dir);
    return store;
  }

  it('starts empty', async () => {
    const s = await reopen();
    assert.equal(await s.getHead(), undefined);
    assert.equal(await s.getGenesis(), undefined);
    assert.equal(await s.getWal(), undefined);
    assert.equal(await s.getPosition(), undefined);
    assert.equal(await s.getBlock(1), undefined);
    assert.equal(await s.getCertified(1), undefined);
    assert.equal(await s.committedTxCount(), 0);
    assert.deepEqual(await s.listEvidence(), []);
    assert.equal((await s.loadLedger()).size, 0);
  });

  it('round-trips a committed signed block with txs, accounts and evidence across a reopen', async () => {
    const chain = new TestChain();
    let s = await reopen();
    await s.putGenesis(chain.genesis, genesisState(chain.genesis));

    // A transfer plus a conflicting transfer with the same nonce: the conflict raises a double-spend alert,
    // which goes into the same block as evidence; the one with the smaller id is the one that stays.
    const [tx, rival] = [chain.transfer(10, 0), chain.transfer(11, 0)].sort((a, b) => (txId(a) < txId(b) ? -1 : 1)) as [Tx, Tx];
    const c = chain.next(0, [tx, rival]);
    assert.equal(c.block.txs.length, 1);
    assert.equal(c.evidence.length, 1);
    await s.commit(c);

    s = await reopen();
    const h = headerOf(c.block);
    const head = await s.getHead();
    assert.ok(head);
    assert.equal(head.height, 1);
    assert.equal(head.timestamp, h.timestamp);
    sameBytes(head.hash, blockHash(h));
    assert.equal(toHex(head.hash), c.hash);

    const genesis = await s.getGenesis();
    assert.ok(genesis);
    sameBytes(genesis.hash, chain.genesis.hash);
    assert.deepEqual(genesis.members.map(toHex), chain.genesis.members.map(toHex));

    sameBlock(await s.getBlock(1), c.block);
    const certified = await s.getCertified(1);
    assert.ok(certified?.block && certified.certificate);
    sameBlock(certified.block, c.block);
    sameBytes(Certificate.encode(certified.certificate), Certificate.encode(c.certificate));
    assert.equal(certified.certificate.sigs.length, 1);
    assert.equal(await s.heightOfHash(c.hash), 1);
    assert.equal(await s.heightOfHash('0x' + c.hash.toUpperCase()), 1);
    assert.equal(await s.heightOfHash('00'.repeat(32)), undefined);

    const id = txId(tx);
    assert.deepEqual(c.txIds, [id]);
    assert.deepEqual(await s.getTxLocation(id), { height: 1, index: 0 });
    const rec = await s.getTx(id);
    assert.ok(rec);
    assert.equal(rec.height, 1);
    assert.equal(rec.index, 0);
    sameBytes(rec.tx.signature, tx.signature);
    assert.equal(await s.getTxLocation(txId(rival)), undefined);
    assert.equal(await s.getTx(txId(rival)), undefined);
    assert.equal(await s.committedTxCount(), 1);

    const ledger = await s.loadLedger();
    assert.equal(ledger.size, chain.state.ledger.size);
    sameBytes(ledger.root(), chain.state.ledger.root());
    sameBytes(ledger.root(), h.stateRoot);
    // Without the genesis accounts stored, the same ledger comes from the genesis state as a base.
    sameBytes((await s.loadLedger(genesisState(chain.genesis))).root(), h.stateRoot);
    const sender = addressOf(chain.key.publicKey);
    assert.deepEqual(await s.getAccount(sender), chain.state.ledger.get(sender));
    const recipient = addressOf(chain.recipient.publicKey);
    assert.deepEqual(await s.getAccount(recipient), { balance: tx.amount, nonce: 0, stake: 0, capacity: 0 });
    assert.equal(await s.getAccount('0x' + '11'.repeat(20)), undefined);

    assert.deepEqual(await s.listEvidence(), c.evidence);
    const ev = c.evidence[0]!;
    assert.equal(ev.kind, 'double-spend');
    assert.deepEqual(await s.getEvidence(ev.id), { ...ev, committedAt: 1 });
    assert.deepEqual(await s.committedEvidenceIds(), [ev.id]);
  });

  it('enforces height order, and re-committing the stored block is a no-op', async () => {
    const chain = new TestChain();
    const s = await reopen();
    const c1 = chain.next(2);
    const c2 = chain.next(1);
    await rejectsWithStoreError(s.commit(c2), 'out-of-order', 'next height is 1');
    await s.commit(c1);
    await s.commit(c1);
    assert.equal(await s.committedTxCount(), 2);
    await s.commit(c2);
    assert.equal((await s.getHead())?.height, 2);
    assert.equal(await s.committedTxCount(), 3);
    const other = new TestChain().next(5); // a different block 1
    await rejectsWithStoreError(s.commit(other), 'out-of-order', 'conflicts');
    await rejectsWithStoreError(s.commit({ ...chain.next(0), certificate: c1.certificate }), 'invalid-commit', 'certificate');
  });

  it('decodes a block once for many concurrent readers, and finds a height stored after it was asked for', async () => {
    const chain = new TestChain();
    let s = await reopen();
    const c1 = chain.next(3);
    await s.commit(c1);
    s = await reopen();
    const reads = await Promise.all(Array.from({ length: 20 }, () => s.getBlock(1)));
    sameBlock(reads[0], c1.block);
    for (const b of reads) assert.equal(b, reads[0], 'every reader gets the one decoded block');

    assert.equal(await s.getBlock(2), undefined);
    const c2 = chain.next(1);
    await s.commit(c2);
    sameBlock(await s.getBlock(2), c2.block);
  });

  it('keeps the genesis chosen before block 1 across a reopen, the latest choice winning', async () => {
    let s = await reopen();
    const a = { members: [new Uint8Array(32).fill(1)], hash: new Uint8Array(32).fill(0xaa), places: new Map() };
    const b = { members: [new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)], hash: new Uint8Array(32).fill(0xbb), places: new Map([['02'.repeat(32), { x: 10, y: 20 }]]) };
    await s.putChosenGenesis(a);
    await s.putChosenGenesis(b);
    s = await reopen();
    const chosen = await s.getChosenGenesis();
    assert.deepEqual(chosen && { members: chosen.members.map((m) => [...m]), hash: [...chosen.hash], places: chosen.places }, { members: b.members.map((m) => [...m]), hash: [...b.hash], places: b.places });
  });

  it('keeps the WAL durable across a reopen, and overwrites it', async () => {
    let s = await reopen();
    await s.putWal(new Uint8Array([1, 2, 3]));
    s = await reopen();
    assert.deepEqual(await s.getWal(), new Uint8Array([1, 2, 3]));
    await s.putWal(new Uint8Array([9]));
    await s.putWal(new Uint8Array(0));
    s = await reopen();
    assert.deepEqual(await s.getWal(), new Uint8Array(0));
  });

  it('stores the position and refuses a different genesis', async () => {
    let s = await reopen();
    await s.putPosition({ x: 12.5, y: -3 });
    const a = makeGenesis(CHAIN_ID, SPEC, [keyPairFromSeed(seed(1)).publicKey]);
    const b = makeGenesis(CHAIN_ID, SPEC, [keyPairFromSeed(seed(3)).publicKey]);
    await s.putGenesis(a);
    s = await reopen();
    assert.deepEqual(await s.getPosition(), { x: 12.5, y: -3 });
    await s.putGenesis(a);
    await rejectsWithStoreError(s.putGenesis(b), 'genesis-mismatch', dir, a.hashHex, b.hashHex);
  });

  it('streams certified blocks in height order, across read chunks and clamped to the head', async () => {
    const chain = new TestChain();
    const s = await reopen();
    const commits: Commit[] = [];
    for (let i = 0; i < 70; i++) commits.push(chain.next(i % 3));
    for (const c of commits) await s.commit(c);
    const heights = async (from: number, to: number) => {
      const out: number[] = [];
      for await (const cb of s.iterCertified(from, to)) {
        const h = headerOf(cb.block);
        assert.equal(cb.certificate?.height, h.height);
        sameBytes(cb.certificate.blockHash, blockHash(h));
        sameBlock(cb.block, commits[h.height - 1]!.block);
        out.push(h.height);
      }
      return out;
    };
    assert.deepEqual(await heights(2, 4), [2, 3, 4]);
    assert.deepEqual(await heights(0, 1_000), Array.from({ length: 70 }, (_, i) => i + 1));
    assert.deepEqual(await heights(60, 70), Array.from({ length: 11 }, (_, i) => i + 60));
    assert.deepEqual(await heights(71, 80), []);
    assert.deepEqual(await heights(5, 4), []);
    assert.equal(await s.committedTxCount(), commits.reduce((n, c) => n + c.txIds.length, 0));
  });

  it('prunes old blocks in batches: their blocks, certificates, hashes and tx locations go, accounts and the head stay, across a reopen', async () => {
    const chain = new TestChain();
    const s = await reopen();
    const commits: Commit[] = [];
    for (let i = 0; i < 30; i++) commits.push(chain.next(2));
    for (const c of commits) await s.commit(c);
    const balance = (await s.getAccount(addressOf(chain.recipient.publicKey)))?.balance;
    assert.equal(s.lowestHeld, 1);
    assert.equal(await s.prune(21, 8), 9, 'one batch of 8 heights');
    assert.equal(await s.prune(21, 8), 17);
    assert.equal(await s.prune(21, 8), 21, 'stops at the height asked for');
    assert.equal(await s.prune(21, 8), 21, 'nothing more to do');
    assert.equal(await s.prune(1_000, 1_000), 30, 'the head block is never pruned');
    const t = await reopen();
    assert.equal(t.lowestHeld, 30);
    for (const h of [1, 20, 29]) {
      assert.equal(await t.getBlock(h), undefined, `block ${h}`);
      if (h > 1) assert.equal(await t.getCertificate(h), undefined, `certificate ${h}`);
      assert.equal(await t.heightOfHash(commits[h - 1]!.hash), undefined, `hash of ${h}`);
      assert.equal(await t.getTx(commits[h - 1]!.txIds[0]!), undefined, `a transaction of ${h}`);
    }
    assert.equal((await t.getCertificate(1))?.height, 1, 'block 1’s certificate stays, for genesis announcements');
    sameBlock(await t.getBlock(30), commits[29]!.block);
    assert.equal((await t.getTx(commits[29]!.txIds[0]!))?.height, 30);
    assert.equal((await t.getHead())?.height, 30);
    assert.equal((await t.getAccount(addressOf(chain.recipient.publicKey)))?.balance, balance);
    await t.commit(chain.next(1));
    assert.equal((await t.getHead())?.height, 31, 'commits go on');
  });

  it('gives back the disk space of pruned blocks once compacted', async () => {
    const chain = new TestChain();
    const s = await reopen();
    for (let i = 0; i < 200; i++) await s.commit(chain.next(20));
    await s.compactPruned();
    const before = diskBytes(dir);
    await s.prune(200, 1_000);
    await s.compactPruned();
    const after = diskBytes(dir);
    assert.ok(after < before / 2, `${before} bytes before pruning 199 of 200 blocks, ${after} after`);
  });

  it('gives a clear StoreError when the data directory is already open', async () => {
    await reopen();
    await rejectsWithStoreError(ChainStore.open(dir), 'locked', `data directory ${dir} is in use by another posplus process`);
    // The first handle still works after the failed open.
    await store!.putWal(new Uint8Array([7]));
    assert.deepEqual(await store!.getWal(), new Uint8Array([7]));
  });

  it('holds whole blocks or nothing after kill -9 in the middle of committing', async function () {
    this.timeout(120_000);
    const script = join(dir, 'committer.mjs');
    writeFileSync(script, committerScript());
    const data = join(dir, 'data');
    const rounds = 4;
    let previousHead = 0;
    for (let round = 0; round < rounds; round++) {
      const child = spawn(process.execPath, [script, data], { stdio: ['ignore', 'pipe', 'pipe'] });
      const { acked } = await killAtRandom(child, async () => {
        // While the committer runs, a second process cannot take the directory.
        await rejectsWithStoreError(ChainStore.open(data), 'locked', data);
      });
      const s = await ChainStore.open(data);
      try {
        const head = await s.getHead();
        assert.ok(head, 'the committer committed something');
        assert.ok(head.height >= acked, `head ${head.height} holds every acknowledged block (${acked})`);
        assert.ok(head.height >= previousHead);
        previousHead = head.height;
        let txs = 0;
        let last: Block | undefined;
        for (let h = 1; h <= head.height; h++) {
          const cb = await s.getCertified(h);
          assert.ok(cb?.block && cb.certificate, `block ${h} and its certificate are stored`);
          const header = headerOf(cb.block);
          assert.equal(header.height, h);
          assert.equal(cb.certificate.height, h);
          sameBytes(cb.certificate.blockHash, blockHash(header));
          assert.equal(await s.heightOfHash(toHex(blockHash(header))), h);
          for (const [index, tx] of cb.block.txs.entries()) assert.deepEqual(await s.getTxLocation(txId(tx)), { height: h, index });
          txs += cb.block.txs.length;
          last = cb.block;
        }
        sameBytes(head.hash, blockHash(headerOf(last)));
        assert.equal(await s.getBlock(head.height + 1), undefined);
        assert.equal(await s.getCertified(head.height + 1), undefined);
        assert.equal(await s.committedTxCount(), txs);
        // The accounts are exactly the state after the head block: no half-applied block.
        sameBytes((await s.loadLedger()).root(), headerOf(last).stateRoot);
        // The WAL on disk is the one written with the head block: never one a block ahead of the head.
        assert.equal(new TextDecoder().decode(await s.getWal()), `next ${head.height + 1}`);
      } finally {
        await s.close();
      }
      // Nothing of a torn block is left in any bucket either.
      const raw = new ClassicLevel<Uint8Array, Uint8Array>(data, { keyEncoding: 'view', valueEncoding: 'view' });
      try {
        for (const bucket of [Bucket.blockByHeight, Bucket.certificateByHeight, Bucket.heightByHash]) {
          assert.equal((await raw.keys(bucketRange(bucket)).all()).length, previousHead, `bucket ${Bucket[bucket]}`);
        }
      } finally {
        await raw.close();
      }
    }
    assert.ok(previousHead > 0);
  });
});

/** Runs `whileRunning` once the child has committed a block, kills it with SIGKILL at a random moment, returns the last acknowledged height. */
function killAtRandom(child: ChildProcess, whileRunning: () => Promise<void>): Promise<{ acked: number }> {
  return new Promise((resolve, reject) => {
    let acked = 0;
    let buffered = '';
    let stderr = '';
    let started = false;
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const m = /^committed (\d+)$/.exec(line);
        if (m) acked = Number(m[1]);
        // The first acknowledged block shows the committer is in its loop; from then on any moment is fair.
        if (m && !started) {
          started = true;
          whileRunning()
            .then(() => setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 400)))
            .catch((err: unknown) => {
              child.kill('SIGKILL');
              reject(err as Error);
            });
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`committer exited with ${code ?? signal}: ${stderr}`));
      else resolve({ acked });
    });
  });
}

/** A standalone committer: resumes the chain from the store and commits blocks of random size until killed. */
function committerScript(): string {
  const mod = (path: string) => JSON.stringify(new URL(`../../../src/${path}`, import.meta.url).href);
  return `
import { addressBytesOf, addressOf } from ${mod('core/address.js')};
import { blockHash, buildBlock, headerOf } from ${mod('core/block.js')};
import { ChainState, DEFAULT_CHAIN_PARAMS, NO_BLOCK_RULES } from ${mod('core/chain-state.js')};
import { genesisState, makeGenesis } from ${mod('core/genesis.js')};
import { keyPairFromSeed } from ${mod('core/keys.js')};
import { signTx, transferBody } from ${mod('core/tx.js')};
import { signVote } from ${mod('core/votes.js')};
import { Vote } from ${mod('core/wire/posplus.js')};
import { ChainStore } from ${mod('node/store.js')};

const CHAIN_ID = ${JSON.stringify(CHAIN_ID)};
const SPEC = ${JSON.stringify(SPEC)};
const key = keyPairFromSeed(new Uint8Array(32).fill(1));
const to = addressBytesOf(keyPairFromSeed(new Uint8Array(32).fill(2)).publicKey);
const genesis = makeGenesis(CHAIN_ID, SPEC, [key.publicKey]);
const store = await ChainStore.open(process.argv[2]);
await store.putGenesis(genesis, genesisState(genesis));
const head = (await store.getHead()) ?? { height: 0, hash: genesis.hash, timestamp: SPEC.timestamp };
const chain = new ChainState({ chainId: CHAIN_ID, ...DEFAULT_CHAIN_PARAMS }, genesis, key, await store.loadLedger(), head, NO_BLOCK_RULES);
for (;;) {
  const now = Math.max(Date.now(), chain.head.timestamp + 1);
  const nonce = chain.account(addressOf(key.publicKey)).nonce;
  // Up to 600 transfers: large batches span several LevelDB log writes, so a kill can tear one.
  const count = Math.floor(Math.random() * 600);
  for (let i = 0; i < count; i++) chain.admitTx(signTx(CHAIN_ID, key, transferBody(to, 1, nonce + i)), now);
  const block = buildBlock(CHAIN_ID, key, chain.buildContent(now, 0));
  const committed = chain.commit(block, chain.execute(block));
  const h = headerOf(block);
  const hash = blockHash(h);
  const vote = signVote(CHAIN_ID, key, { type: Vote.Type.PRECOMMIT, height: h.height, round: 0, blockHash: hash });
  const certificate = { height: h.height, round: 0, blockHash: hash, sigs: [{ voter: vote.voter, signature: vote.signature }] };
  // The WAL of the next height goes with the commit, as the node writes it.
  await store.commit({ ...committed, certificate, headRecord: { validators: [], failedProposers: [] } }, new TextEncoder().encode('next ' + (h.height + 1)));
  process.stdout.write('committed ' + h.height + '\\n');
}
`;
}

/** Bytes of the files in a directory (LevelDB keeps its files flat). */
function diskBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}
