/**
 * Pictures of training as SVG strings, built without a DOM so they work the same in Node
 * (written to files) and in pages (set as an element's content): line charts of the training
 * curves (one panel per metric, its validation twin beside it), a confusion matrix with
 * per-class accuracy, and histograms of weights or activations.
 */
import { ValueError } from '../errors.js';

/** One named line of a chart. */
export interface Series {
  name: string;
  values: readonly number[];
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Pixels (default 480 × 300). */
  width?: number;
  height?: number;
  /** The x value of index 0 (default 1: epochs count from 1). */
  xStart?: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const FONT = 'font-family="sans-serif"';

/** Escapes text for SVG. */
function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A short label for a tick value. */
function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

/**
 * The finite values' [min, max], or null when there are none: a loop, because spreading a
 * large array (a kernel's million values) into Math.min overflows the call stack.
 */
function extent(values: Iterable<number>): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** About five round tick values spanning [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const step0 = span / 5;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toFixed(12)));
  return out;
}

/**
 * The body (no `<svg>` wrapper) of one line chart placed at (x0, y0).
 */
function chartBody(
  series: readonly Series[],
  o: Required<LineChartOptions>,
  x0: number,
  y0: number,
): string {
  const { width: W, height: H } = o;
  const left = 56;
  const right = 12;
  const top = o.title ? 28 : 12;
  const bottom = 40;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  let [lo, hi] = extent(series.flatMap((s) => s.values)) ?? [0, 1];
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const xOf = (i: number) => x0 + left + (n === 1 ? pw / 2 : (i * pw) / (n - 1));
  const yOf = (v: number) => y0 + top + ph - ((v - lo) / (hi - lo)) * ph;
  const parts: string[] = [];
  parts.push(
    `<rect x="${x0 + left}" y="${y0 + top}" width="${pw}" height="${ph}" fill="#fff" stroke="#999"/>`,
  );
  for (const t of ticks(lo, hi)) {
    const y = yOf(t).toFixed(1);
    parts.push(
      `<line x1="${x0 + left}" x2="${x0 + left + pw}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${x0 + left - 4}" y="${y}" ${FONT} font-size="10" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  const xt = ticks(o.xStart, o.xStart + n - 1).filter((t) => Number.isInteger(t));
  for (const t of xt) {
    const x = xOf(t - o.xStart).toFixed(1);
    parts.push(
      `<text x="${x}" y="${y0 + top + ph + 14}" ${FONT} font-size="10" text-anchor="middle">${t}</text>`,
    );
  }
  series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length]!;
    // NaN or infinite values break the line instead of drawing off the chart.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1)
        parts.push(
          `<polyline class="series" data-name="${esc(s.name)}" fill="none" stroke="${color}" stroke-width="2" points="${run.join(' ')}"/>`,
        );
      else if (run.length === 1) {
        const [x, y] = run[0]!.split(',');
        parts.push(
          `<circle class="series" data-name="${esc(s.name)}" cx="${x}" cy="${y}" r="3" fill="${color}"/>`,
        );
      }
      run = [];
    };
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) run.push(`${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`);
      else flush();
    });
    flush();
    const ly = y0 + top + 10 + si * 14;
    parts.push(
      `<line x1="${x0 + left + pw - 110}" x2="${x0 + left + pw - 94}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${x0 + left + pw - 90}" y="${ly}" ${FONT} font-size="11" dominant-baseline="middle">${esc(s.name)}</text>`,
    );
  });
  if (o.title)
    parts.push(
      `<text x="${x0 + W / 2}" y="${y0 + 18}" ${FONT} font-size="13" font-weight="bold" text-anchor="middle">${esc(o.title)}</text>`,
    );
  if (o.xLabel)
    parts.push(
      `<text x="${x0 + left + pw / 2}" y="${y0 + H - 8}" ${FONT} font-size="11" text-anchor="middle">${esc(o.xLabel)}</text>`,
    );
  if (o.yLabel)
    parts.push(
      `<text x="${x0 + 12}" y="${y0 + top + ph / 2}" ${FONT} font-size="11" text-anchor="middle" transform="rotate(-90 ${x0 + 12} ${y0 + top + ph / 2})">${esc(o.yLabel)}</text>`,
    );
  return parts.join('\n');
}

function svg(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<rect width="100%" height="100%" fill="#fafafa"/>\n${body}\n</svg>\n`;
}

function defaults(o: LineChartOptions): Required<LineChartOptions> {
  return {
    title: o.title ?? '',
    xLabel: o.xLabel ?? '',
    yLabel: o.yLabel ?? '',
    width: o.width ?? 480,
    height: o.height ?? 300,
    xStart: o.xStart ?? 1,
  };
}

/**
 * A line chart of one or more series as an SVG document.
 *
 * Shape: `width × height` pixels; series of any lengths (index i drawn at x = xStart + i).
 * @example lineChart([{ name: 'loss', values: [0.9, 0.5, 0.3] }], { title: 'loss' })
 */
export function lineChart(series: readonly Series[], opts: LineChartOptions = {}): string {
  if (!Array.isArray(series) || series.some((s) => !Array.isArray(s?.values)))
    throw new ValueError('lineChart: series must be an array of { name, values }');
  const o = defaults(opts);
  return svg(o.width, o.height, chartBody(series, o, 0, 0));
}

/**
 * The training curves of a history (`model.fit`'s `history.history`) as one SVG: a panel per
 * metric, each with its `val_` twin, loss first.
 *
 * Shape: panels of `width × height` stacked vertically.
 * @example writeFileSync('curves.svg', historyChart(history.history));
 */
export function historyChart(
  history: Readonly<Record<string, readonly number[]>>,
  opts: { width?: number; height?: number; title?: string } = {},
): string {
  const keys = Object.keys(history);
  const bases = keys.filter((k) => !k.startsWith('val_'));
  for (const k of keys)
    if (k.startsWith('val_') && !bases.includes(k.slice(4))) bases.push(k.slice(4));
  bases.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
  const o = defaults({ width: opts.width, height: opts.height, xLabel: 'epoch' });
  const bodies = bases.map((b, i) => {
    const series = [b, `val_${b}`]
      .filter((k) => history[k])
      .map((k) => ({ name: k, values: history[k]! }));
    return chartBody(
      series,
      { ...o, title: i === 0 && opts.title ? `${opts.title}: ${b}` : b },
      0,
      i * o.height,
    );
  });
  return svg(o.width, Math.max(1, bases.length) * o.height, bodies.join('\n'));
}

/**
 * A confusion matrix as an SVG heatmap: rows are true classes, columns predictions, each cell
 * its count; each row ends with that class's accuracy (recall).
 *
 * Shape: labels and predictions `[n]` integer classes in [0, numClasses).
 * @example confusionMatrixChart([0, 1, 1], [0, 1, 0], 2, { labels: ['cat', 'dog'] })
 */
export function confusionMatrixChart(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  numClasses: number,
  opts: { classNames?: readonly string[]; title?: string } = {},
): { counts: number[][]; svg: string } {
  if (labels.length !== predictions.length)
    throw new ValueError(
      `confusionMatrixChart: ${labels.length} labels but ${predictions.length} predictions`,
    );
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ValueError(
      `confusionMatrixChart: numClasses must be a positive integer, got ${numClasses}`,
    );
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predictions[i]!;
    if (
      !Number.isInteger(t) ||
      !Number.isInteger(p) ||
      t < 0 ||
      p < 0 ||
      t >= numClasses ||
      p >= numClasses
    )
      throw new ValueError(
        `confusionMatrixChart: entry ${i} (label ${t}, prediction ${p}) is not a class in [0, ${numClasses})`,
      );
    counts[t]![p]!++;
  }
  const names = opts.classNames ?? Array.from({ length: numClasses }, (_, i) => String(i));
  const cell = Math.max(22, Math.min(48, Math.floor(480 / numClasses)));
  const left = 70;
  const top = opts.title ? 52 : 30;
  const W = left + numClasses * cell + 70;
  const H = top + numClasses * cell + 30;
  const max = Math.max(1, ...counts.flat());
  const parts: string[] = [];
  if (opts.title)
    parts.push(
      `<text x="${W / 2}" y="18" ${FONT} font-size="13" font-weight="bold" text-anchor="middle">${esc(opts.title)}</text>`,
    );
  parts.push(
    `<text x="${left + (numClasses * cell) / 2}" y="${top - 16}" ${FONT} font-size="11" text-anchor="middle">predicted</text>`,
  );
  counts.forEach((row, r) => {
    const y = top + r * cell;
    parts.push(
      `<text x="${left - 6}" y="${y + cell / 2}" ${FONT} font-size="10" text-anchor="end" dominant-baseline="middle">${esc(names[r] ?? String(r))}</text>`,
    );
    row.forEach((c, k) => {
      const x = left + k * cell;
      const shade = Math.round(255 - (c / max) * 200);
      parts.push(
        `<rect class="cell" data-row="${r}" data-col="${k}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#fff"/>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2}" ${FONT} font-size="10" text-anchor="middle" dominant-baseline="middle">${c}</text>`,
      );
    });
    const total = row.reduce((a, b) => a + b, 0);
    const acc = total ? row[r]! / total : 0;
    parts.push(
      `<text class="class-accuracy" x="${left + numClasses * cell + 6}" y="${y + cell / 2}" ${FONT} font-size="10" dominant-baseline="middle">${(acc * 100).toFixed(1)}%</text>`,
    );
  });
  names
    .slice(0, numClasses)
    .forEach((n, k) =>
      parts.push(
        `<text x="${left + k * cell + cell / 2}" y="${top - 4}" ${FONT} font-size="10" text-anchor="middle">${esc(n)}</text>`,
      ),
    );
  return { counts, svg: svg(W, H, parts.join('\n')) };
}

/**
 * A histogram of values (weights, activations) as an SVG bar chart.
 *
 * Shape: any number of values; `bins` equal-width bins between their min and max.
 * @example histogramChart(layer.getWeights()[0].dataSync(), { bins: 30, title: 'kernel' })
 */
export function histogramChart(
  values: ArrayLike<number>,
  opts: { bins?: number; title?: string; width?: number; height?: number } = {},
): { counts: number[]; edges: number[]; svg: string } {
  const bins = opts.bins ?? 20;
  if (!Number.isInteger(bins) || bins < 1)
    throw new ValueError(`histogramChart: bins must be a positive integer, got ${bins}`);
  const v = Array.from(values).filter(Number.isFinite);
  let [lo, hi] = extent(v) ?? [0, 1];
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (const x of v) counts[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))]!++;
  const W = opts.width ?? 480;
  const H = opts.height ?? 240;
  const left = 48;
  const top = opts.title ? 28 : 10;
  const bottom = 28;
  const pw = W - left - 10;
  const ph = H - top - bottom;
  const max = Math.max(1, extent(counts)?.[1] ?? 0);
  const parts: string[] = [];
  counts.forEach((c, i) => {
    const h = (c / max) * ph;
    parts.push(
      `<rect class="bar" data-count="${c}" x="${(left + (i * pw) / bins).toFixed(1)}" y="${(top + ph - h).toFixed(1)}" width="${(pw / bins - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[0]}"/>`,
    );
  });
  parts.push(
    `<text x="${left}" y="${H - 8}" ${FONT} font-size="10">${fmt(lo)}</text>`,
    `<text x="${left + pw}" y="${H - 8}" ${FONT} font-size="10" text-anchor="end">${fmt(hi)}</text>`,
    `<text x="${left - 4}" y="${top + 8}" ${FONT} font-size="10" text-anchor="end">${max}</text>`,
  );
  if (opts.title)
    parts.push(
      `<text x="${W / 2}" y="18" ${FONT} font-size="13" font-weight="bold" text-anchor="middle">${esc(opts.title)}</text>`,
    );
  return { counts, edges, svg: svg(W, H, parts.join('\n')) };
}
