import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DEFAULT_NCCA_PARAMS, type NccaParams } from '../../../../src/consensus/ncca/params.js';
import { RunningTally } from '../../../../src/consensus/ncca/running-tally.js';
import {
  admitBallots,
  classify,
  classifyVote,
  combineCells,
  decideTxSet,
  tallyByCell,
  tallyRound,
  voterWeight,
  type Ballot,
  type Voter,
  type VoterRole,
} from '../../../../src/consensus/ncca/tx-set-vote.js';

/** The defaults, with v1 at 0.85 and v2 at 0.55 so the hand-computed cases below sit on both sides of each. */
const P: NccaParams = { ...DEFAULT_NCCA_PARAMS, vote: { ...DEFAULT_NCCA_PARAMS.vote, v1: 0.85, v2: 0.55 } };
const IDS = ['t0', 't1', 't2', 't3', 't4'];
const withVote = (v: Partial<NccaParams['vote']>): NccaParams => ({ ...P, vote: { ...P.vote, ...v } });
const close = (actual: number | undefined, expected: number, eps = 1e-12) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

// Role weights 1 / 1.2 / 0.5, ζ_yes = 0.8, ζ_no = 0.2 (the defaults), v1 = 0.85, v2 = 0.55.
const VOTERS: Voter[] = [
  { address: 'A', role: 'validator', cell: 0 },
  { address: 'B', role: 'multi-region', cell: 0 },
  { address: 'C', role: 'normal', cell: 1 },
  { address: 'D', role: 'validator', cell: 1 },
  { address: 'E', role: 'normal', cell: 1 }, // eligible, never sends a ballot: abstains on every id
];
const b = (voter: string, yes: string[], round: 1 | 2 = 1): Ballot => ({ voter, round, yes });
const ROUND1 = [b('A', ['t0', 't1', 't2']), b('B', ['t0', 't1']), b('C', ['t0', 't2', 't3']), b('D', ['t0', 't1'])];
const TOTAL = 0.8 * (1 + 1.2 + 0.5 + 1 + 0.5); // all eligible voters, E included

describe('consensus/ncca/tx-set-vote', () => {
  describe('the formula', () => {
    it('matches hand-computed votes (yes ζ_q·ζ_yes, abstain or silent ζ_q·ζ_no, over all eligible weight)', () => {
      const votes = tallyRound(VOTERS, ROUND1, P, 1);
      assert.deepEqual([...votes.keys()], ['t0', 't1', 't2', 't3']);
      close(votes.get('t0'), (0.8 * (1 + 1.2 + 0.5 + 1) + 0.2 * 0.5) / TOTAL); // 0.91071…
      close(votes.get('t1'), (0.8 * (1 + 1.2 + 1) + 0.2 * (0.5 + 0.5)) / TOTAL); // 0.82142…
      close(votes.get('t2'), (0.8 * (1 + 0.5) + 0.2 * (1.2 + 1 + 0.5)) / TOTAL); // 0.51785…
      close(votes.get('t3'), (0.8 * 0.5 + 0.2 * (1 + 1.2 + 1 + 0.5)) / TOTAL); // 0.33928…
      assert.deepEqual(Object.fromEntries(classify(votes, P, 1)), { t0: 'confirmed', t1: 'carried', t2: 'dropped', t3: 'dropped' });
    });

    it('every eligible voter saying yes gives exactly 1; the voter order does not matter', () => {
      const all = VOTERS.map((v) => b(v.address, ['x']));
      assert.equal(tallyRound(VOTERS, all, P, 1).get('x'), 1);
      const reversed = [...VOTERS].reverse();
      assert.deepEqual(tallyRound(reversed, ROUND1, P, 1), tallyRound(VOTERS, ROUND1, P, 1));
    });

    it('ζ_yes = 1, ζ_no = 0: the vote is the yes share of the eligible role weight', () => {
      const votes = tallyRound(VOTERS, ROUND1, withVote({ yes: 1, no: 0 }), 1);
      close(votes.get('t1'), (1 + 1.2 + 1) / 4.2);
      close(votes.get('t3'), 0.5 / 4.2);
    });

    it('a quarter of the weight silent does not hold back what everyone else supports (abstainers need 30 %)', () => {
      const four: Voter[] = ['a', 'b', 'c', 'd'].map((address) => ({ address, role: 'validator', cell: 0 }));
      const votes = tallyRound(four, [b('a', ['x']), b('b', ['x']), b('c', ['x'])], DEFAULT_NCCA_PARAMS, 1);
      close(votes.get('x'), 0.75 + 0.25 * 0.25);
      assert.equal(classify(votes, DEFAULT_NCCA_PARAMS, 1).get('x'), 'confirmed');
      // The proposer's running count settles on the same fate without waiting for the silent voter.
      const tally = new RunningTally(['x'], new Map(four.map((v) => [v.address, v])), new Map(), DEFAULT_NCCA_PARAMS, 1);
      for (const v of ['a', 'b', 'c']) tally.add(v, () => true);
      const { settled, fates } = tally.fates();
      assert.ok(settled);
      assert.equal(fates.get('x'), 'confirmed');
    });

    it('ζ_yes = ζ_no is refused: a yes would weigh no more than silence', () => {
      assert.throws(() => tallyRound(VOTERS, ROUND1, withVote({ yes: 0.5, no: 0.5 }), 1), /vote.yes must exceed vote.no/);
    });

    it('ζ_yes + ζ_no = 1 keeps every vote in [0, 1] (property over ζ_yes ∈ (0.5, 1])', () => {
      fc.assert(
        fc.property(arbVoting(), fc.double({ min: 0.5, minExcluded: true, max: 1, noNaN: true }), ({ voters, ballots }, yes) => {
          const p = withVote({ yes, no: 1 - yes });
          for (const v of tallyRound(voters, ballots, p, 1).values()) assert.ok(v >= 0 && v <= 1, `vote ${v}`);
        }),
      );
    });

    it('a non-voter lowers every vote (the denominator counts all eligible voters)', () => {
      const withoutE = VOTERS.filter((v) => v.address !== 'E');
      const full = tallyRound(withoutE, ROUND1, P, 1);
      const lower = tallyRound(VOTERS, ROUND1, P, 1);
      for (const [id, v] of lower) assert.ok(v < full.get(id)!, id);
      assert.equal(full.get('t0'), 1);
    });

    it('rejects vote weights that would let an abstention outweigh a yes, and repeated voters', () => {
      assert.throws(() => tallyRound(VOTERS, ROUND1, withVote({ yes: 0.4, no: 0.6 }), 1), RangeError);
      assert.throws(() => tallyRound([...VOTERS, VOTERS[0]!], ROUND1, P, 1), RangeError);
    });

    it('no eligible voters: nothing is under vote; explicit ids get 0', () => {
      assert.equal(tallyRound([], ROUND1, P, 1).size, 0);
      assert.deepEqual([...tallyRound([], [], P, 2, ['a'])], [['a', 0]]);
    });
  });

  describe('monotonicity (a proposer cannot gain by leaving ballots out)', () => {
    it('an extra ballot never lowers a vote', () => {
      fc.assert(
        fc.property(arbVoting(), fc.nat(), fc.subarray(IDS), ({ voters, ballots }, pick, yes) => {
          const silent = voters.filter((v) => !ballots.some((x) => x.voter === v.address));
          fc.pre(silent.length > 0);
          const extra = b(silent[pick % silent.length]!.address, yes);
          const before = tallyRound(voters, ballots, P, 1);
          const after = tallyRound(voters, [...ballots, extra], P, 1);
          for (const [id, v] of before) assert.ok(after.get(id)! >= v, `${id}: ${after.get(id)} < ${v}`);
          // with the ids under vote fixed as well
          const fixedBefore = tallyRound(voters, ballots, P, 1, IDS);
          const fixedAfter = tallyRound(voters, [...ballots, extra], P, 1, IDS);
          for (const id of IDS) assert.ok(fixedAfter.get(id)! >= fixedBefore.get(id)!);
        }),
      );
    });

    it('removing a ballot never raises a vote', () => {
      fc.assert(
        fc.property(arbVoting(), fc.nat(), ({ voters, ballots }, pick) => {
          fc.pre(ballots.length > 0);
          const fewer = ballots.filter((_, i) => i !== pick % ballots.length);
          const before = tallyRound(voters, ballots, P, 1);
          const after = tallyRound(voters, fewer, P, 1);
          for (const [id, v] of after) assert.ok(v <= before.get(id)!, `${id}: ${v} > ${before.get(id)}`);
        }),
      );
    });

    it('turning an abstention into a yes raises that id and leaves the others alone', () => {
      fc.assert(
        fc.property(arbVoting(), fc.nat(), fc.constantFrom(...IDS), ({ voters, ballots }, pick, id) => {
          fc.pre(ballots.length > 0);
          const i = pick % ballots.length;
          const more = ballots.map((x, k) => (k === i ? { ...x, yes: [...x.yes, id] } : x));
          const before = tallyRound(voters, ballots, P, 1, IDS);
          const after = tallyRound(voters, more, P, 1, IDS);
          for (const other of IDS) {
            if (other === id) assert.ok(after.get(id)! >= before.get(id)!);
            else assert.equal(after.get(other), before.get(other));
          }
        }),
      );
    });
  });

  describe('classification at the thresholds', () => {
    it('round 1: v1 confirms, [v2, v1) carries, below v2 drops', () => {
      const { v1, v2 } = P.vote;
      const below = (x: number) => x - Number.EPSILON;
      assert.equal(classifyVote(1, P, 1), 'confirmed');
      assert.equal(classifyVote(v1, P, 1), 'confirmed');
      assert.equal(classifyVote(below(v1), P, 1), 'carried');
      assert.equal(classifyVote(v2, P, 1), 'carried');
      assert.equal(classifyVote(below(v2), P, 1), 'dropped');
      assert.equal(classifyVote(0, P, 1), 'dropped');
    });

    it('round 2: v1 confirms, anything below drops (no second carry)', () => {
      const { v1, v2 } = P.vote;
      assert.equal(classifyVote(v1, P, 2), 'confirmed');
      assert.equal(classifyVote(v1 - Number.EPSILON, P, 2), 'dropped');
      assert.equal(classifyVote(v2, P, 2), 'dropped');
      assert.deepEqual(Object.fromEntries(classify(new Map([['a', v1], ['b', v2]]), P, 2)), { a: 'confirmed', b: 'dropped' });
    });

    it('a tally landing exactly on v1 and v2 (4/5 and 3/5 of equal validators, ζ_yes = 1)', () => {
      const p: NccaParams = { ...withVote({ yes: 1, no: 0, v1: 0.8, v2: 0.6 }) };
      const five: Voter[] = ['a', 'b', 'c', 'd', 'e'].map((address) => ({ address, role: 'validator', cell: 0 }));
      const ballots = [b('a', ['x', 'y']), b('b', ['x', 'y']), b('c', ['x', 'y']), b('d', ['x']), b('e', [])];
      const votes = tallyRound(five, ballots, p, 1);
      assert.equal(votes.get('x'), 0.8);
      assert.equal(votes.get('y'), 0.6);
      assert.deepEqual(Object.fromEntries(classify(votes, p, 1)), { x: 'confirmed', y: 'carried' });
    });
  });

  describe('ballot admission', () => {
    it('discards ineligible voters, wrong-round ballots, and second ballots (duplicate or conflicting)', () => {
      const ballots = [
        b('A', ['t0']),
        b('Z', ['t0', 't9']), // not an eligible voter
        b('A', ['t0']), // same ballot again
        b('A', ['t9']), // a different second ballot
        b('B', ['t0'], 2), // round 2 ballot among round 1 ones
      ];
      const { accepted, discarded } = admitBallots(VOTERS, ballots, 1);
      assert.deepEqual([...accepted.keys()], ['A']);
      assert.deepEqual(
        discarded.map((d) => [d.ballot.voter, d.reason]),
        [
          ['Z', 'ineligible'],
          ['A', 'duplicate'],
          ['A', 'conflicting'],
          ['B', 'wrong-round'],
        ],
      );
      // discarded ballots change nothing: t9 is not even under vote
      assert.deepEqual(tallyRound(VOTERS, ballots, P, 1), tallyRound(VOTERS, [b('A', ['t0'])], P, 1));
    });

    it('repeated ids inside one ballot count once', () => {
      assert.deepEqual(tallyRound(VOTERS, [b('A', ['x', 'x', 'x'])], P, 1), tallyRound(VOTERS, [b('A', ['x'])], P, 1));
    });
  });

  describe('two rounds', () => {
    it('carried ids are decided by the round-2 ballots; others keep their round-1 fate', () => {
      const r2 = ['A', 'B', 'C', 'D', 'E'].map((voter) => b(voter, voter === 'B' ? ['t1', 't3'] : ['t1'], 2));
      const d = decideTxSet(VOTERS, ROUND1, r2, P);
      assert.deepEqual(d.carried, ['t1']);
      assert.equal(d.round2Votes.get('t1'), 1); // every eligible voter says yes in round 2
      assert.deepEqual([...d.round2Votes.keys()], ['t1']); // t3 was dropped in round 1: not under vote again
      assert.deepEqual(d.confirmed, ['t1', 't0']); // 1 > 0.9107: by deciding vote
      assert.deepEqual(d.dropped, ['t2', 't3']);
      assert.equal(d.votes.get('t1'), d.round2Votes.get('t1'));
      assert.equal(d.votes.get('t0'), d.round1Votes.get('t0'));
      assert.deepEqual(d.discarded, []);
    });

    it('a carried id without enough round-2 support is dropped, even above v2', () => {
      const r2 = [b('A', ['t1'], 2), b('B', ['t1'], 2), b('C', [], 2)]; // (0.8·2.2 + 0.2·2)/3.36 = 0.6429
      const d = decideTxSet(VOTERS, ROUND1, r2, P);
      assert.ok(d.votes.get('t1')! >= P.vote.v2 && d.votes.get('t1')! < P.vote.v1);
      assert.deepEqual(d.confirmed, ['t0']);
      assert.deepEqual(d.dropped, ['t1', 't2', 't3']);
    });

    it('no round-2 ballots drops every carried id; round-1 ballots in round 2 are discarded', () => {
      const d = decideTxSet(VOTERS, ROUND1, [b('A', ['t1'])], P);
      close(d.votes.get('t1'), P.vote.no / P.vote.yes); // everybody abstains
      assert.deepEqual(d.confirmed, ['t0']);
      assert.deepEqual(d.discarded.map((x) => x.reason), ['wrong-round']);
    });

    it('confirmed ∪ dropped partitions the round-1 ids; confirmed is sorted by vote, then id (property)', () => {
      fc.assert(
        fc.property(arbVoting(), fc.array(fc.record({ who: fc.nat(), yes: fc.subarray(IDS) }), { maxLength: 8 }), ({ voters, ballots }, raw) => {
          const r2 = raw.map(({ who, yes }) => b(voters[who % voters.length]!.address, yes, 2));
          const d = decideTxSet(voters, ballots, r2, P);
          assert.deepEqual([...d.confirmed, ...d.dropped].sort(), [...d.round1Votes.keys()].sort());
          for (let i = 1; i < d.confirmed.length; i++) {
            const [x, y] = [d.confirmed[i - 1]!, d.confirmed[i]!];
            assert.ok(d.votes.get(x)! > d.votes.get(y)! || (d.votes.get(x) === d.votes.get(y) && x < y));
          }
          for (const id of d.confirmed) assert.ok(d.votes.get(id)! >= P.vote.v1);
          for (const id of d.carried) assert.equal(classifyVote(d.round1Votes.get(id)!, P, 1), 'carried');
        }),
      );
    });
  });

  describe("a transaction's cell", () => {
    // Two validators and two normal nodes in each of cells 0 and 1; t0 comes from cell 0.
    const voters: Voter[] = [
      { address: 'V0', role: 'validator', cell: 0 },
      { address: 'V1', role: 'validator', cell: 1 },
      { address: 'N0a', role: 'normal', cell: 0 },
      { address: 'N0b', role: 'normal', cell: 0 },
      { address: 'N1a', role: 'normal', cell: 1 },
      { address: 'N1b', role: 'normal', cell: 1 },
    ];
    const heard = [b('V0', ['t0']), b('V1', ['t0']), b('N0a', ['t0']), b('N0b', ['t0']), b('N1a', []), b('N1b', [])];

    it("leaves other cells' normal nodes out of the vote on it, instead of counting them as abstentions", () => {
      // Without the cell: (2·0.8 + 2·0.5·0.8 + 2·0.5·0.2) / (2·0.8 + 4·0.5·0.8) = 2.6 / 3.2.
      close(tallyRound(voters, heard, P, 1).get('t0'), 2.6 / 3.2);
      close(tallyRound(voters, heard, P, 1, undefined, new Map([['t0', 0]])).get('t0'), 1);
    });

    it('counts a missing ballot of an eligible voter as an abstention', () => {
      const withoutN0b = heard.filter((x) => x.voter !== 'N0b');
      // (2·0.8 + 0.5·0.8 + 0.5·0.2) / (2·0.8 + 2·0.5·0.8)
      close(tallyRound(voters, withoutN0b, P, 1, undefined, new Map([['t0', 0]])).get('t0'), 2.1 / 2.4);
    });
  });

  describe('per-cell tallies', () => {
    it('each cell votes from its own voters only', () => {
      const cells = tallyByCell(VOTERS, ROUND1, P, 1);
      assert.deepEqual([...cells.keys()], [0, 1]);
      const c0 = cells.get(0)!;
      const c1 = cells.get(1)!;
      close(c0.weight, 0.8 * 2.2);
      close(c1.weight, 0.8 * 2);
      close(c0.votes.get('t3'), (0.2 * 2.2) / (0.8 * 2.2)); // nobody in cell 0 holds t3: abstentions only
      close(c1.votes.get('t1'), (0.8 * 1 + 0.2 * (0.5 + 0.5)) / (0.8 * 2)); // C abstains, E is silent
      assert.deepEqual([...c0.votes.keys()], ['t0', 't1', 't2', 't3']);
    });

    it('the global vote is the weight-average of the cell votes: Σ w_c·vote_c / Σ w_c (property)', () => {
      fc.assert(
        fc.property(arbVoting(), arbVoteParams(), ({ voters, ballots }, p) => {
          const global = tallyRound(voters, ballots, p, 1);
          const cells = tallyByCell(voters, ballots, p, 1);
          const combined = combineCells(cells.values());
          assert.deepEqual([...combined.keys()], [...global.keys()]);
          for (const [id, v] of global) close(combined.get(id), v, 1e-9);
          let w = 0;
          for (const c of cells.values()) w += c.weight;
          close(w, voters.reduce((s, v) => s + voterWeight(v.role, p), 0), 1e-9);
        }),
      );
    });
  });
});


/** 1..12 eligible voters over 9 cells, and round-1 ballots from some of them. */
function arbVoting(): fc.Arbitrary<{ voters: Voter[]; ballots: Ballot[] }> {
  const role = fc.constantFrom<VoterRole>('validator', 'multi-region', 'normal');
  return fc
    .array(fc.record({ role, cell: fc.integer({ min: 0, max: 8 }), ballot: fc.option(fc.subarray(IDS), { nil: undefined }) }), {
      minLength: 1,
      maxLength: 12,
    })
    .map((rows) => ({
      voters: rows.map((r, i) => ({ address: `v${i}`, role: r.role, cell: r.cell })),
      ballots: rows.flatMap((r, i) => (r.ballot === undefined ? [] : [b(`v${i}`, r.ballot)])),
    }));
}

function arbVoteParams(): fc.Arbitrary<NccaParams> {
  const w = fc.double({ min: 0.01, max: 5, noNaN: true });
  return fc.record({ validator: w, multiRegion: w, normal: w, yes: fc.double({ min: 0.5, minExcluded: true, max: 1, noNaN: true }) }).map((r) =>
    withVote({ roleWeight: { validator: r.validator, multiRegion: r.multiRegion, normal: r.normal }, yes: r.yes, no: 1 - r.yes }),
  );
}
