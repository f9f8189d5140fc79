/**
 * Weight and activation histograms per epoch, like tfjs-vis's layer histograms: a callback that
 * after every epoch draws, for each chosen layer, the histogram of its kernel and (given a
 * sample batch) of its output on that batch. No DOM dependency: it sets an element's
 * `innerHTML` or calls a function with the SVG, so Node can write the pictures to files.
 */
import { ValueError } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import type { Tensor } from '../tensor/tensor.js';
import { histogramChart } from '../vis/charts.js';
import { Callback } from './callback.js';
import type { ChartTarget } from './live_chart.js';

/** Options of {@link histogramCallbacks}. */
export interface HistogramCallbackOptions {
  /** The layers to draw, by name (default: every layer with weights). */
  layers?: readonly string[];
  /**
   * A batch of inputs: each chosen layer's output on it is drawn too. The layers are run as a
   * chain (a Sequential model, or any model whose layers each take the previous one's output).
   */
  sample?: Tensor;
  /** Bins per histogram (default 30). */
  bins?: number;
  /** Draw every this many epochs (default 1). */
  every?: number;
  /** Panel size in pixels (default 320 × 180). */
  width?: number;
  height?: number;
}

/** What one epoch's drawing measured: per layer, the counts of its kernel and output bins. */
export interface HistogramRecord {
  epoch: number;
  layers: { name: string; kernel?: number[]; activation?: number[] }[];
}

/**
 * A callback drawing, after each epoch, the histogram of each chosen layer's kernel and of its
 * activations on `sample` into `target`.
 *
 * Formula: counts[b] = |{ v : edges[b] ≤ v < edges[b+1] }| over the kernel's (or the
 * activation's) values, `bins` equal-width bins between their min and max.
 *
 * Shape: one row per layer, kernel on the left, activation on the right.
 *
 * @example
 * await model.fit(x, y, { epochs: 5, callbacks: [histogramCallbacks(div, { sample: x.slice([0, 0], [64, 784]) })] });
 */
export function histogramCallbacks(
  target: ChartTarget,
  opts: HistogramCallbackOptions = {},
): HistogramCallback {
  return new HistogramCallback(target, opts);
}

/** The callback {@link histogramCallbacks} returns; `records` holds what it has drawn. */
export class HistogramCallback extends Callback {
  readonly records: HistogramRecord[] = [];

  constructor(
    private readonly target: ChartTarget,
    private readonly opts: HistogramCallbackOptions = {},
  ) {
    super();
  }

  private chosen(): Layer[] {
    const layers = (this.model as unknown as { layers: Layer[] }).layers;
    if (!this.opts.layers) return layers.filter((l) => l.getWeights().length > 0);
    return this.opts.layers.map((n) => {
      const l = layers.find((x) => x.name === n);
      if (!l)
        throw new ValueError(
          `histogramCallbacks: no layer named '${n}' (layers: ${layers.map((x) => x.name).join(', ')})`,
        );
      return l;
    });
  }

  /** Each layer's output on the sample, running the model's layers as a chain. */
  private activations(): Map<Layer, Tensor> {
    const out = new Map<Layer, Tensor>();
    if (!this.opts.sample) return out;
    let h = this.opts.sample;
    for (const l of (this.model as unknown as { layers: Layer[] }).layers) {
      if (l.className === 'InputLayer') continue;
      h = l.apply(h) as Tensor;
      out.set(l, h);
    }
    return out;
  }

  onEpochEnd(epoch: number): Promise<void> | undefined {
    if (epoch % (this.opts.every ?? 1) !== 0) return undefined;
    const bins = this.opts.bins ?? 30;
    const size = { width: this.opts.width ?? 320, height: this.opts.height ?? 180, bins };
    const acts = this.activations();
    const record: HistogramRecord = { epoch, layers: [] };
    const rows: string[] = [];
    for (const l of this.chosen()) {
      const entry: HistogramRecord['layers'][number] = { name: l.name };
      const cells: string[] = [];
      const kernel = l.getWeights()[0];
      if (kernel) {
        const h = histogramChart(kernel.dataSync(), {
          ...size,
          title: `${l.name} kernel, epoch ${epoch + 1}`,
        });
        entry.kernel = h.counts;
        cells.push(h.svg);
      }
      const a = acts.get(l);
      if (a) {
        const h = histogramChart(a.dataSync(), {
          ...size,
          title: `${l.name} output, epoch ${epoch + 1}`,
        });
        entry.activation = h.counts;
        cells.push(h.svg);
      }
      record.layers.push(entry);
      rows.push(`<div class="tessera-histograms-row">${cells.join('')}</div>`);
    }
    this.records.push(record);
    const html = `<div class="tessera-histograms">${rows.join('')}</div>`;
    if (typeof this.target === 'function') this.target(html);
    else this.target.innerHTML = html;
    // Lets a page paint before the next epoch.
    return new Promise((r) => setTimeout(r, 0));
  }
}
