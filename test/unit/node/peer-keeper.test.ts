import { strict as assert } from 'node:assert';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { pino } from 'pino';
import { MAX_KNOWN_PEERS, PeerKeeper, nextDialAt } from '../../../src/node/peer-keeper.js';
import type { P2pHost } from '../../../src/node/p2p-host.js';

/** Just what PeerKeeper uses of a libp2p host: its events, dial (which always fails here) and connections. */
async function unreachableLan() {
  const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
  const listeners = new Map<string, ((evt: { detail: unknown }) => void)[]>();
  const dialed: string[] = [];
  const host = {
    peerId: self,
    addEventListener: (name: string, fn: (evt: { detail: unknown }) => void) => listeners.set(name, [...(listeners.get(name) ?? []), fn]),
    dial: async (target: { toString(): string }) => {
      dialed.push(target.toString());
      throw new Error('unreachable');
    },
    getConnections: () => [],
  };
  const discover = (id: unknown) => listeners.get('peer:discovery')?.forEach((fn) => fn({ detail: { id } }));
  return { host: host as unknown as P2pHost, dialed, discover };
}

describe('PeerKeeper: what a LAN full of fresh peer ids costs', () => {
  it('redials of a failing peer back off after a few quick retries, to at most two minutes', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((f) => nextDialAt(0, f)), [3000, 3000, 3000, 3000, 6000, 12000, 24000]);
    assert.equal(nextDialAt(0, 30), 120_000);
  });

  it(`remembers at most ${MAX_KNOWN_PEERS} discovered peers, however many ids appear`, async () => {
    const lan = await unreachableLan();
    const keeper = new PeerKeeper(lan.host, [], pino({ level: 'silent' }));
    keeper.start();
    try {
      const ids = await Promise.all(Array.from({ length: MAX_KNOWN_PEERS + 50 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))));
      for (const id of ids) lan.discover(id);
      assert.equal(lan.dialed.length, ids.length, 'each new peer is dialed once at discovery');
      for (const id of ids.slice(-10)) lan.discover(id);
      assert.equal(lan.dialed.length, ids.length, 'a peer that just failed is not dialed again at once');
      assert.ok((keeper as unknown as { known: Map<string, unknown> }).known.size <= MAX_KNOWN_PEERS);
    } finally {
      keeper.stop();
    }
  });
});
