import { strict as assert } from 'node:assert';
import { ObservationBook } from '../../../../src/consensus/detection/observation-book.js';

const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);
const C = 'cc'.repeat(32);
const D = 'dd'.repeat(32);
const E = 'ee'.repeat(32);
const BLOCK = '11'.repeat(32);
const NOWHERE = '22'.repeat(32);
/** No validators named: every signer is measured against one median. */
const NONE: ReadonlySet<string> = new Set();

/** One height in which A, B and C each send a ballot and two votes for the proposed block. */
function typicalHeight(book: ObservationBook, h: number, t0: number): void {
  book.proposed(h, BLOCK, t0);
  for (const [i, s] of [A, B, C].entries()) {
    book.note(s, h, t0 + 10 * i, 'accept');
    book.note(s, h, t0 + 100 + i, 'accept', BLOCK);
    book.note(s, h, t0 + 200 + i, 'accept', BLOCK);
  }
}

describe('round-2 observations (η per height)', () => {
  it('a typical node is about 1, a silent one 0, a duplicate is not a message', () => {
    const book = new ObservationBook();
    typicalHeight(book, 5, 1_000);
    book.note(A, 5, 1_500, 'ignore');
    book.close(5, NONE);
    for (const s of [A, B, C]) assert.ok(Math.abs(book.nsOf(5, s)! - 1000) < 20, `ns of ${s.slice(0, 2)}`);
    assert.equal(book.nsOf(5, D), 0, 'nothing heard from D');
    assert.equal(book.exchangesWith(A), 3);
  });

  it('rejected messages and votes for blocks nobody proposed raise ns (the quality term)', () => {
    const book = new ObservationBook();
    typicalHeight(book, 5, 1_000);
    book.note(D, 5, 1_050, 'accept');
    book.note(D, 5, 1_150, 'accept', BLOCK);
    book.note(D, 5, 1_160, 'reject');
    book.note(D, 5, 1_250, 'accept', NOWHERE);
    book.close(5, NONE);
    assert.ok(book.nsOf(5, D)! > 2000, `ns ${book.nsOf(5, D)} should be well above a typical node's`);
  });

  it('late first messages add their delay; a closed height takes no more notes', () => {
    const book = new ObservationBook();
    typicalHeight(book, 5, 1_000);
    book.note(D, 5, 4_000, 'accept');
    book.note(D, 5, 4_100, 'accept', BLOCK);
    book.note(D, 5, 4_200, 'accept', BLOCK);
    book.close(5, NONE);
    const late = book.nsOf(5, D)!;
    assert.ok(late > 1800, `3 s late: ns ${late}`);
    book.note(D, 5, 5_000, 'accept');
    assert.equal(book.nsOf(5, D), late);
  });

  it('a validator is measured against the validators, a normal node against the normal nodes', () => {
    // Validators A, B, C are heard in a ballot and two votes each; normal nodes D and E in one ballot each.
    const book = new ObservationBook();
    typicalHeight(book, 5, 1_000);
    book.note(D, 5, 1_005, 'accept');
    book.note(E, 5, 1_006, 'accept');
    book.close(5, new Set([A, B, C]));
    for (const s of [A, B, C, D, E]) assert.ok(Math.abs(book.nsOf(5, s)! - 1000) < 20, `ns of ${s.slice(0, 2)}: ${book.nsOf(5, s)}`);
  });

  it('a height at which this replica heard nobody is no observation at all', () => {
    const book = new ObservationBook();
    book.close(7, NONE);
    assert.equal(book.nsOf(7, A), undefined);
    assert.equal(book.nsOf(8, A), undefined, 'not closed yet');
  });
});
