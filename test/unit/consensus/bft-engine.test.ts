import { strict as assert } from 'node:assert';
import { blockHash, buildBlock, headerOf } from '../../../src/core/block.js';
import { bytesEqual, toHex } from '../../../src/core/bytes.js';
import { type ChainState, DEFAULT_CHAIN_PARAMS } from '../../../src/core/chain-state.js';
import { signProposal, signVote } from '../../../src/core/votes.js';
import { type Block, type Proposal, Vote } from '../../../src/core/wire/posplus.js';
import { DEFAULT_TIMEOUTS } from '../../../src/consensus/bft/bft-rules.js';
import type { Engine, Ready } from '../../../src/consensus/engine.js';
import { posRules } from '../../../src/consensus/pos/pos-rules.js';
import { createEngine } from '../../../src/consensus/create-engine.js';
import { drive } from './drive.js';
import { ValidatorSet } from '../../../src/consensus/validator-set.js';
import { CHAIN, chainOf, genesisOf, key, posChainOf, posRulesOf, recipient } from '../core/fixtures.js';
import { signTx, transferBody } from '../../../src/core/tx.js';

const keys = [0, 1, 2, 3].map((i) => key(`bft-${i}`));
const outsider = key('not-a-validator');
const genesis = genesisOf(keys);
const T0 = genesis.spec.timestamp + 1_000;

function replica(i: number): { chain: ChainState; engine: Engine } {
  const chain = posChainOf(genesis, keys[i]!);
  return { chain, engine: createEngine(chain, posRulesOf(genesis), DEFAULT_TIMEOUTS) };
}

/** Index of the rightful proposer of (next height, round) on a chain at genesis. */
function proposerOf(round: number): number {
  const chain = chainOf(genesis, keys[0]!);
  const pk = posRules().proposerOf(chain, ValidatorSet.fromStake(chain.ledger), round);
  return keys.findIndex((k) => bytesEqual(k.publicKey, pk));
}

/** A block for height 1 made by validator `by`; `skew` shifts its timestamp so two calls give two blocks. */
function blockBy(by: number, round: number, skew = 0): Block {
  const scratch = posChainOf(genesis, keys[by]!); // the engine's own bookkeeping is part of the state root
  return buildBlock(CHAIN, keys[by]!, scratch.buildContent(T0 + skew, round));
}

const hashOf = (b: Block): Uint8Array => blockHash(headerOf(b));

function propose(by: number, block: Block, round: number, validRound = -1, pol: Vote[] = []): Proposal {
  return signProposal(CHAIN, keys[by]!, { block, round, validRound, pol });
}

function vote(by: number, type: Vote.Type, round: number, hash: Uint8Array, height = 1): Vote {
  return signVote(CHAIN, by < 0 ? outsider : keys[by]!, { type, height, round, blockHash: hash });
}

const NIL = new Uint8Array(0);
const ofVotes = (ready: Ready) => ready.publish.flatMap((m) => (m.kind === 'vote' ? [m.vote] : []));

describe('consensus/bft/bft-engine', () => {
  const p0 = proposerOf(0);
  const others = [0, 1, 2, 3].filter((i) => i !== p0);
  const t = others[0]!; // the replica under test: not the round-0 proposer
  const [a, b] = [others[1]!, others[2]!];

  describe('crash and restart', () => {
    it('with its last WAL a restarted replica never signs a second, different vote for a slot it voted in', () => {
      const x = blockBy(p0, 0);
      const first = replica(t);
      const r = first.engine.step({ type: 'proposal', proposal: propose(p0, x, 0), now: T0 });
      const prevote = ofVotes(r).find((v) => v.type === Vote.Type.PREVOTE);
      assert.ok(prevote && bytesEqual(prevote.blockHash, hashOf(x)), 'it prevoted the proposal');
      assert.ok(r.wal, 'the vote came with a WAL record to persist first');

      const restarted = createEngine(first.chain, posRulesOf(genesis), DEFAULT_TIMEOUTS, r.wal);
      const later = drive(restarted, [{ type: 'vote', vote: vote(a, Vote.Type.PREVOTE, 0, NIL), now: T0 + 100 }], T0 + 20_000);
      for (const v of later.flatMap(ofVotes)) {
        if (v.type === Vote.Type.PREVOTE && v.round === 0) assert.ok(bytesEqual(v.blockHash, prevote.blockHash), 'a second round-0 prevote differs');
      }
      assert.ok(later.flatMap(ofVotes).some((v) => v.round > 0 || v.type === Vote.Type.PRECOMMIT), 'and it goes on voting');

      // Control: without the WAL the same replica does equivocate, so the check above has teeth.
      const amnesiac = createEngine(first.chain, posRulesOf(genesis), DEFAULT_TIMEOUTS);
      const forgetful = drive(amnesiac, [{ type: 'vote', vote: vote(a, Vote.Type.PREVOTE, 0, NIL), now: T0 + 100 }], T0 + 20_000);
      assert.ok(
        forgetful.flatMap(ofVotes).some((v) => v.type === Vote.Type.PREVOTE && v.round === 0 && !bytesEqual(v.blockHash, prevote.blockHash)),
        'without a WAL the replica prevotes again in round 0',
      );
    });
  });

  describe('proof of lock', () => {
    const x = blockBy(p0, 0);
    const polOf = (voters: number[]) => voters.map((i) => vote(i, Vote.Type.PREVOTE, 0, hashOf(x)));
    const p1 = proposerOf(1);
    const me = [0, 1, 2, 3].find((i) => i !== p0 && i !== p1)!; // proposes neither round
    const [a, b] = [0, 1, 2, 3].filter((i) => i !== me && i !== p0);
    /** Replica `me`, moved to round 1 by two round-1 nil prevotes (> 1/3), without ever seeing round 0's votes. */
    function inRound1() {
      const r = replica(me);
      const helpers = [0, 1, 2, 3].filter((i) => i !== me && i !== p1).slice(0, 2);
      for (const h of helpers) r.engine.step({ type: 'vote', vote: vote(h, Vote.Type.PREVOTE, 1, NIL), now: T0 });
      assert.equal(r.engine.status().round, 1);
      return r;
    }

    it('a re-proposal that carries >2/3 prevotes for its block in validRound is prevoted by a replica that missed them', () => {
      const r = inRound1();
      const ready = r.engine.step({ type: 'proposal', proposal: propose(p1, x, 1, 0, polOf([p0, a, b])), now: T0 + 10 });
      assert.equal(ready.verdict, 'accept');
      const pv = ofVotes(ready).find((v) => v.type === Vote.Type.PREVOTE && v.round === 1);
      assert.ok(pv && bytesEqual(pv.blockHash, hashOf(x)), 'prevotes the re-proposed block at once');
    });

    it('without the proof the same re-proposal cannot be prevoted (the replica waits and then prevotes nil)', () => {
      const r = inRound1();
      const ready = drive(r.engine, [{ type: 'proposal', proposal: propose(p1, x, 1, 0), now: T0 + 10 }], T0 + 10 + DEFAULT_TIMEOUTS.proposeMs + 600);
      const pvs = ready.flatMap(ofVotes).filter((v) => v.type === Vote.Type.PREVOTE && v.round === 1);
      assert.ok(pvs.length > 0, 'it prevotes once the propose timeout fires');
      for (const pv of pvs) assert.deepEqual(pv.blockHash, NIL); // (the same nil prevote may be resent)
    });

    it('a proof vote counts even if its voter showed this replica a conflicting vote first (and that is evidence)', () => {
      const r = inRound1();
      r.engine.step({ type: 'vote', vote: vote(b, Vote.Type.PREVOTE, 0, NIL), now: T0 + 5 }); // b equivocates in round 0
      const ready = r.engine.step({ type: 'proposal', proposal: propose(p1, x, 1, 0, polOf([p0, a, b])), now: T0 + 10 });
      assert.equal(ready.verdict, 'accept');
      assert.ok(ofVotes(ready).some((v) => v.round === 1 && v.type === Vote.Type.PREVOTE && bytesEqual(v.blockHash, hashOf(x))));
      assert.ok(ready.evidence.some((e) => e.kind === 'equivocation'), 'the conflict is reported');
    });

    it('a proof holding anything but prevotes for the block in validRound from validators rejects the proposal', () => {
      const y = blockBy(p0, 0, 1);
      const bad: Vote[][] = [
        [...polOf([p0, a]), vote(b, Vote.Type.PREVOTE, 0, hashOf(y))],
        [...polOf([p0, a]), vote(b, Vote.Type.PRECOMMIT, 0, hashOf(x))],
        [...polOf([p0, a]), vote(b, Vote.Type.PREVOTE, 1, hashOf(x))],
        [...polOf([p0, a]), vote(-1, Vote.Type.PREVOTE, 0, hashOf(x))],
        [...polOf([p0, a]), { ...vote(b, Vote.Type.PREVOTE, 0, hashOf(x)), signature: new Uint8Array(64) }],
      ];
      for (const pol of bad) {
        const r = inRound1();
        const ready = r.engine.step({ type: 'proposal', proposal: propose(p1, x, 1, 0, pol), now: T0 + 10 });
        assert.equal(ready.verdict, 'reject');
        assert.equal(ofVotes(ready).length, 0);
      }
      const r = inRound1();
      const fresh = r.engine.step({ type: 'proposal', proposal: propose(p1, x, 1, -1, polOf([p0])), now: T0 + 10 });
      assert.equal(fresh.verdict, 'reject', 'a new block (validRound -1) carries no proof');
    });
  });

  describe('a lock nobody else saw', () => {
    // The polka a replica locked on may have reached no one else: its collector (often itself) crashed or lost
    // the bundle. Then no proposer re-proposes its block, it prevotes nil in every later round, and a network that
    // needs its vote never decides again (seen on real nodes with one validator down and another killed in turn).
    const x = blockBy(p0, 0);
    const polkaOf = (voters: number[]) => voters.map((i) => vote(i, Vote.Type.PREVOTE, 0, hashOf(x)));
    let later = 1;
    while (proposerOf(later) === t) later++;
    const pLater = proposerOf(later);
    const ofBundles = (ready: Ready) => ready.publish.flatMap((m) => (m.kind === 'votes' ? [m.votes] : []));

    /** Replica t, locked on X in round 0 by a polka only it saw. */
    function locked() {
      const r = replica(t);
      r.engine.step({ type: 'proposal', proposal: propose(p0, x, 0), now: T0 });
      let wal: Uint8Array | undefined;
      for (const i of [p0, a]) wal = r.engine.step({ type: 'vote', vote: vote(i, Vote.Type.PREVOTE, 0, hashOf(x)), now: T0 + 5 }).wal ?? wal;
      assert.ok(wal, 'it locked and precommitted, with a WAL record');
      return { ...r, wal };
    }

    for (const restarted of [false, true]) {
      it(`prevoting nil in a later round, it shows every validator the prevotes it locked on${restarted ? ' (also after a restart from its WAL)' : ''}`, () => {
        const first = locked();
        const engine = restarted ? createEngine(first.chain, posRulesOf(genesis), DEFAULT_TIMEOUTS, first.wal) : first.engine;
        for (const i of [a, b]) engine.step({ type: 'vote', vote: vote(i, Vote.Type.PREVOTE, later, NIL), now: T0 + 10 });
        assert.equal(engine.status().round, later);
        const y = blockBy(pLater, later, 7);
        const ready = engine.step({ type: 'proposal', proposal: propose(pLater, y, later), now: T0 + 20 });
        assert.ok(ofVotes(ready).some((v) => v.type === Vote.Type.PREVOTE && v.round === later && v.blockHash.length === 0), 'locked on X, it prevotes nil');
        const shown = ofBundles(ready).flat();
        assert.ok(shown.length >= 3, `it sends the polka it locked on (${shown.length} votes)`);
        for (const v of shown) assert.ok(v.type === Vote.Type.PREVOTE && v.round === 0 && bytesEqual(v.blockHash, hashOf(x)));
      });
    }

    it('a replica that learns of an earlier round\'s polka late re-proposes that block with its proof', () => {
      let r2 = 2;
      while (proposerOf(r2) === p0) r2++;
      const me = proposerOf(r2);
      const others = [0, 1, 2, 3].filter((i) => i !== me);
      const r = replica(me);
      r.engine.step({ type: 'proposal', proposal: propose(p0, x, 0), now: T0 });
      for (const i of others.slice(0, 2)) r.engine.step({ type: 'vote', vote: vote(i, Vote.Type.PREVOTE, r2 - 1, NIL), now: T0 + 10 });
      assert.equal(r.engine.status().round, r2 - 1);
      r.engine.step({ type: 'votes', votes: polkaOf([0, 1, 2, 3].filter((i) => i !== me)), now: T0 + 20 });
      let proposal: Proposal | undefined;
      for (const i of others.slice(0, 2)) {
        const ready = r.engine.step({ type: 'vote', vote: vote(i, Vote.Type.PREVOTE, r2, NIL), now: T0 + 30 });
        proposal ??= ready.publish.flatMap((m) => (m.kind === 'proposal' ? [m.proposal] : []))[0];
      }
      assert.ok(proposal, `it proposes in round ${r2}`);
      assert.equal(proposal.validRound, 0);
      assert.deepEqual(hashOf(proposal.block!), hashOf(x));
      assert.ok(proposal.pol.length >= 3, 'with the proof');
    });
  });

  describe('heights', () => {
    it('a message for the height after ours asks to sync ours; one further ahead asks for up to its parent', () => {
      const r = replica(t);
      const next = r.engine.step({ type: 'vote', vote: vote(a, Vote.Type.PREVOTE, 0, NIL, 2), now: T0 });
      assert.equal(next.behindUntil, 1);
      const far = r.engine.step({ type: 'vote', vote: vote(a, Vote.Type.PREVOTE, 0, NIL, 5), now: T0 });
      assert.equal(far.behindUntil, 4);
      const own = r.engine.step({ type: 'vote', vote: vote(a, Vote.Type.PREVOTE, 0, NIL, 1), now: T0 });
      assert.equal(own.behindUntil, undefined);
    });

    it('commits on a proposal plus >2/3 precommits, with a certificate of those precommits', () => {
      const x = blockBy(p0, 0);
      const r = replica(t);
      r.engine.step({ type: 'proposal', proposal: propose(p0, x, 0), now: T0 });
      let last: Ready | undefined;
      for (const i of [p0, a, b]) last = r.engine.step({ type: 'vote', vote: vote(i, Vote.Type.PRECOMMIT, 0, hashOf(x)), now: T0 + 20 });
      assert.equal(last!.commits.length, 1);
      const c = last!.commits[0]!;
      assert.equal(c.hash, toHex(hashOf(x)));
      assert.deepEqual(c.certificate.blockHash, hashOf(x));
      assert.equal(c.certificate.sigs.length, 3);
      assert.equal(r.chain.head.height, 1);
    });

    it('a replica holding one proposal while >2/3 precommit another block of that round asks to sync it', () => {
      // An equivocating proposer sent X to this replica and Y to the others, who decided Y.
      const x = blockBy(p0, 0);
      const y = blockBy(p0, 0, 1);
      const r = replica(t);
      r.engine.step({ type: 'proposal', proposal: propose(p0, x, 0), now: T0 });
      let last: Ready | undefined;
      for (const i of [p0, a, b]) last = r.engine.step({ type: 'vote', vote: vote(i, Vote.Type.PRECOMMIT, 0, hashOf(y)), now: T0 + 20 });
      assert.equal(last!.commits.length, 0);
      assert.equal(last!.behindUntil, 1, 'the network decided a block this replica does not have');
    });

    it('inputs buffered for the next height: a bad one neither hides the others nor changes the verdict of the committing vote', () => {
      const x = blockBy(p0, 0);
      const r = replica(t);
      r.engine.step({ type: 'vote', vote: vote(-1, Vote.Type.PREVOTE, 0, NIL, 2), now: T0 }); // from a non-validator
      r.engine.step({ type: 'vote', vote: vote(a, Vote.Type.PREVOTE, 0, NIL, 2), now: T0 });
      r.engine.step({ type: 'proposal', proposal: propose(p0, x, 0), now: T0 });
      let last: Ready | undefined;
      for (const i of [p0, a, b]) last = r.engine.step({ type: 'vote', vote: vote(i, Vote.Type.PRECOMMIT, 0, hashOf(x)), now: T0 + 20 });
      assert.equal(last!.commits.length, 1);
      assert.equal(last!.verdict, 'accept', 'the precommit that completed the quorum is a good message');
      const s = r.engine.status();
      assert.equal(s.height, 1);
      assert.notEqual(s.step, 'idle', "a's height-2 prevote was counted and started height 2");
    });

    it('next-height messages are never relayed, and junk among them is neither held nor a reason to sync', () => {
      const r = replica(t);
      const junk = { ...vote(a, Vote.Type.PREVOTE, 0, NIL, 2), signature: new Uint8Array(64) };
      const forged = r.engine.step({ type: 'vote', vote: junk, now: T0 });
      assert.equal(forged.verdict, 'reject');
      assert.equal(forged.behindUntil, undefined);
      const outsiderVote = r.engine.step({ type: 'vote', vote: vote(-1, Vote.Type.PREVOTE, 0, NIL, 2), now: T0 });
      assert.equal(outsiderVote.verdict, 'ignore');
      assert.equal(outsiderVote.behindUntil, undefined, 'a non-validator cannot make this replica sync');
      const unsigned = { ...propose(a, blockBy(a, 0), 0), signature: new Uint8Array(0) };
      unsigned.block = { ...unsigned.block!, header: { ...unsigned.block!.header!, height: 2 } } as Block;
      assert.equal(r.engine.step({ type: 'proposal', proposal: unsigned, now: T0 }).verdict, 'reject');
      const good = r.engine.step({ type: 'vote', vote: vote(a, Vote.Type.PREVOTE, 0, NIL, 2), now: T0 });
      assert.equal(good.verdict, 'ignore', 'held for the next height, judged (and relayed) by nobody here before that');
      assert.equal(good.behindUntil, 1);
    });

    it('one validator cannot fill the next-height buffer: each signer has a cap', () => {
      const r = replica(t);
      for (let round = 0; round < 200; round++) r.engine.step({ type: 'vote', vote: vote(a, Vote.Type.PREVOTE, round, NIL, 2), now: T0 });
      const afterCap = r.engine.step({ type: 'vote', vote: vote(a, Vote.Type.PREVOTE, 999, NIL, 2), now: T0 });
      assert.equal(afterCap.behindUntil, undefined, 'not held: the cap of its signer is reached');
      const other = r.engine.step({ type: 'vote', vote: vote(b, Vote.Type.PREVOTE, 0, NIL, 2), now: T0 });
      assert.equal(other.behindUntil, 1, 'another validator is still heard');
    });
  });

  describe('a proposer whose clock runs ahead', () => {
    it(`a new block stamped more than maxClockDriftMs ahead is rejected and not prevoted; within the drift it is`, () => {
      const drift = DEFAULT_CHAIN_PARAMS.maxClockDriftMs;
      const early = blockBy(p0, 0, drift + 1_000);
      const r = replica(t);
      const ready = r.engine.step({ type: 'proposal', proposal: propose(p0, early, 0), now: T0 });
      assert.equal(ready.verdict, 'reject');
      assert.match(ready.reason ?? '', /ahead of this node's clock/);
      assert.ok(!ofVotes(ready).some((v) => bytesEqual(v.blockHash, hashOf(early))), 'no prevote for the early block');
      const fine = blockBy(p0, 0, drift - 1_000);
      const other = replica(t).engine.step({ type: 'proposal', proposal: propose(p0, fine, 0), now: T0 });
      assert.ok(ofVotes(other).some((v) => v.type === Vote.Type.PREVOTE && bytesEqual(v.blockHash, hashOf(fine))));
    });
  });

  describe('another process with this replica\'s key', () => {
    it('a vote in its name that it never signed is reported; its own votes echoed back are not', () => {
      const x = blockBy(p0, 0);
      const r = replica(t);
      const first = r.engine.step({ type: 'proposal', proposal: propose(p0, x, 0), now: T0 });
      const own = ofVotes(first).find((v) => v.type === Vote.Type.PREVOTE);
      assert.ok(own, 'the replica prevoted the proposal');
      const echoed = r.engine.step({ type: 'vote', vote: own, now: T0 + 1 });
      assert.equal(echoed.keyInUseElsewhere, undefined, 'its own vote, relayed back');
      const twin = r.engine.step({ type: 'vote', vote: vote(t, Vote.Type.PREVOTE, 0, NIL), now: T0 + 2 });
      assert.match(twin.keyInUseElsewhere ?? '', /another node signs with this node's key: it sent a prevote for height 1 round 0/);
    });

    it('a proposal in its name that it never made is reported; its own proposal echoed back is not', () => {
      const r = replica(p0);
      const tx = signTx(CHAIN, keys[a]!, transferBody(recipient(keys[b]!), 1, 0));
      const started = drive(r.engine, [{ type: 'txs', txs: [tx], now: T0, local: true }], T0 + 1_000);
      const own = started.flatMap((x) => x.publish).flatMap((m) => (m.kind === 'proposal' ? [m.proposal] : []))[0];
      assert.ok(own, 'the round-0 proposer proposed');
      assert.equal(r.engine.step({ type: 'proposal', proposal: own, now: T0 + 20 }).keyInUseElsewhere, undefined, 'its own proposal, relayed back');
      const other = propose(p0, blockBy(p0, 0, 3), 0);
      assert.match(r.engine.step({ type: 'proposal', proposal: other, now: T0 + 30 }).keyInUseElsewhere ?? '', /it sent a proposal for height 1 round 0 that this node never signed/);
    });
  });

  describe('gossiped transaction batches', () => {
    it('a batch with a forged transaction is rejected at it: nothing after it is checked or pooled', () => {
      const r = replica(t);
      const sender = keys[a]!;
      const good = (n: number) => signTx(CHAIN, sender, transferBody(recipient(keys[b]!), 1, n));
      const forged = { ...good(0), signature: new Uint8Array(64) };
      const ready = r.engine.step({ type: 'txs', txs: [forged, good(0), good(1)], now: T0, local: false });
      assert.equal(ready.verdict, 'reject');
      assert.equal(ready.txStatuses.length, 1, 'only the forged one was looked at');
      assert.equal(r.chain.mempool.size, 0);
    });
  });
});
