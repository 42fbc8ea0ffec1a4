import { z } from 'zod';
import { EVENT_TOPICS, type EventHub, type Subscription, TooManySubscriptions } from '../events/event-hub.js';
import { INVALID_REQUEST, RpcError, UNAVAILABLE } from './errors.js';
import { type PushChannel, type RpcServer, defineMethod } from './server.js';

/** Subscriptions one connection may hold; the hub bounds them over all connections. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 16;

/**
 * `subscribe {topic}` and `unsubscribe {subscription}` over a WebSocket (DESIGN §4.4): each event of the topic
 * comes as a notification `{"jsonrpc":"2.0","method":"subscription","params":{"subscription": ID, "result": …}}`.
 * A connection's subscriptions end with it.
 */
export function registerSubscriptions(rpc: RpcServer, hub: EventHub): void {
  const held = new WeakMap<PushChannel, Map<string, Subscription>>();
  const heldBy = (channel: PushChannel): Map<string, Subscription> => {
    let subs = held.get(channel);
    if (subs === undefined) {
      const mine = (subs = new Map());
      held.set(channel, mine);
      channel.onClose(() => mine.forEach((s) => s.close()));
    }
    return subs;
  };

  rpc.register('subscribe', defineMethod({
    params: z.object({ topic: z.enum(EVENT_TOPICS) }).strict(),
    handler: (p, ctx) => {
      const channel = ctx.channel;
      if (channel === undefined) throw new RpcError(INVALID_REQUEST, 'subscribe needs a WebSocket connection (ws://host:port/); over HTTP, GET /events streams the same events');
      const subs = heldBy(channel);
      if (subs.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) throw new RpcError(UNAVAILABLE, `a connection holds at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions`);
      let id = '';
      try {
        const sub = hub.subscribe([p.topic], (_, result) => channel.push(JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { subscription: id, result } })));
        id = sub.id;
        subs.set(id, sub);
      } catch (err) {
        if (err instanceof TooManySubscriptions) throw new RpcError(UNAVAILABLE, err.message);
        throw err;
      }
      return id;
    },
  }));

  rpc.register('unsubscribe', defineMethod({
    params: z.object({ subscription: z.string().max(32) }).strict(),
    handler: (p, ctx) => {
      const sub = ctx.channel && held.get(ctx.channel)?.get(p.subscription);
      if (sub === undefined) return false;
      sub.close();
      held.get(ctx.channel!)!.delete(p.subscription);
      return true;
    },
  }));
}
