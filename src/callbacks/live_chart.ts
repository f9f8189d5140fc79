/**
 * Live training curves in a page, like tfjs-vis's `fitCallbacks`: a callback that redraws the
 * loss and metric curves into an element after every epoch (and, throttled, during one), then
 * yields so the browser paints. No DOM dependency: it only sets the element's `innerHTML`, or
 * calls a function with the SVG.
 */
import { historyChart } from '../vis/charts.js';
import { Callback, type Logs } from './callback.js';

/** Where the chart goes: an element (its innerHTML is replaced) or a function given the SVG. */
export type ChartTarget = { innerHTML: string } | ((svg: string) => void);

/** Options of {@link fitCallbacks}. */
export interface FitCallbacksOptions {
  /** The log keys to draw (default every key; `val_` twins join their metric's panel). */
  metrics?: readonly string[];
  /** Also redraw during an epoch, at most this often in ms, with the batch's running values (default 500; 0: epochs only). */
  batchIntervalMs?: number;
  /** Panel size in pixels. */
  width?: number;
  height?: number;
}

/**
 * A callback drawing `fit`'s curves into `target` as training goes.
 *
 * Formula: none (a picture of the logs).
 *
 * Shape: one panel per metric, epochs along x.
 * @example await model.fit(x, y, { epochs: 10, callbacks: [fitCallbacks(document.getElementById('curves')!)] });
 */
export function fitCallbacks(target: ChartTarget, opts: FitCallbacksOptions = {}): LiveChart {
  return new LiveChart(target, opts);
}

/** The callback {@link fitCallbacks} returns; `history` holds what it has drawn. */
export class LiveChart extends Callback {
  readonly history: Record<string, number[]> = {};
  /** How many times it has drawn. */
  draws = 0;
  private lastDraw = 0;
  private epochsDone = 0;

  constructor(
    private readonly target: ChartTarget,
    private readonly opts: FitCallbacksOptions = {},
  ) {
    super();
  }

  private keep(k: string): boolean {
    const m = this.opts.metrics;
    return !m || m.includes(k) || (k.startsWith('val_') && m.includes(k.slice(4)));
  }

  private draw(extra?: Logs): void {
    const h: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(this.history)) h[k] = [...v];
    // The epoch in progress, as its running values so far.
    if (extra)
      for (const [k, v] of Object.entries(extra))
        if (this.keep(k) && typeof v === 'number') {
          h[k] ??= new Array<number>(this.epochsDone).fill(Number.NaN);
          h[k]!.push(v);
        }
    const svg = historyChart(h, { width: this.opts.width, height: this.opts.height });
    if (typeof this.target === 'function') this.target(svg);
    else this.target.innerHTML = svg;
    this.draws++;
    this.lastDraw = Date.now();
  }

  onTrainBatchEnd(_batch: number, logs: Logs): void | Promise<void> {
    const every = this.opts.batchIntervalMs ?? 500;
    if (every <= 0 || Date.now() - this.lastDraw < every) return;
    this.draw(logs);
    return yieldToPage();
  }

  onEpochEnd(_epoch: number, logs: Logs): Promise<void> {
    for (const [k, v] of Object.entries(logs)) {
      if (!this.keep(k) || typeof v !== 'number') continue;
      this.history[k] ??= new Array<number>(this.epochsDone).fill(Number.NaN);
      this.history[k]!.push(v);
    }
    this.epochsDone++;
    this.draw();
    return yieldToPage();
  }
}

/** Lets the page paint (a macrotask, not a microtask). */
function yieldToPage(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
