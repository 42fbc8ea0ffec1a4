/**
 * The start-up ceremony against a hostile LAN: fresh keys that do not know the deployment's secret cannot join
 * (or take) the genesis, and a running chain is joined only on its certified block 1, never on a claimed height.
 */
import { strict as assert } from 'node:assert';
import { TopicValidatorResult } from '@libp2p/interface';
import { pino } from 'pino';
import { GenesisCeremony, announceGenesis } from '../../../src/core/ceremony.js';
import { InvalidMessage } from '../../../src/core/errors.js';
import { type Genesis, makeGenesis } from '../../../src/core/genesis.js';
import { GenesisSecret } from '../../../src/core/genesis-secret.js';
import type { KeyPair } from '../../../src/core/keys.js';
import { signingDomain } from '../../../src/core/signing.js';
import { toHex } from '../../../src/core/bytes.js';
import { signVote } from '../../../src/core/votes.js';
import { type Certificate, GenesisMessage, Vote } from '../../../src/core/wire/posplus.js';
import { GenesisGossip } from '../../../src/node/genesis-gossip.js';
import { CHAIN, SPEC, genesisOf, key, posRulesOf } from '../core/fixtures.js';

const SECRET = GenesisSecret.parse('00112233445566778899aabbccddeeff');
const OTHER_SECRET = GenesisSecret.parse('ffeeddccbbaa99887766554433221100');
const T0 = 1_000_000;

/** `secret` 'none': a node started without one. */
function ceremony(self: KeyPair, secret: GenesisSecret | 'none' = SECRET, expected = 3): GenesisCeremony {
  return new GenesisCeremony({ chainId: CHAIN, spec: SPEC, expected, quietMs: 20_000, secret: secret === 'none' ? undefined : secret }, self, T0);
}

/** A GenesisGossip over a node that is on `on` (or on nothing), recording what it enters. */
function gossipOf(self: KeyPair, on?: { genesis: Genesis; height: number }) {
  const entered: Genesis[] = [];
  const published: GenesisMessage[] = [];
  const gossip = new GenesisGossip({
    chainId: CHAIN,
    spec: SPEC,
    key: self,
    secret: SECRET,
    log: pino({ level: 'silent' }),
    rulesFor: posRulesOf,
    publish: (m) => published.push(m),
    current: () => on,
    block1: async () => undefined,
    enter: (g) => entered.push(g),
  });
  return { gossip, entered, published };
}

/** Block 1's certificate on `genesis`'s chain: precommits of `signers` on one block hash. */
function block1Of(genesis: Genesis, signers: KeyPair[]): Certificate {
  const blockHash = new Uint8Array(32).fill(7);
  const domain = signingDomain(CHAIN, genesis.hash);
  const sigs = signers.map((k) => signVote(domain, k, { type: Vote.Type.PRECOMMIT, height: 1, round: 0, blockHash })).map((v) => ({ voter: v.voter, signature: v.signature }));
  return { height: 1, round: 0, blockHash, sigs };
}

const announcement = (by: KeyPair, genesis: Genesis, height: number, block1?: Certificate, secret = SECRET) =>
  GenesisMessage.encode({ announce: announceGenesis(CHAIN, secret, by, genesis, height, block1, T0) });

describe('genesis ceremony: only holders of the deployment secret take part', () => {
  it('Sybil candidacies from fresh keys without the secret are refused and never close the ceremony', () => {
    const c = ceremony(key('honest'));
    for (const sybil of [key('sybil-1'), key('sybil-2')]) {
      const forged = ceremony(sybil, OTHER_SECRET).candidacy(T0);
      assert.throws(() => c.onCandidacy(forged, T0), InvalidMessage);
      const bare = ceremony(sybil, 'none').candidacy(T0);
      assert.throws(() => c.onCandidacy(bare, T0), InvalidMessage);
    }
    assert.equal(c.known, 1);
    assert.equal(c.tryClose(T0 + 1), undefined);
  });

  it('a proof moved onto another key does not verify', () => {
    const c = ceremony(key('honest'));
    const real = ceremony(key('member'), SECRET).candidacy(T0);
    const stolen = { ...ceremony(key('thief'), 'none').candidacy(T0), proof: real.proof };
    assert.throws(() => c.onCandidacy(stolen, T0), /genesis secret/);
    c.onCandidacy(real, T0);
    assert.equal(c.known, 2);
  });

  it('members who know the secret close the ceremony on one genesis', () => {
    const members = [key('a'), key('b'), key('c')];
    const ceremonies = members.map((k) => ceremony(k));
    for (const c of ceremonies) for (const k of members) c.onCandidacy(ceremony(k).candidacy(T0), T0);
    const hashes = ceremonies.map((c) => c.tryClose(T0)!.hashHex);
    assert.deepEqual(new Set(hashes).size, 1);
  });

  it('each member\'s declared position goes into the genesis, its hash and its announcement', () => {
    const members = [key('a'), key('b'), key('c')];
    const at = (i: number) => ({ x: 1000 * i, y: 500 });
    const placed = (k: KeyPair, i: number) =>
      new GenesisCeremony({ chainId: CHAIN, spec: SPEC, expected: 3, quietMs: 20_000, secret: SECRET, position: at(i) }, k, T0);
    const ceremonies = members.map(placed);
    for (const c of ceremonies) for (const [i, k] of members.entries()) c.onCandidacy(placed(k, i).candidacy(T0), T0);
    const closed = ceremonies.map((c) => c.tryClose(T0)!);
    assert.equal(new Set(closed.map((g) => g.hashHex)).size, 1);
    for (const [i, k] of members.entries()) assert.deepEqual(closed[0]!.places.get(toHex(k.publicKey)), at(i));
    assert.notEqual(closed[0]!.hashHex, genesisOf(members).hashHex, 'positions are part of the genesis');
    const { gossip, entered } = gossipOf(key('me'));
    gossip.onMessage(announcement(members[0]!, closed[0]!, 0), T0);
    assert.deepEqual(entered.map((g) => g.hashHex), [closed[0]!.hashHex], 'an announcement carries the places: its genesis rebuilds');
  });

  it('a candidacy with a position off any map is refused', () => {
    const far = new GenesisCeremony({ chainId: CHAIN, spec: SPEC, expected: 3, quietMs: 20_000, secret: SECRET, position: { x: 2_000_000, y: 0 } }, key('far'), T0);
    assert.throws(() => ceremony(key('a')).onCandidacy(far.candidacy(T0), T0), /position/);
  });

  it('an announced place off any map is refused, even from a secret holder', () => {
    const off = makeGenesis(CHAIN, SPEC, [key('a').publicKey], new Map([[toHex(key('a').publicKey), { x: 2_000_000, y: 0 }]]));
    const { gossip, entered } = gossipOf(key('me'));
    assert.throws(() => gossip.onMessage(announcement(key('a'), off, 0), T0), /position/);
    assert.equal(entered.length, 0);
  });

  it('a node without a secret ignores every candidacy', () => {
    const c = ceremony(key('solo'), 'none', 1);
    assert.throws(() => c.onCandidacy(ceremony(key('a')).candidacy(T0), T0), /no genesis secret/);
  });
});

describe('genesis announcements: adopted on a proof, never on a claim', () => {
  const members = [key('m1'), key('m2'), key('m3'), key('m4')];
  const running = genesisOf(members);
  const mine = genesisOf([key('me'), key('m1'), key('m2'), key('m3'), key('m5')]);

  it('an announcement without the secret is rejected and not adopted', () => {
    const { gossip, entered } = gossipOf(key('me'));
    const rogue = genesisOf([key('rogue')]);
    assert.throws(() => gossip.onMessage(announcement(key('rogue'), rogue, 9, undefined, OTHER_SECRET), T0), /genesis secret/);
    assert.equal(entered.length, 0);
  });

  it('a claimed height without block 1 certified does not win over a larger member set', () => {
    const { gossip, entered } = gossipOf(key('me'), { genesis: mine, height: 0 });
    assert.equal(gossip.onMessage(announcement(members[0]!, running, 500), T0), TopicValidatorResult.Accept);
    assert.equal(entered.length, 0);
  });

  it('a certificate of block 1 that lacks a quorum of the genesis validators is rejected', () => {
    const { gossip, entered } = gossipOf(key('me'), { genesis: mine, height: 0 });
    assert.throws(() => gossip.onMessage(announcement(members[0]!, running, 5, block1Of(running, members.slice(0, 2))), T0), /quorum/);
    const outsiders = block1Of(running, [key('x1'), key('x2'), key('x3')]);
    assert.throws(() => gossip.onMessage(announcement(members[0]!, running, 5, outsiders), T0), /not a validator/);
    assert.equal(entered.length, 0);
  });

  it('a certificate signed for another genesis with the same chain id does not count', () => {
    const { gossip, entered } = gossipOf(key('me'), { genesis: mine, height: 0 });
    assert.throws(() => gossip.onMessage(announcement(members[0]!, running, 5, block1Of(mine, members.slice(0, 3))), T0), /signature/);
    assert.equal(entered.length, 0);
  });

  it('a chain whose block 1 a quorum certified is adopted by a node that has no block yet', () => {
    const { gossip, entered } = gossipOf(key('me'), { genesis: mine, height: 0 });
    gossip.onMessage(announcement(members[0]!, running, 5, block1Of(running, members.slice(0, 3))), T0);
    assert.deepEqual(entered.map((g) => g.hashHex), [running.hashHex]);
  });

  it('a node with a block never switches, whatever is announced, and neither checks nor relays announcements of its own chain', () => {
    const { gossip, entered } = gossipOf(key('me'), { genesis: mine, height: 1 });
    gossip.onMessage(announcement(members[0]!, running, 5, block1Of(running, members.slice(0, 3))), T0);
    assert.equal(gossip.onMessage(announcement(key('m1'), mine, 1), T0), TopicValidatorResult.Ignore);
    const forged = GenesisMessage.encode({ announce: { ...GenesisMessage.decode(announcement(key('m1'), mine, 1)).announce!, signature: new Uint8Array(64) } });
    assert.equal(gossip.onMessage(forged, T0), TopicValidatorResult.Ignore, 'its own chain: not even the signature is checked');
    assert.throws(() => gossip.onMessage(announcement(key('rogue'), genesisOf([key('rogue')]), 9, undefined, OTHER_SECRET), T0), /genesis secret/, 'another chain is still checked');
    assert.equal(entered.length, 0);
  });

  it('announces on its timer only until its first block; past it, only to nodes that could still come to its chain, once a second', async () => {
    const settle = () => new Promise((ok) => setImmediate(ok));
    const below = gossipOf(key('me'), { genesis: mine, height: 0 });
    below.gossip.reannounce(T0);
    await settle();
    assert.equal(below.published.length, 1);

    const { gossip, published } = gossipOf(key('me'), { genesis: mine, height: 1 });
    gossip.reannounce(T0);
    gossip.onMessage(announcement(members[0]!, running, 5), T0);
    await settle();
    assert.equal(published.length, 0, 'no timer announcement, and no answer to a chain that has blocks of its own');
    const unsettled = genesisOf([key('late')]);
    gossip.onMessage(announcement(key('late'), unsettled, 0), T0);
    gossip.onMessage(announcement(key('late'), unsettled, 0), T0 + 500);
    await settle();
    assert.equal(published.length, 1, 'a node without a block hears our genesis, at most once a second');
    assert.equal(published[0]!.announce?.height, 1);
    gossip.onMessage(announcement(key('late'), unsettled, 0), T0 + 1000);
    await settle();
    assert.equal(published.length, 2);
  });
});
