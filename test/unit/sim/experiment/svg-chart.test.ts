import { strict as assert } from 'node:assert';
import { FIGURE_FILES, figureSvgs } from '../../../../src/sim/experiment/figures.js';
import { niceAxis } from '../../../../src/sim/experiment/nice-ticks.js';
import { summarize } from '../../../../src/sim/experiment/summary.js';
import { type LineChart, lineChartSvg } from '../../../../src/sim/experiment/svg-chart.js';
import { escapeXml } from '../../../../src/sim/experiment/xml-escape.js';
import { grid, run, shuffled } from './fixtures.js';
import { type XmlElement, elements, parseXml, textOf } from './xml-check.js';

/** Parses `svg` strictly and checks the root; returns it. */
function svgRoot(svg: string): XmlElement {
  assert.ok(svg.startsWith('<svg'), svg.slice(0, 40));
  const root = parseXml(svg);
  assert.equal(root.name, 'svg');
  assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
  return root;
}

const points = (root: XmlElement) => elements(root).filter((e) => e.attrs.class === 'point');
const seriesGroups = (root: XmlElement) => elements(root).filter((e) => e.attrs.class === 'series');

const chart = (over: Partial<LineChart> = {}): LineChart => ({
  title: 'T',
  subtitle: 'S',
  xTitle: 'x',
  yTitle: 'y',
  series: [{ label: 'a', engine: 'ncca', color: '#000000', marker: 'circle', points: [{ x: 0, mean: 1, lo: 0.5, hi: 2 }] }],
  emptyMessage: 'nothing here',
  ...over,
});

describe('sim/experiment/svg-chart and figures', () => {
  it('the strict XML checker itself refuses broken documents', () => {
    for (const bad of ['<svg><g></svg>', '<svg a="1" a="2"/>', '<svg>a < b</svg>', '<svg>a & b</svg>', '<svg x=1/>', '<svg/><svg/>', '<svg><g>']) {
      assert.throws(() => parseXml(bad), Error, bad);
    }
    assert.equal(textOf(parseXml('<svg><text a="&lt;&amp;">&lt;&amp;&gt;</text></svg>')), '<&>');
  });

  it('escapeXml escapes the five XML specials', () => {
    assert.equal(escapeXml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  });

  it('niceAxis: round ticks covering the range; integer steps for counts; an empty range is widened', () => {
    assert.deepEqual(niceAxis(0, 14.7, 5).ticks, [0, 5, 10, 15]);
    assert.deepEqual(niceAxis(0, 1, 5).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceAxis(0, 3, 6, true).ticks, [0, 1, 2, 3]);
    assert.deepEqual(niceAxis(0, 30, 6).ticks, [0, 5, 10, 15, 20, 25, 30]);
    assert.deepEqual([niceAxis(0, 0).lo, niceAxis(0, 0).hi], [0, 1]);
    const a = niceAxis(12, 12, 5, true);
    assert.ok(a.lo <= 12 && a.hi > 12 && a.ticks.every(Number.isInteger));
    assert.deepEqual(niceAxis(1180, 1530).ticks, [1100, 1200, 1300, 1400, 1500, 1600]);
  });

  it('text with <&> in titles, labels and engine names is escaped and the document stays well-formed', () => {
    const nasty = `m < 30 & "quotes" 'too' >`;
    const svg = lineChartSvg(
      chart({
        title: nasty,
        subtitle: nasty,
        xTitle: nasty,
        yTitle: nasty,
        series: [{ label: nasty, engine: nasty, color: '#000000', marker: 'square', points: [{ x: 1, mean: 2, lo: 1, hi: 3 }] }],
      }),
    );
    const root = svgRoot(svg);
    assert.ok(!svg.includes(nasty));
    assert.ok(textOf(root).includes(nasty));
    assert.equal(points(root)[0]!.attrs['data-engine'], nasty);
  });

  it('a chart without points is valid and shows its message', () => {
    const root = svgRoot(lineChartSvg(chart({ series: [] })));
    assert.ok(textOf(root).includes('nothing here'));
    assert.equal(points(root).length, 0);
  });

  it('every marker shape makes a valid document', () => {
    for (const marker of ['circle', 'square', 'triangle', 'diamond', 'cross'] as const) {
      const c = chart();
      svgRoot(lineChartSvg({ ...c, series: [{ ...c.series[0]!, marker, secondary: true }] }));
    }
  });

  it('figures 4–6: one series per engine and every (x, mean) of the summary as a data point', () => {
    const runs = grid();
    const cells = summarize(runs);
    const svgs = new Map(figureSvgs(runs));
    assert.deepEqual([...svgs.keys()], ['fig4-throughput.svg', 'fig5-latency.svg', 'fig6-packets.svg', 'fig7-detection.svg']);
    assert.deepEqual([...svgs.keys()], FIGURE_FILES.map((f) => f.file));
    for (const [file, key] of [
      ['fig4-throughput.svg', 'throughput_tps'],
      ['fig5-latency.svg', 'latency_ms'],
      ['fig6-packets.svg', 'packets_per_node'],
    ] as const) {
      const root = svgRoot(svgs.get(file)!);
      assert.deepEqual(seriesGroups(root).map((g) => g.attrs['data-engine']), ['ncca', 'pos'], file);
      const got = points(root).map((p) => `${p.attrs['data-engine']} ${p.attrs['data-x']} ${p.attrs['data-mean']}`);
      const want = cells.map((c) => `${c.engine} ${c.malicious} ${c.metrics[key]!.mean}`);
      assert.deepEqual(got.sort(), want.sort(), file);
      assert.match(textOf(root), /min–max/, 'the subtitle says what the error bars are');
      assert.match(textOf(root), /Malicious nodes/);
    }
  });

  it('fig 4 shows the saturating load when the runs have one (capacity), the other figures the offered load', () => {
    const paper = grid();
    const saturated = paper.map((r) => ({ ...r, load: 'saturation' as const, throughput_tps: r.throughput_tps * 10, latency_ms: r.latency_ms * 10 }));
    const svgs = new Map(figureSvgs([...paper, ...saturated]));
    const near = (xs: number[]) => xs.map((x) => x.toFixed(6)).sort();
    const means = (file: string) => near(points(svgRoot(svgs.get(file)!)).map((p) => Number(p.attrs['data-mean'])));
    const cells = summarize(paper);
    assert.deepEqual(means('fig4-throughput.svg'), near(cells.map((c) => c.metrics['throughput_tps']!.mean * 10)));
    assert.deepEqual(means('fig5-latency.svg'), near(cells.map((c) => c.metrics['latency_ms']!.mean)));
  });

  it('fig 7: a recall and a precision series per detecting engine, on 0..1, points only where defined', () => {
    const root = svgRoot(new Map(figureSvgs(grid())).get('fig7-detection.svg')!);
    assert.deepEqual(seriesGroups(root).map((g) => g.attrs['data-series']), ['ncca recall', 'ncca precision']);
    const ps = points(root);
    assert.equal(ps.filter((p) => p.attrs['data-series'] === 'ncca recall').length, 3);
    assert.deepEqual(ps.filter((p) => p.attrs['data-series'] === 'ncca precision').map((p) => p.attrs['data-x']), ['10', '20']);
    assert.ok(ps.every((p) => p.attrs['data-engine'] === 'ncca'));
    assert.ok(ps.every((p) => Number(p.attrs['data-mean']) >= 0 && Number(p.attrs['data-mean']) <= 1));
  });

  it('fig 7 with no detecting engine is still valid and says so', () => {
    const runs = [run({ engine: 'pos', recall: undefined, precision: undefined }), run({ engine: 'dpos', recall: undefined, precision: undefined })];
    const root = svgRoot(new Map(figureSvgs(runs)).get('fig7-detection.svg')!);
    assert.equal(points(root).length, 0);
    assert.match(textOf(root), /No engine .* detects/);
  });

  it('figures are byte-identical for the same runs in any order', () => {
    const runs = grid();
    assert.deepEqual(figureSvgs(shuffled(runs)), figureSvgs(runs));
  });
});
