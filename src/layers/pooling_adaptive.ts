/**
 * Adaptive pooling layers, as Keras 3's: `AdaptiveAveragePooling1D/2D/3D` and
 * `AdaptiveMaxPooling1D/2D/3D`. Each pools its input's spatial axes to a fixed `outputSize`,
 * whatever their length, in the bins of PyTorch and Keras (bin `i` of an axis of length `L`
 * covers `[⌊i·L/out⌋, ⌈(i+1)·L/out⌉)`). None has weights; the work is done by the ops
 * `adaptiveAveragePool` / `adaptiveMaxPool`, whose gradients come from the ops they use.
 */
import { ShapeError, ValueError } from '../errors.js';
import { adaptiveAveragePool, adaptiveMaxPool, normalizeOutputSize } from '../ops/adaptive_pool.js';
import { type DataFormat, type DataFormatArg, normalizeDataFormat } from '../ops/conv.js';
import { type Config, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, single, singleShape } from './layer.js';
import { type SymbolicShape, fmtShapeNull } from './symbolic.js';

/** Options of the adaptive pooling layers (1D, 2D and 3D, average and max). */
export interface AdaptivePoolingArgs extends LayerArgs {
  /**
   * The spatial size of the output (required): one positive integer for every spatial axis,
   * or one per axis (1D: `[steps]`, 2D: `[height, width]`, 3D: `[depth, height, width]`).
   * It may be larger than the input's (bins then repeat positions).
   */
  outputSize?: number | readonly number[];
  /**
   * 'channelsLast' (default, `[batch, ...spatial, channels]`) or 'channelsFirst'
   * (`[batch, channels, ...spatial]`).
   */
  dataFormat?: DataFormatArg;
}

const LAYOUTS: Record<number, readonly [string, string]> = {
  1: ['[batch, steps, channels]', '[batch, channels, steps]'],
  2: ['[batch, height, width, channels]', '[batch, channels, height, width]'],
  3: ['[batch, depth, height, width, channels]', '[batch, channels, depth, height, width]'],
};

/** The shared body of the adaptive pooling layers. */
abstract class BaseAdaptivePooling extends Layer {
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { outputSize: 1 };
  readonly outputSize: number[];
  readonly dataFormat: DataFormat;
  /** Number of spatial axes (1, 2 or 3). */
  readonly rank: number;
  protected abstract readonly kind: 'avg' | 'max';

  constructor(args: AdaptivePoolingArgs, rank: number) {
    super(args);
    const a = args ?? {};
    this.rank = rank;
    const who = `${this.name} (${this.className})`;
    if (a.outputSize === undefined || a.outputSize === null)
      throw new ValueError(`${who}: outputSize is required`);
    this.outputSize = normalizeOutputSize(a.outputSize, rank, who);
    try {
      this.dataFormat = normalizeDataFormat(a.dataFormat, this.name);
    } catch {
      throw new ValueError(
        `${who}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(a.dataFormat)}`,
      );
    }
    this.inputSpec = { ndim: rank + 2 };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const first = this.dataFormat === 'channelsFirst';
    const layout = LAYOUTS[this.rank]![first ? 1 : 0];
    if (x.rank !== this.rank + 2) {
      throw new ShapeError(
        `${this.name} (${this.className}): expected input of rank ${this.rank + 2} (${layout}), got shape ${fmtShapeNull(x.shape)}`,
      );
    }
    const spatial = first ? x.shape.slice(2) : x.shape.slice(1, -1);
    if (spatial.some((d) => d === 0)) {
      throw new ShapeError(
        `${this.name} (${this.className}): every spatial axis needs at least one position (${layout}), got shape ${fmtShapeNull(x.shape)}`,
      );
    }
    const pool = this.kind === 'max' ? adaptiveMaxPool : adaptiveAveragePool;
    return pool(x, this.outputSize, { dataFormat: this.dataFormat });
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    if (s.length !== this.rank + 2) {
      throw new ShapeError(
        `${this.name} (${this.className}): expected rank ${this.rank + 2}, got input shape ${fmtShapeNull(s)}`,
      );
    }
    if (this.dataFormat === 'channelsLast') return [s[0]!, ...this.outputSize, s.at(-1) ?? null];
    return [s[0]!, s[1] ?? null, ...this.outputSize];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      outputSize: [...this.outputSize],
      dataFormat: this.dataFormat,
    };
  }
}

/**
 * Adaptive average pooling of the steps axis: the mean of each of `outputSize` bins of
 * (nearly) equal size, whatever the number of steps.
 *
 * Formula: `y[b, i, c] = mean_{t ∈ [⌊i·L/out⌋, ⌈(i+1)·L/out⌉)} x[b, t, c]`.
 *
 * Shape: `[batch, steps, c]` → `[batch, out, c]` (channelsFirst: `[batch, c, steps]` →
 * `[batch, c, out]`).
 * @example
 * new AdaptiveAveragePooling1D({ outputSize: 4 }).apply(zeros([2, 10, 3])).shape; // [2, 4, 3]
 */
export class AdaptiveAveragePooling1D extends BaseAdaptivePooling {
  static override readonly className = 'AdaptiveAveragePooling1D';
  protected readonly kind = 'avg';
  constructor(args: AdaptivePoolingArgs = {}) {
    super(args, 1);
  }
}
registerSerializable('layer', AdaptiveAveragePooling1D);

/**
 * Adaptive max pooling of the steps axis: the max of each of `outputSize` bins of (nearly)
 * equal size, whatever the number of steps.
 *
 * Formula: `y[b, i, c] = max_{t ∈ [⌊i·L/out⌋, ⌈(i+1)·L/out⌉)} x[b, t, c]`.
 *
 * Shape: as {@link AdaptiveAveragePooling1D}.
 * @example
 * new AdaptiveMaxPooling1D({ outputSize: 4 }).apply(zeros([2, 10, 3])).shape; // [2, 4, 3]
 */
export class AdaptiveMaxPooling1D extends BaseAdaptivePooling {
  static override readonly className = 'AdaptiveMaxPooling1D';
  protected readonly kind = 'max';
  constructor(args: AdaptivePoolingArgs = {}) {
    super(args, 1);
  }
}
registerSerializable('layer', AdaptiveMaxPooling1D);

/**
 * Adaptive average pooling over height × width: each axis is cut into `outputSize` bins of
 * (nearly) equal size, whatever the input's size, and each window averaged per channel.
 *
 * Formula: `y[b, i, j, c] = mean_{h ∈ [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉), w ∈ [⌊j·W/ow⌋, ⌈(j+1)·W/ow⌉)}
 * x[b, h, w, c]`.
 *
 * Shape: `[batch, h, w, c]` → `[batch, oh, ow, c]` (channelsFirst: `[batch, c, h, w]` →
 * `[batch, c, oh, ow]`).
 * @example
 * new AdaptiveAveragePooling2D({ outputSize: 7 }).apply(zeros([1, 30, 20, 8])).shape; // [1, 7, 7, 8]
 */
export class AdaptiveAveragePooling2D extends BaseAdaptivePooling {
  static override readonly className = 'AdaptiveAveragePooling2D';
  protected readonly kind = 'avg';
  constructor(args: AdaptivePoolingArgs = {}) {
    super(args, 2);
  }
}
registerSerializable('layer', AdaptiveAveragePooling2D);

/**
 * Adaptive max pooling over height × width: each axis is cut into `outputSize` bins of
 * (nearly) equal size, whatever the input's size, and the max of each window taken per
 * channel.
 *
 * Formula: `y[b, i, j, c] = max_{h ∈ [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉), w ∈ [⌊j·W/ow⌋, ⌈(j+1)·W/ow⌉)}
 * x[b, h, w, c]`.
 *
 * Shape: as {@link AdaptiveAveragePooling2D}.
 * @example
 * new AdaptiveMaxPooling2D({ outputSize: [2, 3] }).apply(zeros([1, 9, 9, 4])).shape; // [1, 2, 3, 4]
 */
export class AdaptiveMaxPooling2D extends BaseAdaptivePooling {
  static override readonly className = 'AdaptiveMaxPooling2D';
  protected readonly kind = 'max';
  constructor(args: AdaptivePoolingArgs = {}) {
    super(args, 2);
  }
}
registerSerializable('layer', AdaptiveMaxPooling2D);

/**
 * Adaptive average pooling over depth × height × width: each axis is cut into `outputSize`
 * bins of (nearly) equal size, whatever the input's size, and each window averaged per
 * channel.
 *
 * Formula: `y[b, i, j, k, c] = mean_{d ∈ bin_i(D), h ∈ bin_j(H), w ∈ bin_k(W)} x[b, d, h, w, c]`,
 * `bin_i(L) = [⌊i·L/out⌋, ⌈(i+1)·L/out⌉)`.
 *
 * Shape: `[batch, d, h, w, c]` → `[batch, od, oh, ow, c]` (channelsFirst: `[batch, c, d, h, w]`
 * → `[batch, c, od, oh, ow]`).
 * @example
 * new AdaptiveAveragePooling3D({ outputSize: 2 }).apply(zeros([1, 5, 6, 7, 3])).shape; // [1, 2, 2, 2, 3]
 */
export class AdaptiveAveragePooling3D extends BaseAdaptivePooling {
  static override readonly className = 'AdaptiveAveragePooling3D';
  protected readonly kind = 'avg';
  constructor(args: AdaptivePoolingArgs = {}) {
    super(args, 3);
  }
}
registerSerializable('layer', AdaptiveAveragePooling3D);

/**
 * Adaptive max pooling over depth × height × width: each axis is cut into `outputSize` bins
 * of (nearly) equal size, whatever the input's size, and the max of each window taken per
 * channel.
 *
 * Formula: `y[b, i, j, k, c] = max_{d ∈ bin_i(D), h ∈ bin_j(H), w ∈ bin_k(W)} x[b, d, h, w, c]`,
 * `bin_i(L) = [⌊i·L/out⌋, ⌈(i+1)·L/out⌉)`.
 *
 * Shape: as {@link AdaptiveAveragePooling3D}.
 * @example
 * new AdaptiveMaxPooling3D({ outputSize: [1, 2, 3] }).apply(zeros([1, 4, 4, 6, 2])).shape; // [1, 1, 2, 3, 2]
 */
export class AdaptiveMaxPooling3D extends BaseAdaptivePooling {
  static override readonly className = 'AdaptiveMaxPooling3D';
  protected readonly kind = 'max';
  constructor(args: AdaptivePoolingArgs = {}) {
    super(args, 3);
  }
}
registerSerializable('layer', AdaptiveMaxPooling3D);
