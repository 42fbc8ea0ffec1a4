import type { ServerResponse } from 'node:http';
import { type EventHub, type EventTopic, EVENT_TOPICS, type Subscription, TooManySubscriptions, isEventTopic } from '../events/event-hub.js';
import { MAX_PUSH_BACKLOG_BYTES } from './push-limits.js';
import { sendText } from './server.js';

/** A comment line this often keeps proxies from timing the stream out and finds dead readers. */
const HEARTBEAT_MS = 15_000;
/** The SSE event name of each topic (DESIGN §4.4). */
const EVENT_NAMES: Record<EventTopic, string> = { heads: 'head', txs: 'tx', detection: 'detection' };

/** `topics=heads,txs` → the topics; every topic when absent; undefined when one is unknown or none is named. */
export function parseTopics(param: string | null): EventTopic[] | undefined {
  if (param === null) return [...EVENT_TOPICS];
  const names = param.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (names.length === 0 || !names.every(isEventTopic)) return undefined;
  return [...new Set(names)] as EventTopic[];
}

/** GET /events?topics=heads,txs,detection: the node's pushed events as Server-Sent Events. */
export function serveEventStream(hub: EventHub, query: URLSearchParams, res: ServerResponse): void {
  const topics = parseTopics(query.get('topics'));
  if (topics === undefined) return sendText(res, 400, `topics must be a comma list of ${EVENT_TOPICS.join(', ')}`);
  const write = (chunk: string): void => {
    if (res.writableLength > MAX_PUSH_BACKLOG_BYTES) res.destroy();
    else res.write(chunk);
  };
  let subscription: Subscription;
  try {
    subscription = hub.subscribe(topics, (topic, data) => write(`event: ${EVENT_NAMES[topic]}\ndata: ${JSON.stringify(data)}\n\n`));
  } catch (err) {
    if (err instanceof TooManySubscriptions) return sendText(res, 503, err.message);
    throw err;
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
  res.write(`: posplus events: ${topics.join(',')}\n\n`);
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
  res.once('close', () => {
    clearInterval(heartbeat);
    subscription.close();
  });
}
