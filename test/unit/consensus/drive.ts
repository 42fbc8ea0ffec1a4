import type { Engine, EngineInput, Ready } from '../../../src/consensus/engine.js';

/** Steps the inputs, then ticks at every wake-up until `until`; returns every Ready. */
export function drive(engine: Engine, inputs: EngineInput[], until: number): Ready[] {
  const out = inputs.map((i) => engine.step(i));
  let wake = out.at(-1)?.wakeAt;
  while (wake !== undefined && wake <= until) {
    const r = engine.step({ type: 'tick', now: wake });
    out.push(r);
    wake = r.wakeAt;
  }
  return out;
}
