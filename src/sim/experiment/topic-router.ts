import type { Outbound } from '../../consensus/engine.js';
import { topicsOf } from '../../protocol/codec.js';
import { stringifyTopic, topicsFor } from '../../protocol/topics.js';
import type { Replica } from '../replica.js';

/**
 * Who receives a message in an experiment: the replicas subscribed to its topic, by the node's own plan
 * (`topicsFor` in src/protocol/topics.ts, `topicsOf` in src/protocol/codec.ts), so a normal node hears its cell's ballots and transactions but
 * not the others'. A replica's subscriptions follow its role, which can change only when it commits, so they are
 * recomputed when its height moves.
 */
export class TopicRouter {
  private readonly topics: (Set<string> | undefined)[];
  private readonly atHeight: number[];
  private readonly atCell: number[];
  private version = 0;
  private readonly lists = new Map<string, { version: number; members: number[] }>();

  constructor(
    private readonly replicas: readonly Replica[],
    private readonly chainId: string,
    private readonly cellOf: (index: number) => number,
    private readonly cells: number,
  ) {
    this.topics = replicas.map(() => undefined);
    this.atHeight = replicas.map(() => -1);
    this.atCell = replicas.map(() => -1);
  }

  recipients(from: Replica, msg: Outbound): number[] {
    this.refresh();
    const topics = topicsOf(msg, this.cellOf(from.index)).map((ref) => stringifyTopic(this.chainId, ref));
    const key = topics.join(' ');
    let list = this.lists.get(key);
    if (list?.version !== this.version) {
      list = { version: this.version, members: this.replicas.filter((r) => topics.some((t) => this.topics[r.index]!.has(t))).map((r) => r.index) };
      this.lists.set(key, list);
    }
    return list.members.filter((i) => i !== from.index);
  }

  private refresh(): void {
    for (const r of this.replicas) {
      const cell = this.cellOf(r.index);
      if (this.atHeight[r.index] === r.height && this.atCell[r.index] === cell) continue;
      this.atHeight[r.index] = r.height;
      this.atCell[r.index] = cell;
      const next = new Set(topicsFor(r.engine.status().role, cell, this.cells, r.address).map((ref) => stringifyTopic(this.chainId, ref)));
      const before = this.topics[r.index];
      if (before === undefined || before.size !== next.size || [...next].some((t) => !before.has(t))) {
        this.topics[r.index] = next;
        this.version++;
      }
    }
  }
}
