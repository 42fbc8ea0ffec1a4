/**
 * A line chart as a standalone SVG string, with no dependency: the figures of `posplus experiment` must build on
 * any machine and be byte-identical for identical data, which a plotting library or a browser would not promise.
 *
 * x is numeric (the malicious count), each series is a line through its points' means with an error bar from
 * `lo` to `hi` at each point. Every point is a <g> carrying data-engine, data-series, data-x and data-mean, so a
 * test (or a script) can read the data back out of the figure.
 */
import { fixed } from './number-format.js';
import { type Axis, niceAxis } from './nice-ticks.js';
import { escapeXml } from './xml-escape.js';

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross';

export interface ChartPoint {
  x: number;
  mean: number;
  /** The error bar's ends; the chart's subtitle says what they are. */
  lo: number;
  hi: number;
}

export interface ChartSeries {
  /** Legend text, e.g. "ncca" or "ncca recall". */
  label: string;
  engine: string;
  color: string;
  marker: MarkerShape;
  /** An open marker and a dashed line: the second series of one engine (fig 7's precision). */
  secondary?: boolean;
  points: ChartPoint[];
}

export interface LineChart {
  title: string;
  /** Says what a point and an error bar are. */
  subtitle: string;
  xTitle: string;
  yTitle: string;
  series: ChartSeries[];
  /** A fixed y range (fig 7's 0..1); otherwise from 0 (or the lowest bar end) to the highest bar end. */
  yRange?: readonly [number, number];
  /** Shown in place of the plot when no series has a point, so an empty figure says why it is empty. */
  emptyMessage: string;
}

const WIDTH = 760;
const HEIGHT = 460;
const PLOT = { left: 80, top: 70, right: WIDTH - 190, bottom: HEIGHT - 60 } as const;
const FONT = 'font-family="sans-serif"';
/** Horizontal spread between series at one x, in pixels, so error bars of different engines do not hide each other. */
const DODGE = 5;

const px = (v: number): string => fixed(v, 2);

function line(x1: number, y1: number, x2: number, y2: number, attrs = ''): string {
  return `<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}"${attrs ? ' ' + attrs : ''}/>`;
}

/** A path through `points` ([x, y] pairs); `closed` ends it with Z. */
function path(points: readonly (readonly [number, number])[], attrs: string, closed = true): string {
  const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)},${px(y)}`).join(' ');
  return `<path d="${d}${closed ? ' Z' : ''}" ${attrs}/>`;
}

function marker(shape: MarkerShape, x: number, y: number, color: string, open: boolean): string {
  const paint = `fill="${open ? '#ffffff' : color}" stroke="${color}" stroke-width="1.5"`;
  const r = 4.5;
  switch (shape) {
    case 'circle':
      return `<circle cx="${px(x)}" cy="${px(y)}" r="${r}" ${paint}/>`;
    case 'square':
      return `<rect x="${px(x - r)}" y="${px(y - r)}" width="${2 * r}" height="${2 * r}" ${paint}/>`;
    case 'triangle':
      return path([[x, y - r - 1], [x + r + 1, y + r], [x - r - 1, y + r]], paint);
    case 'diamond':
      return path([[x, y - r - 1], [x + r + 1, y], [x, y + r + 1], [x - r - 1, y]], paint);
    case 'cross':
      const stroke = `stroke="${color}" stroke-width="2"`;
      return `<g class="marker">${line(x - r, y - r, x + r, y + r, stroke)}${line(x - r, y + r, x + r, y - r, stroke)}</g>`;
  }
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${px(x)}" y="${px(y)}" ${FONT}${attrs ? ' ' + attrs : ''}>${escapeXml(s)}</text>`;
}

function axes(xAxis: Axis, yAxis: Axis, chart: LineChart, sx: (v: number) => number, sy: (v: number) => number): string[] {
  const out: string[] = ['<g class="axes" stroke="#000000" stroke-width="1">'];
  for (const t of yAxis.ticks) {
    const y = sy(t);
    out.push(line(PLOT.left, y, PLOT.right, y, 'stroke="#e0e0e0"'), line(PLOT.left - 5, y, PLOT.left, y));
    out.push(text(PLOT.left - 8, y + 4, fixed(t, yAxis.decimals), 'font-size="12" text-anchor="end" stroke="none"'));
  }
  for (const t of xAxis.ticks) {
    const x = sx(t);
    out.push(line(x, PLOT.bottom, x, PLOT.bottom + 5));
    out.push(text(x, PLOT.bottom + 20, fixed(t, xAxis.decimals), 'font-size="12" text-anchor="middle" stroke="none"'));
  }
  out.push(line(PLOT.left, PLOT.bottom, PLOT.right, PLOT.bottom), line(PLOT.left, PLOT.top, PLOT.left, PLOT.bottom));
  out.push('</g>');
  out.push(text((PLOT.left + PLOT.right) / 2, HEIGHT - 18, chart.xTitle, 'font-size="13" text-anchor="middle"'));
  const yMid = (PLOT.top + PLOT.bottom) / 2;
  out.push(text(20, yMid, chart.yTitle, `font-size="13" text-anchor="middle" transform="rotate(-90 20 ${px(yMid)})"`));
  return out;
}

function seriesSvg(s: ChartSeries, dodge: number, sx: (v: number) => number, sy: (v: number) => number): string[] {
  const open = s.secondary === true;
  const points = [...s.points].sort((a, b) => a.x - b.x);
  const label = escapeXml(s.label);
  const out = [`<g class="series" data-engine="${escapeXml(s.engine)}" data-series="${label}">`];
  if (points.length > 1) {
    const dash = open ? ' stroke-dasharray="6 4"' : '';
    const xy = points.map((p) => [sx(p.x) + dodge, sy(p.mean)] as const);
    out.push(path(xy, `fill="none" stroke="${s.color}" stroke-width="2"${dash}`, false));
  }
  const bar = `stroke="${s.color}" stroke-width="1.2"`;
  for (const p of points) {
    const x = sx(p.x) + dodge;
    const data = `data-x="${p.x}" data-mean="${p.mean}" data-lo="${p.lo}" data-hi="${p.hi}"`;
    out.push(
      `<g class="point" data-engine="${escapeXml(s.engine)}" data-series="${label}" ${data}>`,
      line(x, sy(p.lo), x, sy(p.hi), bar),
      line(x - 4, sy(p.lo), x + 4, sy(p.lo), bar),
      line(x - 4, sy(p.hi), x + 4, sy(p.hi), bar),
      marker(s.marker, x, sy(p.mean), s.color, open),
      '</g>',
    );
  }
  out.push('</g>');
  return out;
}

function legend(series: readonly ChartSeries[]): string[] {
  const x = PLOT.right + 20;
  const out = ['<g class="legend">'];
  series.forEach((s, i) => {
    const y = PLOT.top + 10 + i * 22;
    const dash = s.secondary ? ' stroke-dasharray="6 4"' : '';
    out.push(line(x, y, x + 30, y, `stroke="${s.color}" stroke-width="2"${dash}`));
    out.push(marker(s.marker, x + 15, y, s.color, s.secondary === true));
    out.push(text(x + 38, y + 4, s.label, 'font-size="12"'));
  });
  out.push('</g>');
  return out;
}

/** The chart as an SVG document (no XML declaration: it starts with `<svg`), lines ending in \n. */
export function lineChartSvg(chart: LineChart): string {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(WIDTH / 2, 28, chart.title, 'font-size="17" font-weight="bold" text-anchor="middle"'),
    text(WIDTH / 2, 48, chart.subtitle, 'font-size="12" fill="#444444" text-anchor="middle"'),
  ];
  const drawn = chart.series.filter((s) => s.points.length > 0);
  const all = drawn.flatMap((s) => s.points);
  if (all.length === 0) {
    const [w, h] = [PLOT.right - PLOT.left, PLOT.bottom - PLOT.top];
    out.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${w}" height="${h}" fill="none" stroke="#999999"/>`);
    const middle = 'font-size="14" text-anchor="middle" class="empty"';
    out.push(text(PLOT.left + w / 2, PLOT.top + h / 2, chart.emptyMessage, middle));
    return out.join('\n') + '\n</svg>\n';
  }
  const xAxis = niceAxis(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)), 6, true);
  // Without a fixed range, 5 % headroom keeps the highest bar off the frame.
  const [yMin, yMax] = chart.yRange ?? [Math.min(0, ...all.map((p) => p.lo)), Math.max(...all.map((p) => p.hi)) * 1.05];
  const yAxis = niceAxis(yMin, yMax, 5);
  const sx = (v: number) => PLOT.left + 20 + ((v - xAxis.lo) / (xAxis.hi - xAxis.lo)) * (PLOT.right - PLOT.left - 40);
  const sy = (v: number) => PLOT.bottom - ((v - yAxis.lo) / (yAxis.hi - yAxis.lo)) * (PLOT.bottom - PLOT.top);
  out.push(...axes(xAxis, yAxis, chart, sx, sy));
  drawn.forEach((s, i) => out.push(...seriesSvg(s, (i - (drawn.length - 1) / 2) * DODGE, sx, sy)));
  out.push(...legend(drawn));
  return out.join('\n') + '\n</svg>\n';
}
