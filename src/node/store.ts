/**
 * The node's LevelDB persistence (classic-level through `level`), laid out like lodestar's packages/db:
 * one bucket (key prefix) per entity and one small typed accessor per entity; see store-keys.ts.
 *
 * Crash safety: everything a commit changes (block, certificate, hash and tx indexes, accounts, evidence,
 * head, tx counter) is written as ONE LevelDB batch with `sync: true`. LevelDB applies a batch atomically
 * from its write-ahead log, so after kill -9 (or power loss) the store holds either the whole block or
 * none of it, and the head never points at a block that is not fully there.
 */
import { BoundedMap } from '../core/bounded-map.js';
import { ClassicLevel } from 'classic-level';
import type { Address } from '../core/address.js';
import { fromHex, type Hex, toHex, utf8 } from '../core/bytes.js';
import type { Head, HeadRecord } from '../core/chain-state.js';
import type { EvidenceSummary } from '../core/evidence.js';
import { type Account, LedgerState } from '../core/ledger.js';
import { Block, Certificate, type CertifiedBlock, type Tx } from '../core/wire/posplus.js';
import { txId } from '../core/tx.js';
import type { Commit } from '../consensus/engine.js';
import {
  accountKey,
  addressOfAccountKey,
  Bucket,
  bucketKey,
  bucketRange,
  checkHeight,
  decodeAccount,
  decodeGenesis,
  decodeHead,
  decodeLocation,
  decodeU64,
  encodeAccount,
  encodeGenesis,
  encodeHead,
  encodeLocation,
  encodeU64,
  heightKey,
  hexKey,
  type Location,
  metaKey,
  MetaKey,
  STORE_FORMAT_VERSION,
  type StoredGenesis,
} from './store-keys.js';

export { Bucket, type Location, type StoredGenesis };

export type StoreErrorCode = 'locked' | 'open-failed' | 'incompatible' | 'genesis-mismatch' | 'out-of-order' | 'invalid-commit' | 'closed';

/** A store problem the operator or the caller must act on; the message always names the data directory. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Position {
  x: number;
  y: number;
}

export interface TxRecord extends Location {
  tx: Tx;
}

type Put = { type: 'put'; key: Uint8Array; value: Uint8Array };
type Del = { type: 'del'; key: Uint8Array };

/** classic-level hands out Buffers; plain Uint8Array views keep deepStrictEqual and protons output tidy. */
const plain = (b: Uint8Array): Uint8Array => (b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value));
const parseJson = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T;

/** Decoded blocks kept in memory for reads (tx_get, chain_block). */
const RECENT_BLOCKS = 32;

/** How many heights iterCertified reads per LevelDB round trip. */
const SYNC_CHUNK = 64;

function errorCode(err: unknown): string | undefined {
  return (err as { code?: unknown } | null)?.code as string | undefined;
}

export class ChainStore {
  private head: Head | undefined;
  private txCount: number;
  /** Commits and genesis writes run one at a time, so the cached head and counter match the disk. */
  private tail: Promise<void> = Promise.resolve();
  private compacting: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly recentBlocks = new BoundedMap<number, Promise<Block | undefined>>(RECENT_BLOCKS);
  /** Blocks below this height were pruned (RETAIN_BLOCKS); 1 when every block is held. */
  private lowest: number;

  private constructor(
    readonly dir: string,
    private readonly db: ClassicLevel<Uint8Array, Uint8Array>,
    head: Head | undefined,
    txCount: number,
    lowestHeld: number,
    private readonly afterDurableWrite: () => void,
  ) {
    this.head = head;
    this.txCount = txCount;
    this.lowest = lowestHeld;
  }

  /**
   * Opens (creating if needed) the store in `dir`; a directory another process holds gives StoreError 'locked'.
   * `afterDurableWrite` runs after every synced write (see fail-point.ts).
   */
  static async open(dir: string, afterDurableWrite: () => void = () => undefined): Promise<ChainStore> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      if (errorCode(err) === 'LEVEL_LOCKED' || errorCode(cause) === 'LEVEL_LOCKED') {
        throw new StoreError('locked', dir, `data directory ${dir} is in use by another posplus process`, { cause: err });
      }
      const detail = cause instanceof Error ? cause.message : (err as Error).message;
      throw new StoreError('open-failed', dir, `cannot open the data directory ${dir}: ${detail}`, { cause: err });
    }
    try {
      const version = await db.get(metaKey(MetaKey.version));
      if (version === undefined) {
        await db.put(metaKey(MetaKey.version), encodeU64(STORE_FORMAT_VERSION), { sync: true });
      } else if (decodeU64(version) !== STORE_FORMAT_VERSION) {
        throw new StoreError(
          'incompatible',
          dir,
          `data directory ${dir} holds store format ${decodeU64(version)}, this posplus reads format ${STORE_FORMAT_VERSION}`,
        );
      }
      const head = await db.get(metaKey(MetaKey.head));
      const count = await db.get(metaKey(MetaKey.txCount));
      const lowest = await db.get(metaKey(MetaKey.lowestHeld));
      return new ChainStore(
        dir,
        db,
        head === undefined ? undefined : decodeHead(plain(head)),
        count === undefined ? 0 : decodeU64(count),
        lowest === undefined ? 1 : decodeU64(lowest),
        afterDurableWrite,
      );
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  /** Waits for pending writes, then releases the directory lock. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.compacting;
    await this.db.close();
  }

  // -------------------------------------------------------------- meta

  async getGenesis(): Promise<StoredGenesis | undefined> {
    const v = await this.get(metaKey(MetaKey.genesis));
    return v === undefined ? undefined : decodeGenesis(v);
  }

  /**
   * Records the genesis (once). With `accounts` (e.g. genesisState(g)) the initial accounts are written in
   * the same batch, so loadLedger() alone returns the whole ledger; without them pass the genesis state to
   * loadLedger(base). Writing the same genesis again is a no-op; a different one is a StoreError.
   */
  putGenesis(genesis: StoredGenesis, accounts?: { entries(): Iterable<[Address, Account]> }): Promise<void> {
    const { hash } = genesis;
    return this.serial(async () => {
      const existing = await this.getGenesis();
      if (existing !== undefined) {
        if (toHex(existing.hash) === toHex(hash)) return;
        throw new StoreError(
          'genesis-mismatch',
          this.dir,
          `data directory ${this.dir} belongs to genesis ${toHex(existing.hash)}, not ${toHex(hash)}`,
        );
      }
      const ops: Put[] = [{ type: 'put', key: metaKey(MetaKey.genesis), value: encodeGenesis(genesis) }];
      if (accounts !== undefined) {
        for (const [address, account] of accounts.entries()) ops.push({ type: 'put', key: accountKey(address), value: encodeAccount(account) });
      }
      await this.db.batch(ops, { sync: true });
      this.afterDurableWrite();
    });
  }

  /**
   * The genesis this node entered before its first block (written when its ceremony closes or it adopts one), so
   * that a restart before block 1 comes back to the same genesis and the WAL of its height-1 votes, instead of
   * holding a new ceremony and voting again. Replaced by a later adoption; putGenesis makes the lasting record.
   */
  async putChosenGenesis(genesis: StoredGenesis): Promise<void> {
    await this.db.put(metaKey(MetaKey.chosenGenesis), encodeGenesis(genesis), { sync: true });
    this.afterDurableWrite();
  }

  async getChosenGenesis(): Promise<StoredGenesis | undefined> {
    const v = await this.get(metaKey(MetaKey.chosenGenesis));
    return v === undefined ? undefined : decodeGenesis(v);
  }

  async getPosition(): Promise<Position | undefined> {
    const v = await this.get(metaKey(MetaKey.position));
    return v === undefined ? undefined : parseJson<Position>(v);
  }

  async putPosition(p: Position): Promise<void> {
    await this.db.put(metaKey(MetaKey.position), json({ x: p.x, y: p.y }));
  }

  async getWal(): Promise<Uint8Array | undefined> {
    return this.get(metaKey(MetaKey.wal));
  }

  /** Durable (fsync) before it resolves: consensus may only publish what its WAL already holds. */
  async putWal(bytes: Uint8Array): Promise<void> {
    await this.db.put(metaKey(MetaKey.wal), bytes, { sync: true });
    this.afterDurableWrite();
  }

  /** The head height's validators and failed proposers, which the next block is checked against. */
  async getHeadRecord(): Promise<HeadRecord | undefined> {
    const v = await this.get(metaKey(MetaKey.headRecord));
    return v === undefined ? undefined : parseJson<HeadRecord>(v);
  }

  async getHead(): Promise<Head | undefined> {
    return this.head === undefined ? undefined : { ...this.head, hash: new Uint8Array(this.head.hash) };
  }

  async committedTxCount(): Promise<number> {
    return this.txCount;
  }

  // -------------------------------------------------------------- commit

  /**
   * Persists one committed block as a single synced batch. Heights must follow the head one by one;
   * committing the block already stored at a height is a no-op, a different block there is a StoreError.
   * `wal`, the consensus WAL as it stands after this commit, goes into the same batch: written apart, a crash
   * between the two could leave a WAL for the next height over a head that lost this block, and the replica
   * would then vote again at this height with nothing on disk of its earlier vote.
   */
  commit(c: Commit, wal?: Uint8Array): Promise<void> {
    return this.serial(async () => {
      const header = c.block.header;
      if (header === undefined) throw this.invalid('the block has no header');
      const height = header.height;
      checkHeight(height);
      const hash = fromHex(c.hash);
      const expected = (this.head?.height ?? 0) + 1;
      if (height < expected) {
        const stored = await this.get(heightKey(Bucket.certificateByHeight, height));
        const storedHash = stored === undefined ? undefined : toHex(Certificate.decode(stored).blockHash);
        if (storedHash === toHex(hash)) return;
        throw new StoreError('out-of-order', this.dir, `block ${height} (${c.hash}) conflicts with the block already stored at that height`);
      }
      if (height > expected) throw new StoreError('out-of-order', this.dir, `cannot store block ${height}: the next height is ${expected}`);
      if (c.certificate.height !== height || toHex(c.certificate.blockHash) !== toHex(hash)) {
        throw this.invalid(`the certificate (height ${c.certificate.height}) is not for block ${height} ${c.hash}`);
      }
      if (c.txIds.length !== c.block.txs.length) throw this.invalid(`${c.txIds.length} tx ids for ${c.block.txs.length} transactions`);

      const head: Head = { height, hash, timestamp: header.timestamp };
      const txCount = this.txCount + c.txIds.length;
      const ops: Put[] = [
        { type: 'put', key: heightKey(Bucket.blockByHeight, height), value: Block.encode(c.block) },
        { type: 'put', key: heightKey(Bucket.certificateByHeight, height), value: Certificate.encode(c.certificate) },
        { type: 'put', key: hexKey(Bucket.heightByHash, c.hash), value: encodeU64(height) },
      ];
      c.txIds.forEach((id, index) => ops.push({ type: 'put', key: hexKey(Bucket.txLocation, id), value: encodeLocation({ height, index }) }));
      for (const [address, account] of c.changes) ops.push({ type: 'put', key: accountKey(address), value: encodeAccount(account) });
      c.evidence.forEach((summary, index) => {
        const at = encodeLocation({ height, index });
        ops.push({ type: 'put', key: bucketKey(Bucket.evidenceByHeight, at), value: json(summary) });
        ops.push({ type: 'put', key: hexKey(Bucket.evidenceById, summary.id), value: at });
      });
      ops.push({ type: 'put', key: metaKey(MetaKey.head), value: encodeHead(head) });
      ops.push({ type: 'put', key: metaKey(MetaKey.headRecord), value: json(c.headRecord) });
      ops.push({ type: 'put', key: metaKey(MetaKey.txCount), value: encodeU64(txCount) });
      if (wal !== undefined) ops.push({ type: 'put', key: metaKey(MetaKey.wal), value: wal });
      await this.db.batch(ops, { sync: true });
      this.afterDurableWrite();
      this.head = head;
      this.txCount = txCount;
    });
  }

  /** The lowest height whose block, certificate and transactions are still held (1 until something is pruned). */
  get lowestHeld(): number {
    return this.lowest;
  }

  /**
   * Deletes the blocks below `below` (never the head), at most `maxHeights` of them in one batch, with their
   * certificates (but block 1's), hash index and transaction locations; accounts, evidence and the head record stay. Returns the
   * lowest height still held. Runs between commits, so a caller can prune a long backlog in small steps.
   */
  prune(below: number, maxHeights: number): Promise<number> {
    return this.serial(async () => {
      const to = Math.min(below, this.head?.height ?? 0, this.lowest + maxHeights);
      if (to <= this.lowest) return this.lowest;
      const ops: Del[] = [];
      for (let height = this.lowest; height < to; height++) {
        ops.push({ type: 'del', key: heightKey(Bucket.blockByHeight, height) });
        // Block 1's certificate stays: genesis announcements carry it as proof that the chain began (genesis-gossip.ts).
        if (height > 1) ops.push({ type: 'del', key: heightKey(Bucket.certificateByHeight, height) });
        this.recentBlocks.delete(height);
      }
      for await (const { block, certificate } of this.iterCertified(this.lowest, to - 1)) {
        if (certificate !== undefined) ops.push({ type: 'del', key: hexKey(Bucket.heightByHash, toHex(certificate.blockHash)) });
        for (const tx of block?.txs ?? []) ops.push({ type: 'del', key: hexKey(Bucket.txLocation, txId(tx)) });
      }
      await this.db.batch([...ops, { type: 'put', key: metaKey(MetaKey.lowestHeld), value: encodeU64(to) }], { sync: true });
      this.afterDurableWrite();
      this.lowest = to;
      return to;
    });
  }

  /**
   * Asks LevelDB to compact the buckets pruning deletes from (blocks, certificates, hashes, tx locations), so the
   * space of what was pruned comes back now rather than whenever later writes happen to compact those files.
   */
  compactPruned(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('closed', this.dir, `the store in ${this.dir} is closed`));
    const run = this.db.compactRange(new Uint8Array([Bucket.blockByHeight]), new Uint8Array([Bucket.txLocation + 1]));
    // Not queued behind commits (it can take a while), but close waits for it.
    this.compacting = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  // -------------------------------------------------------------- reads

  /**
   * Operators and clients ask about the newest blocks again and again; decoding them once is enough. The read is
   * shared while it runs: a batch of tx_get for one block's transactions must not decode the block once per id.
   */
  getBlock(height: number): Promise<Block | undefined> {
    const cached = this.recentBlocks.get(height);
    if (cached !== undefined) return cached;
    const reading = this.readBlock(height);
    this.recentBlocks.set(height, reading);
    // A height not stored yet (or a failed read) must be read again next time.
    const forget = () => {
      if (this.recentBlocks.get(height) === reading) this.recentBlocks.delete(height);
    };
    reading.then((block) => block === undefined && forget(), forget);
    return reading;
  }

  private async readBlock(height: number): Promise<Block | undefined> {
    const v = await this.get(heightKey(Bucket.blockByHeight, height));
    return v === undefined ? undefined : Block.decode(v);
  }

  async getCertificate(height: number): Promise<Certificate | undefined> {
    const v = await this.get(heightKey(Bucket.certificateByHeight, height));
    return v === undefined ? undefined : Certificate.decode(v);
  }

  async getCertified(height: number): Promise<CertifiedBlock | undefined> {
    const [block, certificate] = await this.db.getMany([
      heightKey(Bucket.blockByHeight, height),
      heightKey(Bucket.certificateByHeight, height),
    ]);
    if (block === undefined || certificate === undefined) return undefined;
    return { block: Block.decode(plain(block)), certificate: Certificate.decode(plain(certificate)) };
  }

  /** Streams certified blocks from..to (inclusive, clamped to the head) in height order, for block sync. */
  async *iterCertified(from: number, to: number): AsyncGenerator<CertifiedBlock, void, undefined> {
    const last = Math.min(to, this.head?.height ?? 0);
    for (let start = Math.max(from, 1); start <= last; start += SYNC_CHUNK) {
      const heights: number[] = [];
      for (let h = start; h <= Math.min(last, start + SYNC_CHUNK - 1); h++) heights.push(h);
      const values = await this.db.getMany([
        ...heights.map((h) => heightKey(Bucket.blockByHeight, h)),
        ...heights.map((h) => heightKey(Bucket.certificateByHeight, h)),
      ]);
      for (let i = 0; i < heights.length; i++) {
        const block = values[i];
        const certificate = values[heights.length + i];
        if (block === undefined || certificate === undefined) return;
        yield { block: Block.decode(plain(block)), certificate: Certificate.decode(plain(certificate)) };
      }
    }
  }

  async heightOfHash(hashHex: Hex): Promise<number | undefined> {
    const v = await this.get(hexKey(Bucket.heightByHash, hashHex));
    return v === undefined ? undefined : decodeU64(v);
  }

  async getTxLocation(idHex: Hex): Promise<Location | undefined> {
    const v = await this.get(hexKey(Bucket.txLocation, idHex));
    return v === undefined ? undefined : decodeLocation(v);
  }

  async getTx(idHex: Hex): Promise<TxRecord | undefined> {
    const loc = await this.getTxLocation(idHex);
    if (loc === undefined) return undefined;
    const tx = (await this.getBlock(loc.height))?.txs[loc.index];
    return tx === undefined ? undefined : { tx, ...loc };
  }

  async getAccount(address: Address): Promise<Account | undefined> {
    const v = await this.get(accountKey(address.toLowerCase()));
    return v === undefined ? undefined : decodeAccount(v);
  }

  /** Every stored account, over `base` (e.g. genesisState(g)) when the genesis accounts were not stored. */
  async loadLedger(base?: LedgerState): Promise<LedgerState> {
    const ledger = new LedgerState();
    if (base !== undefined) for (const [address, account] of base.entries()) ledger.set(address, account);
    for await (const [key, value] of this.db.iterator(bucketRange(Bucket.account))) {
      ledger.set(addressOfAccountKey(plain(key)), decodeAccount(plain(value)));
    }
    return ledger;
  }

  /** All committed evidence, in the order it was committed (block height, then position in the block). */
  async listEvidence(): Promise<EvidenceSummary[]> {
    const out: EvidenceSummary[] = [];
    for await (const value of this.db.values(bucketRange(Bucket.evidenceByHeight))) out.push(parseJson<EvidenceSummary>(plain(value)));
    return out;
  }

  /** The id of every piece of evidence ever committed (the keys of the by-id index). */
  async committedEvidenceIds(): Promise<Hex[]> {
    const out: Hex[] = [];
    for await (const key of this.db.keys(bucketRange(Bucket.evidenceById))) out.push(toHex(plain(key).subarray(1)));
    return out;
  }

  async getEvidence(idHex: Hex): Promise<(EvidenceSummary & { committedAt: number }) | undefined> {
    const at = await this.get(hexKey(Bucket.evidenceById, idHex));
    if (at === undefined) return undefined;
    const v = await this.get(bucketKey(Bucket.evidenceByHeight, at));
    return v === undefined ? undefined : { ...parseJson<EvidenceSummary>(v), committedAt: decodeLocation(at).height };
  }

  // -------------------------------------------------------------- internals

  private async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const v = (await this.db.get(key)) as Uint8Array | undefined;
    return v === undefined ? undefined : plain(v);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('closed', this.dir, `the store in ${this.dir} is closed`));
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private invalid(reason: string): StoreError {
    return new StoreError('invalid-commit', this.dir, `cannot store the commit in ${this.dir}: ${reason}`);
  }
}
