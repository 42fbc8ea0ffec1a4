import { strict as assert } from 'node:assert';
import { addressOf } from '../../../src/core/address.js';
import { LedgerState } from '../../../src/core/ledger.js';
import { peerIdOf } from '../../../src/node/rpc/methods.js';
import { GRAYLIST_THRESHOLD } from '../../../src/node/p2p-host.js';
import { PeerStanding } from '../../../src/node/peer-standing.js';
import { chainOf, genesisOf, key } from '../core/fixtures.js';

describe('node/peer-standing: gossipsub application score from the chain', () => {
  const [honest, suspended, evicted, stranger] = [0, 1, 2, 3].map((i) => key(`standing-${i}`));
  const chain = chainOf(genesisOf([honest!, suspended!, evicted!]), honest!);
  const now = chain.head.timestamp;
  const ledger = chain.ledger as LedgerState;
  const set = (k: typeof honest, detection: object) => {
    const a = addressOf(k!.publicKey);
    ledger.set(a, { ...ledger.get(a)!, detection: { efficiency: 0, latency: 0, offline: 0, trusted: 0, invalid: 0, joinedAt: 0, confirmations: 1, confirmedAt: 1, suspendedUntil: 0, evictedAt: 0, offences: 0, proposals: 0, ...detection } });
  };
  set(suspended, { suspendedUntil: now + 30_000 });
  set(evicted, { evictedAt: 4 });
  const standing = new PeerStanding(() => chain);

  it('graylists a peer whose key the chain suspended or evicted, and no one else', () => {
    assert.equal(standing.score(peerIdOf(honest!.publicKey)), 0);
    assert.equal(standing.score(peerIdOf(stranger!.publicKey)), 0, 'a key the chain does not know');
    assert.ok(standing.score(peerIdOf(suspended!.publicKey)) < GRAYLIST_THRESHOLD);
    assert.ok(standing.score(peerIdOf(evicted!.publicKey)) < GRAYLIST_THRESHOLD);
    assert.equal(standing.score('not-a-peer-id'), 0);
  });

  it('counts as a member, asked first in sync, only a registered key with rights', () => {
    assert.equal(standing.isMember(peerIdOf(honest!.publicKey)), true);
    for (const k of [stranger, suspended, evicted]) assert.equal(standing.isMember(peerIdOf(k!.publicKey)), false);
    assert.equal(standing.isMember('not-a-peer-id'), false);
  });

  it('a suspension ends with the chain time; an eviction never does', () => {
    chain.head = { ...chain.head, timestamp: now + 30_000 };
    assert.equal(standing.score(peerIdOf(suspended!.publicKey)), 0);
    assert.ok(standing.score(peerIdOf(evicted!.publicKey)) < GRAYLIST_THRESHOLD);
  });

  it('scores 0 before the node has a chain', () => {
    assert.equal(new PeerStanding(() => undefined).score(peerIdOf(evicted!.publicKey)), 0);
  });
});
