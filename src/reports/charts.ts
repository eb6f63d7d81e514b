/**
 * A tiny SVG chart kit for the reports and the dashboard: line charts (linear or log y, time or
 * numeric x), grouped bars (histograms), a timeline of periods, and an interval (forest) plot. Each
 * returns an inline `<svg>` string with no script, no external reference and a `<title>` tooltip on
 * every mark, so that a saved page keeps working offline.
 */
import { escapeHtml, fmtNumber, PALETTE } from './html';

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** Keeps an axis label inside the frame: labels near an edge hang inwards. */
function anchorFor(x: number, left: number, right: number, room = 34): 'start' | 'middle' | 'end' {
  return x - left < room ? 'start' : right - x < room ? 'end' : 'middle';
}

/** Evenly spaced round ticks covering [min, max] (about `count` of them). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const span = max - min;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

/** Extends [min, max] to round tick values so that lines do not touch the frame. */
function niceDomain(min: number, max: number, count = 5): [number, number] {
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return [min - pad, max + pad];
  }
  const ticks = niceTicks(min, max, count);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : (max - min) / count;
  return [Math.floor(min / step + 1e-9) * step, Math.ceil(max / step - 1e-9) * step];
}

const TIME_STEPS = [
  1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000,
  43_200_000, 86_400_000, 172_800_000, 604_800_000, 2_592_000_000,
];

function timeTicks(min: number, max: number, count = 6): { ticks: number[]; format: (t: number) => string } {
  const span = Math.max(1, max - min);
  const step = TIME_STEPS.find((s) => span / s <= count) ?? TIME_STEPS.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
  const iso = (t: number) => new Date(t).toISOString();
  const format =
    step < 60_000
      ? (t: number) => iso(t).slice(11, 19)
      : step < 86_400_000
        ? span > 86_400_000
          ? (t: number) => `${iso(t).slice(5, 10)} ${iso(t).slice(11, 16)}`
          : (t: number) => iso(t).slice(11, 16)
        : (t: number) => iso(t).slice(0, 10);
  return { ticks, format };
}

function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const ticks: number[] = [];
  const every = Math.max(1, Math.ceil((hi - lo) / 6));
  for (let e = lo; e <= hi; e += every) ticks.push(10 ** e);
  return ticks;
}

function frame(width: number, height: number, label: string, body: string, title?: string): string {
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(label)}">${
    title ? `<text class="title" x="4" y="13">${escapeHtml(title)}</text>` : ''
  }${body}</svg>`;
}

export interface LinePoint {
  x: number;
  y: number;
  /** Tooltip text; defaults to the coordinates. */
  label?: string;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
  colour?: string;
  dashed?: boolean;
}

export interface LineChartOptions {
  series: LineSeries[];
  ariaLabel: string;
  title?: string;
  width?: number;
  height?: number;
  x?: 'time' | 'linear';
  y?: 'linear' | 'log';
  yDomain?: [number, number];
  yLabel?: string;
  yFormat?: (v: number) => string;
  xFormat?: (v: number) => string;
  /** Horizontal reference lines (thresholds, α). */
  refLines?: Array<{ y: number; label: string; colour?: string }>;
  /** Draw a dot on every point when there are at most this many per series. @default 60 */
  markersUpTo?: number;
}

/** A line chart; an empty series list renders a framed "no data" placeholder. */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 240;
  const m: Margins = { top: options.title ? 26 : 12, right: 16, bottom: 30, left: 58 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const log = options.y === 'log';
  const points = options.series
    .flatMap((s) => s.points)
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!log || p.y > 0));
  if (points.length === 0) {
    return frame(
      width,
      height,
      options.ariaLabel,
      `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="#fafbfc" stroke="#dfe3ea"/><text x="${m.left + plotW / 2}" y="${m.top + plotH / 2}" text-anchor="middle">no data yet</text>`,
      options.title,
    );
  }
  let xMin = Math.min(...points.map((p) => p.x));
  let xMax = Math.max(...points.map((p) => p.x));
  if (xMin === xMax) {
    const pad = options.x === 'time' ? 60_000 : 1;
    xMin -= pad;
    xMax += pad;
  }
  const ys = [...points.map((p) => p.y), ...(options.refLines ?? []).map((l) => l.y)].filter(
    (y) => !log || y > 0,
  );
  let [yMin, yMax] = options.yDomain ?? [Math.min(...ys), Math.max(...ys)];
  if (log) {
    yMin = 10 ** Math.floor(Math.log10(yMin));
    yMax = 10 ** Math.ceil(Math.log10(yMax));
    if (yMin === yMax) yMin = yMax / 10;
  } else if (!options.yDomain) {
    [yMin, yMax] = niceDomain(yMin, yMax);
  }
  const sx = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = log
    ? (y: number) =>
        m.top + plotH - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH
    : (y: number) => m.top + plotH - ((y - yMin) / (yMax - yMin || 1)) * plotH;
  const yFormat =
    options.yFormat ??
    ((v: number) => (log ? (v >= 0.001 ? String(v) : v.toExponential(0)) : fmtNumber(v, 3)));
  const xAxis =
    options.x === 'time'
      ? timeTicks(xMin, xMax)
      : { ticks: niceTicks(xMin, xMax, 6), format: (v: number) => fmtNumber(v, 3) };
  const xFormat = options.xFormat ?? xAxis.format;

  let body = `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="#fff" stroke="#dfe3ea"/>`;
  for (const t of log ? logTicks(yMin, yMax) : niceTicks(yMin, yMax, 5)) {
    if (t < yMin - 1e-12 || t > yMax + 1e-12) continue;
    const y = r1(sy(t));
    body += `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" stroke="#eef1f5"/><text x="${m.left - 6}" y="${y + 3.5}" text-anchor="end">${escapeHtml(yFormat(t))}</text>`;
  }
  for (const t of xAxis.ticks) {
    const x = r1(sx(t));
    body += `<line x1="${x}" x2="${x}" y1="${m.top + plotH}" y2="${m.top + plotH + 4}" stroke="#9aa5b4"/><text x="${x}" y="${m.top + plotH + 17}" text-anchor="${anchorFor(x, 0, width)}">${escapeHtml(xFormat(t))}</text>`;
  }
  if (options.yLabel) {
    body += `<text x="12" y="${m.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 12 ${m.top + plotH / 2})">${escapeHtml(options.yLabel)}</text>`;
  }
  for (const line of options.refLines ?? []) {
    if (line.y < yMin || line.y > yMax) continue;
    const y = r1(sy(line.y));
    const colour = line.colour ?? '#b3261e';
    body += `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" stroke="${colour}" stroke-dasharray="5 4"><title>${escapeHtml(line.label)}</title></line><text x="${m.left + plotW - 4}" y="${y - 4}" text-anchor="end" style="fill:${colour}">${escapeHtml(line.label)}</text>`;
  }
  const markersUpTo = options.markersUpTo ?? 60;
  options.series.forEach((series, i) => {
    const colour = series.colour ?? PALETTE[i % PALETTE.length]!;
    const pts = series.points
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!log || p.y > 0))
      .sort((a, b) => a.x - b.x);
    if (pts.length === 0) return;
    const d = pts
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${r1(sx(p.x))} ${r1(sy(Math.max(p.y, log ? yMin : -Infinity)))}`)
      .join('');
    body += `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeHtml(series.name)}</title></path>`;
    if (pts.length <= markersUpTo) {
      for (const p of pts) {
        const tip = p.label ?? `${series.name}: ${xFormat(p.x)} → ${yFormat(p.y)}`;
        body += `<circle cx="${r1(sx(p.x))}" cy="${r1(sy(p.y))}" r="3" fill="${colour}"><title>${escapeHtml(tip)}</title></circle>`;
      }
    }
  });
  return frame(width, height, options.ariaLabel, body, options.title);
}

export interface BarSeries {
  name: string;
  values: number[];
  colour?: string;
}

export interface GroupedBarsOptions {
  /** One group per category (e.g. a histogram bin). */
  categories: string[];
  series: BarSeries[];
  ariaLabel: string;
  title?: string;
  width?: number;
  height?: number;
  yLabel?: string;
  yFormat?: (v: number) => string;
  /** Labels on the boundaries between groups (e.g. bin edges): `categories.length - 1` of them. */
  boundaryLabels?: string[];
  /** Tooltip per bar. */
  tooltip?: (seriesIndex: number, categoryIndex: number) => string;
}

/** Grouped vertical bars: with one bar per series in each category, a side-by-side histogram. */
export function groupedBarChart(options: GroupedBarsOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 220;
  const m: Margins = { top: options.title ? 26 : 12, right: 12, bottom: 30, left: 52 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const n = options.categories.length;
  const all = options.series.flatMap((s) => s.values).filter(Number.isFinite);
  if (n === 0 || all.length === 0) {
    return frame(
      width,
      height,
      options.ariaLabel,
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text>`,
      options.title,
    );
  }
  const [, yMax] = niceDomain(0, Math.max(...all, 1e-12));
  const sy = (v: number) => m.top + plotH - (v / yMax) * plotH;
  const yFormat = options.yFormat ?? ((v: number) => fmtNumber(v, 3));
  const groupW = plotW / n;
  const inner = groupW * 0.78;
  const barW = inner / Math.max(1, options.series.length);
  let body = '';
  for (const t of niceTicks(0, yMax, 4)) {
    const y = r1(sy(t));
    body += `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" stroke="#eef1f5"/><text x="${m.left - 6}" y="${y + 3.5}" text-anchor="end">${escapeHtml(yFormat(t))}</text>`;
  }
  options.series.forEach((series, si) => {
    const colour = series.colour ?? PALETTE[si % PALETTE.length]!;
    series.values.forEach((v, ci) => {
      if (!Number.isFinite(v)) return;
      const x = m.left + ci * groupW + (groupW - inner) / 2 + si * barW;
      const y = sy(v);
      const tip = options.tooltip?.(si, ci) ?? `${series.name} · ${options.categories[ci]}: ${yFormat(v)}`;
      body += `<rect x="${r1(x)}" y="${r1(y)}" width="${r1(Math.max(1, barW - 1))}" height="${r1(Math.max(0, m.top + plotH - y))}" fill="${colour}" rx="1.5"><title>${escapeHtml(tip)}</title></rect>`;
    });
  });
  body += `<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#9aa5b4"/>`;
  if (options.boundaryLabels) {
    const every = Math.max(1, Math.ceil((options.boundaryLabels.length * 48) / plotW));
    options.boundaryLabels.forEach((label, i) => {
      if (i % every !== 0) return;
      const x = r1(m.left + (i + 1) * groupW);
      body += `<line x1="${x}" x2="${x}" y1="${m.top + plotH}" y2="${m.top + plotH + 4}" stroke="#9aa5b4"/><text x="${x}" y="${m.top + plotH + 17}" text-anchor="middle">${escapeHtml(label)}</text>`;
    });
  } else {
    const every = Math.max(1, Math.ceil((n * 56) / plotW));
    options.categories.forEach((label, i) => {
      if (i % every !== 0) return;
      body += `<text x="${r1(m.left + (i + 0.5) * groupW)}" y="${m.top + plotH + 17}" text-anchor="middle">${escapeHtml(label)}</text>`;
    });
  }
  if (options.yLabel) {
    body += `<text x="12" y="${m.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 12 ${m.top + plotH / 2})">${escapeHtml(options.yLabel)}</text>`;
  }
  return frame(width, height, options.ariaLabel, body, options.title);
}

export interface TimelineSegment {
  from: number;
  /** End of the period; the chart's end for a current one. */
  to: number;
  label: string;
  colour?: string;
  title?: string;
  /** A period in which the lane had no value (e.g. an alias removed). */
  empty?: boolean;
}

export interface TimelineOptions {
  lanes: Array<{ name: string; segments: TimelineSegment[] }>;
  start: number;
  end: number;
  ariaLabel: string;
  title?: string;
  width?: number;
}

/** Periods per lane on a shared time axis (alias history: which version held each alias when). */
export function timelineChart(options: TimelineOptions): string {
  const width = options.width ?? 900;
  const laneH = 28;
  const m: Margins = { top: options.title ? 26 : 10, right: 16, bottom: 28, left: 92 };
  const height = m.top + m.bottom + Math.max(1, options.lanes.length) * laneH;
  const plotW = width - m.left - m.right;
  let start = options.start;
  let end = options.end;
  if (end <= start) end = start + 60_000;
  const pad = (end - start) * 0.02;
  start -= pad;
  end += pad;
  const sx = (t: number) => m.left + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * plotW;
  const axis = timeTicks(start, end, 7);
  let body = '';
  for (const t of axis.ticks) {
    const x = r1(sx(t));
    body += `<line x1="${x}" x2="${x}" y1="${m.top}" y2="${height - m.bottom + 4}" stroke="#eef1f5"/><text x="${x}" y="${height - m.bottom + 17}" text-anchor="${anchorFor(x, 0, width)}">${escapeHtml(axis.format(t))}</text>`;
  }
  options.lanes.forEach((lane, i) => {
    const y = m.top + i * laneH;
    body += `<text x="${m.left - 8}" y="${y + laneH / 2 + 4}" text-anchor="end" style="font-weight:600;fill:#1c2430">${escapeHtml(lane.name)}</text>`;
    body += `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y + laneH / 2}" y2="${y + laneH / 2}" stroke="#eef1f5"/>`;
    for (const seg of lane.segments) {
      const x0 = sx(seg.from);
      const x1 = Math.max(sx(seg.to), x0 + 3);
      const colour = seg.empty ? '#eef1f5' : (seg.colour ?? PALETTE[0]!);
      const tip = seg.title ?? seg.label;
      body += `<rect x="${r1(x0)}" y="${y + 4}" width="${r1(x1 - x0)}" height="${laneH - 8}" rx="3" fill="${colour}"${seg.empty ? ' stroke="#c6ccd6" stroke-dasharray="3 2"' : ''}><title>${escapeHtml(tip)}</title></rect>`;
      if (x1 - x0 >= seg.label.length * 7 + 8) {
        body += `<text x="${r1((x0 + x1) / 2)}" y="${y + laneH / 2 + 4}" text-anchor="middle" style="fill:${seg.empty ? '#5f6b7a' : '#fff'};font-weight:600">${escapeHtml(seg.label)}<title>${escapeHtml(tip)}</title></text>`;
      }
    }
  });
  return frame(width, height, options.ariaLabel, body, options.title);
}

export interface IntervalRow {
  label: string;
  estimate: number;
  /** Null when there is no interval yet. */
  interval: [number, number] | null;
  colour?: string;
  note?: string;
}

export interface IntervalChartOptions {
  rows: IntervalRow[];
  ariaLabel: string;
  title?: string;
  width?: number;
  /** A vertical reference (0 for differences). */
  reference?: { x: number; label: string };
  xFormat?: (v: number) => string;
}

/** A forest plot: one row per estimate with its interval, against a vertical reference line. */
export function intervalChart(options: IntervalChartOptions): string {
  const width = options.width ?? 640;
  const rowH = 30;
  const m: Margins = { top: options.title ? 26 : 10, right: 20, bottom: 28, left: 120 };
  const height = m.top + m.bottom + Math.max(1, options.rows.length) * rowH;
  const plotW = width - m.left - m.right;
  const xs = options.rows.flatMap((r) => [r.estimate, ...(r.interval ?? [])]).filter(Number.isFinite);
  if (options.reference) xs.push(options.reference.x);
  if (xs.length === 0)
    return frame(
      width,
      height,
      options.ariaLabel,
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no data yet</text>`,
      options.title,
    );
  const [lo, hi] = niceDomain(Math.min(...xs), Math.max(...xs), 6);
  const sx = (v: number) => m.left + ((v - lo) / (hi - lo || 1)) * plotW;
  const xFormat = options.xFormat ?? ((v: number) => fmtNumber(v, 3));
  let body = '';
  for (const t of niceTicks(lo, hi, 6)) {
    const x = r1(sx(t));
    body += `<line x1="${x}" x2="${x}" y1="${m.top}" y2="${height - m.bottom}" stroke="#eef1f5"/><text x="${x}" y="${height - m.bottom + 16}" text-anchor="middle">${escapeHtml(xFormat(t))}</text>`;
  }
  if (options.reference) {
    const x = r1(sx(options.reference.x));
    body += `<line x1="${x}" x2="${x}" y1="${m.top}" y2="${height - m.bottom}" stroke="#5f6b7a" stroke-dasharray="4 3"><title>${escapeHtml(options.reference.label)}</title></line>`;
  }
  options.rows.forEach((row, i) => {
    const y = m.top + i * rowH + rowH / 2;
    const colour = row.colour ?? PALETTE[i % PALETTE.length]!;
    body += `<text x="${m.left - 8}" y="${y + 4}" text-anchor="end" style="font-weight:600;fill:#1c2430">${escapeHtml(row.label)}</text>`;
    const tip = `${row.label}: ${xFormat(row.estimate)}${row.interval ? ` [${xFormat(row.interval[0])}, ${xFormat(row.interval[1])}]` : ' (no interval yet)'}${row.note ? ` — ${row.note}` : ''}`;
    if (row.interval) {
      const [a, b] = row.interval.map((v) => r1(sx(v))) as [number, number];
      body += `<line x1="${a}" x2="${b}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="3" stroke-linecap="round"><title>${escapeHtml(tip)}</title></line>`;
      body += `<line x1="${a}" x2="${a}" y1="${y - 6}" y2="${y + 6}" stroke="${colour}" stroke-width="2"/><line x1="${b}" x2="${b}" y1="${y - 6}" y2="${y + 6}" stroke="${colour}" stroke-width="2"/>`;
    }
    if (Number.isFinite(row.estimate)) {
      body += `<circle cx="${r1(sx(row.estimate))}" cy="${y}" r="5" fill="#fff" stroke="${colour}" stroke-width="2.5"><title>${escapeHtml(tip)}</title></circle>`;
    }
  });
  return frame(width, height, options.ariaLabel, body, options.title);
}

/** A legend row for charts (HTML, so that it wraps with the page). */
export function legend(items: Array<{ name: string; colour: string }>): string {
  return `<div class="legend">${items.map((i) => `<span><i style="background:${escapeHtml(i.colour)}"></i>${escapeHtml(i.name)}</span>`).join('')}</div>`;
}
