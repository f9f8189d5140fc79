/**
 * Adaptive pooling, as Keras 3's `keras.ops.adaptive_average_pool` / `adaptive_max_pool`: the
 * window and step are chosen so that each spatial axis comes out at a given size, whatever
 * the input's size. The bins are PyTorch's (and Keras's): bin `i` of an axis of length `L`
 * pooled to `out` covers `[⌊i·L/out⌋, ⌈(i+1)·L/out⌉)`, so neighbouring bins may overlap
 * when `L` is not a multiple of `out`. Both pools factor over a box window, so each spatial
 * axis is pooled in turn (as Keras does): an axis whose size divides evenly is one reshape
 * and reduction, any other one a slice and reduction per bin joined by a concat. Gradients
 * come from those ops. Data is channels-last unless `dataFormat: 'channelsFirst'`.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { type DataFormatArg, normalizeDataFormat } from './conv.js';
import { cast } from './elementwise.js';
import { concat, reshape, slice, transpose } from './movement.js';
import { max, mean } from './reduce.js';

/** Options of {@link adaptiveAveragePool} and {@link adaptiveMaxPool}. */
export interface AdaptivePoolOptions {
  /**
   * Axis order of x and of the output: 'channelsLast' (default, `[batch, ...spatial,
   * channels]`) or 'channelsFirst' (`[batch, channels, ...spatial]`).
   */
  dataFormat?: DataFormatArg;
}

/**
 * The bins of one axis of adaptive pooling: `[start, end)` of each output position (PyTorch's
 * and Keras's rule). Their sizes are ⌈L/out⌉ or ⌈L/out⌉ + 1; when `out > L` bins repeat
 * positions.
 *
 * Formula: `bin i = [⌊i·L/out⌋, ⌈(i+1)·L/out⌉)`, for `i < out`.
 *
 * Shape: `out` pairs.
 * @example adaptivePoolBins(5, 3) // [[0, 2], [1, 4], [3, 5]]
 */
export function adaptivePoolBins(inputSize: number, outputSize: number): [number, number][] {
  // Integer arithmetic: exact for any size (no floating-point floor/ceil of a quotient).
  return Array.from({ length: outputSize }, (_, i) => [
    Math.floor((i * inputSize) / outputSize),
    Math.ceil(((i + 1) * inputSize) / outputSize),
  ]);
}

/**
 * `outputSize` as one positive integer per spatial axis (a lone number is repeated); throws a
 * ValueError naming `who` otherwise.
 *
 * Formula: `n → [n, …, n]` (`rank` times); a list of `rank` integers ≥ 1 is kept.
 *
 * Shape: `rank` integers.
 * @example normalizeOutputSize(3, 2, 'op') // [3, 3]
 */
export function normalizeOutputSize(
  outputSize: number | readonly number[] | undefined | null,
  rank: number,
  who: string,
): number[] {
  const list =
    typeof outputSize === 'number'
      ? new Array<number>(rank).fill(outputSize)
      : Array.isArray(outputSize)
        ? [...(outputSize as readonly number[])]
        : [];
  if (list.length !== rank || list.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ValueError(
      `${who}: outputSize must be a positive integer or ${rank} of them, got ${JSON.stringify(outputSize)}`,
    );
  }
  return list;
}

type Kind = 'avg' | 'max';

/** Pools axis `axis` of `x` (any layout) from its length down or up to `out` bins. */
function poolAxis(x: Tensor, axis: number, out: number, kind: Kind): Tensor {
  const len = x.shape[axis]!;
  if (len === out) return x; // every bin is one position
  const reduce = kind === 'max' ? max : mean;
  if (len % out === 0) {
    // Equal, disjoint bins: [.., out, len/out, ..] and a reduction of the inner axis.
    const split = [...x.shape.slice(0, axis), out, len / out, ...x.shape.slice(axis + 1)];
    return reduce(reshape(x, split), axis + 1);
  }
  const begin = x.shape.map(() => 0);
  const size = x.shape.map(() => -1);
  const parts = adaptivePoolBins(len, out).map(([s, e]) => {
    begin[axis] = s;
    size[axis] = e - s;
    return reduce(slice(x, begin, size), axis, true);
  });
  return concat(parts, axis);
}

function adaptivePool(
  kind: Kind,
  op: string,
  x: TensorLike,
  outputSize: number | readonly number[],
  opts: AdaptivePoolOptions,
): Tensor {
  const t0 = convertToTensor(x, op, 'x');
  if (t0.dtype === 'bool') throw new DTypeError(`${op}: bool input is not supported`);
  const t = isFloat(t0.dtype) ? t0 : cast(t0, 'float32');
  const df = normalizeDataFormat(opts.dataFormat, op);
  if (t.rank < 3 || t.rank > 5) {
    const layout =
      df === 'channelsLast' ? '[batch, ...spatial, channels]' : '[batch, channels, ...spatial]';
    throw new ShapeError(
      `${op}: x must have rank 3, 4 or 5 (${layout}, 1 to 3 spatial axes), got shape ${fmtShape(t.shape)}`,
    );
  }
  const nsp = t.rank - 2;
  const out = normalizeOutputSize(outputSize, nsp, op);
  const first = df === 'channelsFirst';
  const xl = first ? transpose(t, [0, ...Array.from({ length: nsp }, (_, i) => i + 2), 1]) : t;
  if (xl.shape.slice(1, -1).some((d) => d === 0)) {
    throw new ShapeError(
      `${op}: every spatial axis needs at least one position, got shape ${fmtShape(t.shape)}`,
    );
  }
  let y = xl;
  for (let i = 0; i < nsp; i++) y = poolAxis(y, i + 1, out[i]!, kind);
  return first ? transpose(y, [0, nsp + 1, ...Array.from({ length: nsp }, (_, i) => i + 1)]) : y;
}

/**
 * Adaptive average pooling: each spatial axis is averaged in `outputSize` bins of (nearly)
 * equal size, whatever its length (Keras's `keras.ops.adaptive_average_pool`, PyTorch's
 * `adaptive_avg_pool`). Works on 1-D, 2-D and 3-D data (rank 3, 4 or 5); ints promote to
 * float32.
 *
 * Formula: `y[b, i, j, c] = mean_{h ∈ [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉), w ∈ [⌊j·W/ow⌋, ⌈(j+1)·W/ow⌉)}
 * x[b, h, w, c]` (and alike in 1-D and 3-D).
 *
 * Shape: `[batch, ...spatial, c]` → `[batch, ...outputSize, c]` (channelsFirst:
 * `[batch, c, ...spatial]` → `[batch, c, ...outputSize]`).
 * @example adaptiveAveragePool(tensor([[[1], [2], [3], [4], [5]]]), 2) // [[[2], [4]]]
 */
export function adaptiveAveragePool(
  x: TensorLike,
  outputSize: number | readonly number[],
  opts: AdaptivePoolOptions = {},
): Tensor {
  return adaptivePool('avg', 'adaptiveAveragePool', x, outputSize, opts);
}

/**
 * Adaptive max pooling: the max of each of `outputSize` bins of (nearly) equal size per
 * spatial axis, whatever its length (Keras's `keras.ops.adaptive_max_pool`, PyTorch's
 * `adaptive_max_pool`). Works on 1-D, 2-D and 3-D data (rank 3, 4 or 5); ints promote to
 * float32. Tied maxima share the gradient.
 *
 * Formula: `y[b, i, j, c] = max_{h ∈ [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉), w ∈ [⌊j·W/ow⌋, ⌈(j+1)·W/ow⌉)}
 * x[b, h, w, c]` (and alike in 1-D and 3-D).
 *
 * Shape: `[batch, ...spatial, c]` → `[batch, ...outputSize, c]` (channelsFirst:
 * `[batch, c, ...spatial]` → `[batch, c, ...outputSize]`).
 * @example adaptiveMaxPool(tensor([[[1], [5], [3], [4], [2]]]), 2) // [[[5], [4]]]
 */
export function adaptiveMaxPool(
  x: TensorLike,
  outputSize: number | readonly number[],
  opts: AdaptivePoolOptions = {},
): Tensor {
  return adaptivePool('max', 'adaptiveMaxPool', x, outputSize, opts);
}
