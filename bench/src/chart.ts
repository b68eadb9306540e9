// The load sweeps of parts (b), (c), (d) and (e) as one SVG, written by hand (no dependency): for each
// part, throughput against requests in flight, and p50 and p99 latency against requests in flight
// (log scale), the reference dashed. Pure functions of the results, so the smoke test renders it.
import type { BenchResults } from './report.js';
import { isReference, modeName } from './report.js';

export interface ChartPoint {
  /** Requests in flight. */
  x: number;
  y: number;
}

export interface ChartSeries {
  name: string;
  color: string;
  /** Drawn dashed. */
  reference: boolean;
  /** p99 series are drawn with square markers, p50 and throughput with round ones. */
  marker: 'circle' | 'square';
  points: ChartPoint[];
}

export interface ChartPanel {
  title: string;
  yLabel: string;
  scale: 'linear' | 'log';
  series: ChartSeries[];
}

export interface ChartPart {
  title: string;
  xLabel: string;
  panels: [ChartPanel, ChartPanel];
  /** One legend entry per engine (color and dash), plus the p50/p99 markers. */
  legend: { name: string; color: string; reference: boolean }[];
}

/** A series' color and a darker one for its p99. */
const PALETTE = {
  reference: ['#6b6b6b', '#262626'],
  blue: ['#4c8fd6', '#174a85'],
  green: ['#4fae5a', '#1f6128'],
  orange: ['#e8923a', '#8f4d0c'],
  red: ['#d9534f', '#7d1c19'],
} as const;

interface Engine {
  name: string;
  colors: readonly [string, string];
  reference: boolean;
  /** Per level: throughput, p50, p99 (p50/p99 null when unknown). */
  points: { x: number; rate: number; p50: number | null; p99: number | null }[];
}

function partOf(title: string, xLabel: string, rateLabel: string, engines: Engine[]): ChartPart {
  const line = (engine: Engine, name: string, color: string, marker: ChartSeries['marker'], pick: (point: Engine['points'][number]) => number | null): ChartSeries => ({
    name, color, reference: engine.reference, marker,
    points: engine.points.flatMap((point) => {
      const y = pick(point);
      return y === null || !Number.isFinite(y) ? [] : [{ x: point.x, y }];
    }),
  });
  return {
    title, xLabel,
    panels: [
      throughputPanel(rateLabel, engines.map((engine) => line(engine, engine.name, engine.colors[0], 'circle', (point) => point.rate))),
      { title: 'Latency p50 (●) and p99 (■)', yLabel: 'latency, ms (log scale)', scale: 'log', series: engines.flatMap((engine) => [
        line(engine, `${engine.name} p50`, engine.colors[0], 'circle', (point) => point.p50),
        line(engine, `${engine.name} p99`, engine.colors[1], 'square', (point) => point.p99),
      ]) },
    ],
    legend: engines.map((engine) => ({ name: engine.name, color: engine.colors[0], reference: engine.reference })),
  };
}

/** Linear, unless the figures span more than a factor of 8 (a bank at a tenth of its reference): log, so both stay readable. */
function throughputPanel(rateLabel: string, series: ChartSeries[]): ChartPanel {
  const positive = series.flatMap((item) => item.points.map((point) => point.y)).filter((value) => value > 0);
  const log = positive.length > 0 && Math.max(...positive) / Math.min(...positive) > 8;
  return { title: 'Throughput', yLabel: log ? `${rateLabel} (log scale)` : rateLabel, scale: log ? 'log' : 'linear', series };
}

/** The parts of the chart, from whichever of (b), (c), (d), (e) ran. */
export function chartParts(results: BenchResults): ChartPart[] {
  const parts: ChartPart[] = [];
  if (results.b) {
    const engine = (phase: 'trivial http server' | 'deposits' | 'transfers', name: string, colors: readonly [string, string], reference: boolean): Engine => ({
      name, colors, reference,
      points: results.b!.rows.filter((row) => row.phase === phase).map((row) => ({
        x: row.result.concurrency, rate: row.result.opsPerSec, p50: row.result.latency.p50Ms, p99: row.result.latency.p99Ms,
      })),
    });
    parts.push(partOf('(b) End to end through a bank vs a trivial HTTP server', 'requests in flight (closed loop)', 'requests/s', [
      engine('trivial http server', 'trivial HTTP server (reference)', PALETTE.reference, true),
      engine('transfers', 'POST /v1/transfers via gateway', PALETTE.blue, false),
      engine('deposits', 'POST /v1/deposits via gateway', PALETTE.green, false),
    ]));
  }
  if (results.c) {
    const sweep = results.c.rows.filter((row) => row.pgbench !== null);
    parts.push(partOf(`(c) PostgreSQL store, batch ${results.c.sweepBatchSize}, vs pgbench`, 'commits in flight (closed loop); pgbench: clients', 'transfers/s; pgbench: transactions/s', [
      { name: 'pgbench TPC-B-like (reference)', colors: PALETTE.reference, reference: true, points: sweep.flatMap((row) => (row.pgbench?.available
        ? [{ x: row.concurrency, rate: row.pgbench.tps, p50: row.pgbench.latency?.p50Ms ?? null, p99: row.pgbench.latency?.p99Ms ?? null }]
        : [])) },
      { name: `data server commits of ${results.c.sweepBatchSize} transfers`, colors: PALETTE.blue, reference: false, points: sweep.map((row) => ({
        x: row.concurrency, rate: row.result.unitsPerSec, p50: row.result.latency.p50Ms, p99: row.result.latency.p99Ms,
      })) },
    ]));
  }
  if (results.d) {
    const colors = [PALETTE.orange, PALETTE.red, PALETTE.blue, PALETTE.green];
    let next = 0;
    parts.push(partOf(`(d) Interbank Pix across ${results.d.banks} banks: token ring vs holds`, 'Pix in flight (closed loop)', 'completed Pix/s',
      results.d.rows.map((row) => ({
        name: isReference(row) ? `${modeName(row)} (reference)` : modeName(row),
        colors: isReference(row) ? PALETTE.reference : colors[next++ % colors.length]!,
        reference: isReference(row),
        points: row.levels.map((level) => ({ x: level.concurrency, rate: level.result.opsPerSec, p50: level.result.latency.p50Ms, p99: level.result.latency.p99Ms })),
      }))));
  }
  if (results.e) {
    const rows = results.e.rows;
    const point = (concurrency: number, result: { opsPerSec: number; latency: { p50Ms: number; p99Ms: number } }) =>
      ({ x: concurrency, rate: result.opsPerSec, p50: result.latency.p50Ms, p99: result.latency.p99Ms });
    parts.push(partOf(`(e) The dossier (${results.e.banks} banks and the credit registry at once) vs one registry read`, 'requests in flight (closed loop)', 'requests/s', [
      { name: 'GET /v1/people/:document at the registry (reference)', colors: PALETTE.reference, reference: true, points: rows.map((row) => point(row.concurrency, row.reference)) },
      { name: 'GET /v1/dossiers/:document', colors: PALETTE.orange, reference: false, points: rows.map((row) => point(row.concurrency, row.dossier)) },
    ]));
  }
  return parts;
}

// ---- drawing ----

const WIDTH = 980;
const PANEL_WIDTH = 470;
const PANEL_HEIGHT = 260;
const MARGIN = { left: 78, right: 16, top: 26, bottom: 48 };
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (value: number) => (Math.round(value * 10) / 10).toString();

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceStep(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 5, 10]) if (factor * magnitude >= value) return factor * magnitude;
  return 10 * magnitude;
}

function tickLabel(value: number): string {
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))}k`;
  if (value >= 1) return String(Number(value.toPrecision(3)));
  return String(Number(value.toPrecision(2)));
}

interface Axis {
  at(value: number): number;
  ticks: number[];
}

function linearAxis(max: number, from: number, to: number): Axis {
  const step = niceStep(Math.max(max, 1e-9) / 5);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let value = 0; value <= top + step / 2; value += step) ticks.push(value);
  return { at: (value) => from + ((to - from) * value) / top, ticks };
}

/** From the 1-2-5 step at or under the smallest figure to the one at or over the largest; ticks at every 1-2-5 step over 3 decades or less, else at decades. */
function logAxis(values: number[], from: number, to: number): Axis {
  const positive = values.filter((value) => value > 0 && Number.isFinite(value));
  const steps = (power: number) => [1, 2, 5].map((factor) => factor * 10 ** power);
  const min = positive.length > 0 ? Math.min(...positive) : 1;
  const max = positive.length > 0 ? Math.max(...positive) : 10;
  const low = Math.max(...steps(Math.floor(Math.log10(min))).filter((value) => value <= min * (1 + 1e-9)));
  let high = Math.min(...[...steps(Math.floor(Math.log10(max))), 10 ** (Math.floor(Math.log10(max)) + 1)].filter((value) => value >= max * (1 - 1e-9)));
  if (high <= low) high = low * 10;
  const [lowLog, highLog] = [Math.log10(low), Math.log10(high)];
  const ticks: number[] = [];
  for (let power = Math.floor(lowLog); power <= Math.ceil(highLog); power++) {
    for (const tick of highLog - lowLog <= 3 ? steps(power) : [10 ** power]) {
      if (tick >= low * (1 - 1e-9) && tick <= high * (1 + 1e-9)) ticks.push(tick);
    }
  }
  return { at: (value) => from + ((to - from) * (Math.log10(value) - lowLog)) / (highLog - lowLog), ticks };
}

/** Requests in flight on a log2 scale, a tick at every level measured. */
function levelAxis(levels: number[], from: number, to: number): Axis {
  const sorted = [...new Set(levels)].sort((a, b) => a - b);
  const low = Math.log2(sorted[0] ?? 1);
  const high = Math.log2(sorted[sorted.length - 1] ?? 1);
  const pad = high > low ? (high - low) * 0.06 : 1;
  return { at: (value) => from + ((to - from) * (Math.log2(value) - low + pad)) / (high - low + 2 * pad), ticks: sorted };
}

function marker(kind: ChartSeries['marker'], x: number, y: number, color: string): string {
  return kind === 'circle'
    ? `<circle cx="${num(x)}" cy="${num(y)}" r="3.2" fill="${color}"/>`
    : `<rect x="${num(x - 3.2)}" y="${num(y - 3.2)}" width="6.4" height="6.4" fill="${color}"/>`;
}

function drawPanel(panel: ChartPanel, xLabel: string, left: number, top: number): string[] {
  const out: string[] = [];
  const plot = { x0: left + MARGIN.left, x1: left + PANEL_WIDTH - MARGIN.right, y0: top + PANEL_HEIGHT - MARGIN.bottom, y1: top + MARGIN.top };
  const points = panel.series.flatMap((series) => series.points);
  const xAxis = levelAxis(points.map((point) => point.x), plot.x0, plot.x1);
  const ys = points.map((point) => point.y);
  const yAxis = panel.scale === 'log'
    ? logAxis(ys, plot.y0, plot.y1)
    : linearAxis(Math.max(0, ...ys) * 1.05, plot.y0, plot.y1);
  out.push(`<g class="panel" data-title="${escapeXml(panel.title)}">`);
  out.push(`<text x="${num((plot.x0 + plot.x1) / 2)}" y="${num(top + 16)}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`);
  for (const tick of yAxis.ticks) {
    const y = yAxis.at(tick);
    out.push(`<line x1="${num(plot.x0)}" y1="${num(y)}" x2="${num(plot.x1)}" y2="${num(y)}" stroke="#e3e3e3" stroke-width="1"/>`);
    out.push(`<text x="${num(plot.x0 - 6)}" y="${num(y + 4)}" text-anchor="end" font-size="11">${tickLabel(tick)}</text>`);
  }
  for (const tick of xAxis.ticks) {
    const x = xAxis.at(tick);
    out.push(`<line x1="${num(x)}" y1="${num(plot.y1)}" x2="${num(x)}" y2="${num(plot.y0)}" stroke="#f0f0f0" stroke-width="1"/>`);
    out.push(`<text x="${num(x)}" y="${num(plot.y0 + 16)}" text-anchor="middle" font-size="11">${tick}</text>`);
  }
  out.push(`<line class="axis" x1="${num(plot.x0)}" y1="${num(plot.y0)}" x2="${num(plot.x1)}" y2="${num(plot.y0)}" stroke="#000" stroke-width="1"/>`);
  out.push(`<line class="axis" x1="${num(plot.x0)}" y1="${num(plot.y0)}" x2="${num(plot.x0)}" y2="${num(plot.y1)}" stroke="#000" stroke-width="1"/>`);
  out.push(`<text class="x-label" x="${num((plot.x0 + plot.x1) / 2)}" y="${num(plot.y0 + 36)}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`);
  const yMid = (plot.y0 + plot.y1) / 2;
  out.push(`<text class="y-label" x="${num(left + 16)}" y="${num(yMid)}" text-anchor="middle" font-size="12" transform="rotate(-90 ${num(left + 16)} ${num(yMid)})">${escapeXml(panel.yLabel)}</text>`);
  for (const series of panel.series) {
    const visible = series.points.filter((point) => point.x > 0 && (panel.scale === 'linear' || point.y > 0)).sort((a, b) => a.x - b.x);
    const coordinates = visible.map((point) => `${num(xAxis.at(point.x))},${num(yAxis.at(point.y))}`).join(' ');
    out.push(`<polyline class="series" data-series="${escapeXml(series.name)}" points="${coordinates}" fill="none" stroke="${series.color}" stroke-width="2"` +
      `${series.reference ? ' stroke-dasharray="7 4"' : ''}><title>${escapeXml(series.name)}</title></polyline>`);
    for (const point of visible) out.push(marker(series.marker, xAxis.at(point.x), yAxis.at(point.y), series.color));
  }
  out.push('</g>');
  return out;
}

/** Legend entries, wrapped to the width; returns the lines and the height used. */
function drawLegend(part: ChartPart, top: number): { lines: string[]; height: number } {
  const out: string[] = ['<g class="legend">'];
  const entries: { width: number; draw: (x: number, y: number) => string }[] = [
    ...part.legend.map((entry) => ({
      width: 36 + 6.4 * entry.name.length,
      draw: (x: number, y: number) => `<line x1="${num(x)}" y1="${num(y)}" x2="${num(x + 30)}" y2="${num(y)}" stroke="${entry.color}" stroke-width="2.5"` +
        `${entry.reference ? ' stroke-dasharray="7 4"' : ''}/><text x="${num(x + 36)}" y="${num(y + 4)}" font-size="12">${escapeXml(entry.name)}</text>`,
    })),
    { width: 40, draw: (x, y) => `${marker('circle', x + 6, y, '#555')}<text x="${num(x + 14)}" y="${num(y + 4)}" font-size="12">p50</text>` },
    { width: 92, draw: (x, y) => `${marker('square', x + 6, y, '#222')}<text x="${num(x + 14)}" y="${num(y + 4)}" font-size="12">p99 (darker)</text>` },
  ];
  let x = MARGIN.left;
  let y = top + 10;
  for (const entry of entries) {
    if (x + entry.width > WIDTH - 10 && x > MARGIN.left) {
      x = MARGIN.left;
      y += 20;
    }
    out.push(entry.draw(x, y));
    x += entry.width + 18;
  }
  out.push('</g>');
  return { lines: out, height: y - top + 18 };
}

/** The whole chart as an SVG document. */
export function benchChart(results: BenchResults): string {
  const parts = chartParts(results);
  const body: string[] = [];
  let y = 44;
  for (const part of parts) {
    body.push(`<g class="part" data-title="${escapeXml(part.title)}">`);
    body.push(`<text x="14" y="${num(y + 14)}" font-size="15" font-weight="bold">${escapeXml(part.title)}</text>`);
    y += 24;
    body.push(...drawPanel(part.panels[0], part.xLabel, 10, y));
    body.push(...drawPanel(part.panels[1], part.xLabel, 10 + PANEL_WIDTH + 10, y));
    y += PANEL_HEIGHT;
    const legend = drawLegend(part, y);
    body.push(...legend.lines);
    body.push('</g>');
    y += legend.height + 24;
  }
  if (parts.length === 0) {
    body.push(`<text x="14" y="${num(y + 14)}" font-size="13">No load sweep in this run (parts b, c, d and e did not run).</text>`);
    y += 40;
  }
  const { meta } = results;
  const title = `banca bench, ${meta.startedAt}: ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${num(y)}" viewBox="0 0 ${WIDTH} ${num(y)}" ${FONT}>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${num(y)}" fill="#ffffff"/>`,
    `<text x="14" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
