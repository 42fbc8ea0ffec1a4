import { strict as assert } from 'node:assert';
import { ProgressBar, type ProgressStream, formatDuration } from '../../../../src/sim/experiment/progress-bar.js';

class FakeStream implements ProgressStream {
  out = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(s: string): boolean {
    this.out += s;
    return true;
  }
}

/** A clock the test moves by hand. */
function fakeClock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('sim/experiment/progress-bar', () => {
  it('formatDuration: seconds, minutes and seconds, hours and minutes', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(44_600), '45s');
    assert.equal(formatDuration(80_000), '1m20s');
    assert.equal(formatDuration(3_600_000 + 125_000), '1h02m');
    assert.equal(formatDuration(-5), '0s');
  });

  it('not a TTY: one plain line per completed item with bar, count, label and ETA; no \\r', () => {
    const s = new FakeStream(false);
    const clock = fakeClock();
    const bar = new ProgressBar(4, s, { now: clock.now, width: 8 });
    assert.equal(s.out, '', 'nothing before the first item');
    clock.advance(10_000);
    bar.tick('ncca m=0 seed=1');
    clock.advance(10_000);
    bar.tick('ncca m=0 seed=2');
    clock.advance(50_000);
    bar.tick('pos m=30 seed=1');
    clock.advance(10_000);
    bar.tick('pos m=30 seed=2');
    bar.done();
    assert.equal(
      s.out,
      [
        '[##------] 1/4 ncca m=0 seed=1  eta 30s',
        '[####----] 2/4 ncca m=0 seed=2  eta 20s',
        '[######--] 3/4 pos m=30 seed=1  eta 23s',
        '[########] 4/4 pos m=30 seed=2  took 1m20s',
        '',
      ].join('\n'),
    );
    assert.equal(bar.count, 4);
  });

  it('a TTY: redraws one line with \\r, blanks what a shorter line leaves, done() ends the line once', () => {
    const s = new FakeStream(true);
    const clock = fakeClock();
    const bar = new ProgressBar(2, s, { now: clock.now, width: 4 });
    clock.advance(1000);
    bar.tick('long label here');
    clock.advance(1000);
    bar.tick('x');
    bar.done();
    bar.done();
    bar.tick('after done is ignored');
    const first = '[##--] 1/2 long label here  eta 1s';
    const second = '[####] 2/2 x  took 2s';
    assert.equal(s.out, '\r' + first + '\r' + second.padEnd(first.length) + '\n');
  });

  it('a TTY line is cut to the terminal width', () => {
    const s = new FakeStream(true, 20);
    const bar = new ProgressBar(10, s, { now: fakeClock().now });
    bar.tick('a label that is long');
    assert.equal(s.out.length, 1 + 19);
    bar.done();
  });

  it('done() without any tick writes nothing; a bad total is refused', () => {
    const s = new FakeStream(true);
    new ProgressBar(3, s, { now: fakeClock().now }).done();
    assert.equal(s.out, '');
    assert.throws(() => new ProgressBar(-1, s), RangeError);
  });
});
