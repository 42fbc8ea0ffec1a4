import type { Message, PeerId, TopicValidatorResult } from '@libp2p/interface';
import { joinTopic, leaveTopic, type P2pHost } from './p2p-host.js';

/** The gossip topics this node is subscribed to, each with its validator and score parameters. */
export class TopicSubscriptions {
  private readonly subscribed = new Set<string>();

  constructor(
    private readonly host: P2pHost,
    private readonly validate: (topic: string, peer: PeerId, data: Uint8Array) => Promise<TopicValidatorResult> | TopicValidatorResult,
  ) {}

  /** Subscribed to exactly `topics`: leaves the others, joins the new ones. */
  set(topics: Iterable<string>): void {
    const pubsub = this.host.services.pubsub;
    const wanted = new Set(topics);
    for (const topic of this.subscribed) {
      if (wanted.has(topic)) continue;
      leaveTopic(pubsub, topic);
      this.subscribed.delete(topic);
    }
    for (const topic of wanted) {
      if (this.subscribed.has(topic)) continue;
      this.subscribed.add(topic);
      joinTopic(pubsub, topic, (peer: PeerId, msg: Message) => this.validate(topic, peer, msg.data));
    }
  }

  /** Sorted. */
  get topics(): string[] {
    return [...this.subscribed].sort();
  }
}
