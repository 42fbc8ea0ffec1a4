import { strict as assert } from 'node:assert';
import { parseStatCpuSeconds, readCpuSeconds, totalCpuSeconds } from '../../../src/cli/cpu-time.js';
import { RssSampler, parseVmRss, readRss } from '../../../src/cli/rss-sampler.js';
import { measureVerifyRate, sigBoundTps } from '../../../src/cli/sig-bound.js';

const STATUS = ['Name:\tnode', 'VmPeak:\t 1200000 kB', 'VmHWM:\t  210000 kB', 'VmRSS:\t  204800 kB', 'RssAnon:\t  150000 kB', ''].join('\n');

describe('bench measures', () => {
  it('measureVerifyRate returns a positive finite rate', () => {
    const rate = measureVerifyRate(50);
    assert.ok(Number.isFinite(rate) && rate > 0, `rate ${rate}`);
  });

  it('sigBoundTps spreads one core’s rate over the cores and divides it among the nodes', () => {
    assert.equal(sigBoundTps(10_000, 2, 9), 2222);
    assert.equal(sigBoundTps(9_000, 4, 4), 9000);
  });

  it('parseVmRss reads the VmRSS line in bytes, not VmHWM or RssAnon', () => {
    assert.equal(parseVmRss(STATUS), 204800 * 1024);
    assert.equal(parseVmRss('Name:\tkthreadd\nState:\tS (sleeping)\n'), undefined);
  });

  it('parseStatCpuSeconds adds utime and stime, counting fields after a command name with spaces and parentheses', () => {
    const tail = 'S 1 2 3 4 5 6 7 8 9 10 1234 66 0 0 20 0 11 0 500 1000 200';
    assert.equal(parseStatCpuSeconds(`42 (node) ${tail}`), 13);
    assert.equal(parseStatCpuSeconds(`42 (a (b) c) ${tail}`), 13);
    assert.equal(parseStatCpuSeconds('42 (node) S 1 2'), undefined);
  });

  describe('on Linux', () => {
    before(function () {
      if (process.platform !== 'linux') this.skip();
    });

    it('readRss of this process is positive, and undefined for a pid that does not exist', async () => {
      assert.ok(((await readRss(process.pid)) ?? 0) > 0);
      assert.equal(await readRss(2 ** 31 - 1), undefined);
    });

    it('readCpuSeconds of this process grows with work; totalCpuSeconds is undefined if a pid is gone', async () => {
      const before = (await readCpuSeconds(process.pid))!;
      const until = Date.now() + 60;
      while (Date.now() < until);
      assert.ok((await readCpuSeconds(process.pid))! > before);
      assert.equal(await totalCpuSeconds([process.pid, 2 ** 31 - 1]), undefined);
    });

    it('RssSampler of this process reports its peak in MB', async () => {
      const sampler = new RssSampler([process.pid], 10);
      sampler.start();
      await new Promise((r) => setTimeout(r, 50));
      const mb = await sampler.stop();
      assert.ok(mb !== null && Number.isInteger(mb) && mb > 0, `max_rss_mb ${mb}`);
    });
  });

  it('RssSampler reports null when no sample can be read', async () => {
    const sampler = new RssSampler([2 ** 31 - 1], 10);
    sampler.start();
    assert.equal(await sampler.stop(), null);
  });
});
