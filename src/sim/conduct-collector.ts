import type { NetworkCollector } from './traffic-collector.js';

/** When each replica's behaviour first acted (virtual ms): an attacker that never did had nothing to detect. */
export class ConductCollector implements NetworkCollector {
  readonly firstActAt = new Map<number, number>();

  misbehaved(index: number, now: number): void {
    if (!this.firstActAt.has(index)) this.firstActAt.set(index, now);
  }
}
