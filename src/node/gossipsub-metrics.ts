import type { MetricsRegister } from '@chainsafe/libp2p-gossipsub/metrics';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { parseTopic } from '../protocol/topics.js';

/**
 * gossipsub's metrics (mesh sizes, peer scores, messages by topic, IWANT/IHAVE, duplicates) on the node's
 * Prometheus registry, through the MetricsRegister interface gossipsub asks for (lodestar implements the same).
 * Topic labels are the topic's kind (tx, cell-vote, block, …): a label per topic string would let a peer mint
 * label values, and with them series, by naming topics.
 */

type Labels = Record<string, string | number>;

/** A topic string's label: its kind for one of our topics, `other` for anything else. */
export function topicLabel(topic: string): string {
  return parseTopic(topic)?.ref.kind ?? 'other';
}

/** `topic` labels come through TopicLabels already; `topicStr` ones are the raw topic string. */
const bounded = (labels: Labels): Labels => ('topicStr' in labels ? { ...labels, topicStr: topicLabel(String(labels['topicStr'])) } : labels);

/** What gossipsub's `metricsTopicStrToLabel` is asked: every topic string maps to its kind. */
export class TopicLabels extends Map<string, string> {
  override get(topic: string): string {
    return topicLabel(topic);
  }
}

interface Config {
  name: string;
  help: string;
  labelNames?: string[];
  buckets?: number[];
}

/** gossipsub's metric calls take (labels, value) when the metric has labels, (value) when not. */
const split = (args: unknown[]): [Labels, number | undefined] =>
  typeof args[0] === 'object' && args[0] !== null ? [bounded(args[0] as Labels), args[1] as number | undefined] : [{}, args[0] as number | undefined];

export function gossipsubMetricsRegister(registry: Registry): MetricsRegister {
  const gauge = (c: Config) => {
    const collects: ((g: unknown) => void)[] = [];
    let self: unknown;
    const g = new Gauge({
      name: c.name,
      help: c.help,
      labelNames: c.labelNames ?? [],
      registers: [registry],
      collect() {
        for (const fn of collects) fn(self);
      },
    });
    self = {
      inc: (...args: unknown[]) => {
        const [labels, value] = split(args);
        g.inc(labels, value ?? 1);
      },
      set: (...args: unknown[]) => {
        const [labels, value] = split(args);
        g.set(labels, value ?? 0);
      },
      addCollect: (fn: (g: unknown) => void) => void collects.push(fn),
    };
    return self;
  };
  const histogram = (c: Config) => {
    const h = new Histogram({ name: c.name, help: c.help, labelNames: c.labelNames ?? [], buckets: c.buckets, registers: [registry] });
    return {
      startTimer: () => h.startTimer(),
      observe: (...args: unknown[]) => {
        const [labels, value] = split(args);
        h.observe(labels, value ?? 0);
      },
      reset: () => h.reset(),
    };
  };
  /** The average, least and largest of a set of values (e.g. scores of the peers of a topic), as three series. */
  const avgMinMax = (c: Config) => {
    const g = new Gauge({ name: c.name, help: c.help, labelNames: [...(c.labelNames ?? []), 'stat'], registers: [registry] });
    return {
      set: (...args: unknown[]) => {
        const [labels, values] = typeof args[0] === 'object' && !Array.isArray(args[0]) ? [bounded(args[0] as Labels), args[1] as number[]] : [{}, args[0] as number[]];
        if (values.length === 0) return;
        g.set({ ...labels, stat: 'avg' }, values.reduce((a, b) => a + b, 0) / values.length);
        g.set({ ...labels, stat: 'min' }, Math.min(...values));
        g.set({ ...labels, stat: 'max' }, Math.max(...values));
      },
    };
  };
  // Its generic label types are checked at gossipsub's call sites; these adapters take any labels.
  return { gauge, histogram, avgMinMax } as unknown as MetricsRegister;
}
