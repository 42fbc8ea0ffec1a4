/**
 * The node's pushed events (DESIGN §4.4): committed heads, transaction status changes, and detection. Transports
 * (Server-Sent Events, WebSocket) subscribe with a sink; each bounds what it buffers for a slow reader itself,
 * since only it can see its socket's backlog, and ends the subscription when that overflows.
 */

export const EVENT_TOPICS = ['heads', 'txs', 'detection'] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

export const isEventTopic = (s: string): s is EventTopic => (EVENT_TOPICS as readonly string[]).includes(s);

/** How many subscriptions the node serves at once: each holds a socket and up to its transport's buffer. */
export const MAX_SUBSCRIPTIONS = 64;

export type EventSink = (topic: EventTopic, data: unknown) => void;

export interface Subscription {
  readonly id: string;
  readonly topics: ReadonlySet<EventTopic>;
  close(): void;
}

export class TooManySubscriptions extends Error {
  override readonly name = 'TooManySubscriptions';
  constructor() {
    super(`the node already serves ${MAX_SUBSCRIPTIONS} event subscriptions`);
  }
}

export class EventHub {
  private readonly subs = new Map<string, { topics: ReadonlySet<EventTopic>; sink: EventSink }>();
  private seq = 0;

  get size(): number {
    return this.subs.size;
  }

  /** Throws TooManySubscriptions at the limit. */
  subscribe(topics: Iterable<EventTopic>, sink: EventSink): Subscription {
    if (this.subs.size >= MAX_SUBSCRIPTIONS) throw new TooManySubscriptions();
    const id = `0x${(++this.seq).toString(16)}`;
    const set = new Set(topics);
    this.subs.set(id, { topics: set, sink });
    return { id, topics: set, close: () => void this.subs.delete(id) };
  }

  /** Whether anyone listens to `topic`: events nobody reads are not even built. */
  wants(topic: EventTopic): boolean {
    for (const s of this.subs.values()) if (s.topics.has(topic)) return true;
    return false;
  }

  publish(topic: EventTopic, data: unknown): void {
    for (const s of [...this.subs.values()]) if (s.topics.has(topic)) s.sink(topic, data);
  }
}
