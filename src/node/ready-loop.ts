import type { Commit, Engine, EngineInput, Ready } from '../consensus/engine.js';
import type { ChainStore } from './store.js';

/** What the node does around each step; the loop owns only the order of engine, disk and network. */
export interface ReadyHooks {
  /** Right after the engine stepped, before anything is written; false when the step is fatal (nothing applied). */
  stepped(input: EngineInput, ready: Ready): boolean;
  /** Before block 1 is written: the genesis goes to disk with it. */
  firstBlock(): Promise<void>;
  /** After each commit is on disk. */
  committed(c: Commit): void;
  /** After a Ready's commits are all on disk, before its messages go out. */
  settled(ready: Ready): void;
  /** One message out, once everything before it is on disk. */
  send(out: Ready['publish'][number]): void;
  /** After a Ready is applied in full. */
  applied(engine: Engine): void;
  fatal(err: Error): void;
}

/**
 * The node's Ready loop. Every input goes through `feed`, which steps the engine and queues its Ready; the queue
 * persists the WAL and commits before publishing anything, so a crash never leaves a published vote that the
 * disk forgot. The engine's wake time schedules the next tick.
 */
export class ReadyLoop {
  private current?: Engine;
  private queue: Promise<void> = Promise.resolve();
  private wakeTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly store: ChainStore,
    private readonly hooks: ReadyHooks,
  ) {}

  get engine(): Engine | undefined {
    return this.current;
  }

  /** From now on inputs step `engine`; Readies of the engine it replaces (a genesis adoption) are dropped. */
  run(engine: Engine): void {
    this.current = engine;
  }

  /** Steps the engine and queues its Ready; returns it so callers can read the verdict and statuses. */
  feed(input: EngineInput): Ready | undefined {
    const engine = this.current;
    if (engine === undefined || this.stopped) return undefined;
    const ready = engine.step(input);
    this.scheduleWake(ready.wakeAt);
    if (!this.hooks.stepped(input, ready)) return ready;
    this.queue = this.queue.then(() => this.apply(ready, engine)).catch((err: Error) => this.hooks.fatal(err));
    return ready;
  }

  /** Resolves once every Ready queued so far is applied. */
  drained(): Promise<void> {
    return this.queue;
  }

  /** No more steps; resolves once the queued Readies are applied. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.wakeTimer);
    return this.queue;
  }

  private async apply(ready: Ready, engine: Engine): Promise<void> {
    if (engine !== this.current) return;
    // The WAL after this step belongs to the height after the last commit: it goes to disk with that commit.
    if (ready.wal && ready.commits.length === 0) await this.store.putWal(ready.wal);
    for (const [i, c] of ready.commits.entries()) {
      if (c.block.header?.height === 1) await this.hooks.firstBlock();
      await this.store.commit(c, i === ready.commits.length - 1 ? ready.wal : undefined);
      this.hooks.committed(c);
    }
    if (ready.commits.length) this.hooks.settled(ready);
    for (const out of ready.publish) this.hooks.send(out);
    this.hooks.applied(engine);
  }

  private scheduleWake(at: number | undefined): void {
    clearTimeout(this.wakeTimer);
    if (at === undefined || this.stopped) return;
    this.wakeTimer = setTimeout(() => this.feed({ type: 'tick', now: Date.now() }), Math.max(0, at - Date.now()));
  }
}
