import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { BoundedMap } from '../../../src/core/bounded-map.js';

/** The plain definition: a Map in order of last set, dropping its first entries past the limit. */
class ReferenceMap<K, V> {
  readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as K);
  }
}

describe('BoundedMap', () => {
  it('forgets the least recently set key first', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 3); // a is now newer than b
    m.set('c', 4);
    assert.equal(m.has('b'), false);
    assert.equal(m.get('a'), 3);
    assert.equal(m.get('c'), 4);
  });

  it('holds exactly what the plain definition holds, over long runs of sets and deletes that compact its queue', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 80 }), fc.boolean(), fc.nat(9)), { minLength: 3_000, maxLength: 5_000 }), (limit, ops) => {
        const m = new BoundedMap<number, number>(limit);
        const ref = new ReferenceMap<number, number>(limit);
        ops.forEach(([key, clear, roll], i) => {
          if (clear && i % 997 === 0) {
            m.clear();
            ref.map.clear();
          } else if (roll === 0) {
            m.delete(key);
            ref.map.delete(key);
          } else {
            m.set(key, i);
            ref.set(key, i);
          }
        });
        for (let key = 0; key <= 80; key++) {
          assert.equal(m.has(key), ref.map.has(key), `key ${key}`);
          assert.equal(m.get(key), ref.map.get(key), `key ${key}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a key set again and again while the map is small keeps the queue small (a peer counter set on every message)', () => {
    const m = new BoundedMap<string, number>(4096);
    for (let i = 0; i < 200_000; i++) m.set(`peer-${i % 3}`, i);
    assert.ok(m.queued <= 2 * 3 + 1025, `the queue holds ${m.queued} slots for 3 keys`);
    assert.deepEqual([0, 1, 2].map((p) => m.get(`peer-${p}`)), [199_998, 199_999, 199_997]);
  });

  it('a full map set over and over keeps its queue within a small multiple of the limit', () => {
    const m = new BoundedMap<number, number>(100);
    for (let i = 0; i < 200_000; i++) m.set(i % 150, i);
    assert.ok(m.queued <= 2 * 100 + 1025, `the queue holds ${m.queued} slots for 100 entries`);
  });
});
