/**
 * Keras 3 `keras.ops` part 6: the nn, math, linalg and core ops that numpy_extra5.ts leaves
 * out — pixel shuffles (`depthToSpace`, `spaceToDepth`), `extractSequences`, `multiHot`,
 * `psnr`, `rmsNormalization`, `sparsemax`, the elementwise `binaryCrossentropy` op,
 * `segmentMin`, `inTopK`, `slogdet`/`logdet`, scatters and slice updates, `saturateCast`,
 * `view`, and the introspection helpers (`isTensor`, `shape`, `ndim`, `size`, `dtype`,
 * `convertToTensor`, `array`). Differentiable ops are composites of existing ops.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { EPSILON } from '../losses/core.js';
import { type DType, isDType, isFloat } from '../tensor/dtype.js';
import { normalizeAxes, normalizeAxis, shapesEqual } from '../tensor/shape.js';
import { Tensor, type TensorLike, convertToTensor as toTensor } from '../tensor/tensor.js';
import { flip, takeAlongAxis } from './arrange.js';
import { type DataFormatArg, normalizeDataFormat } from './conv.js';
import { tensor } from './creation.js';
import {
  abs,
  add,
  cast,
  clip,
  div,
  exp,
  greater,
  greaterEqual,
  log,
  log1p,
  maximum,
  mul,
  neg,
  rsqrt,
  sign,
  square,
  sub,
  where,
} from './elementwise.js';
import { luFactor } from './linalg_decomp.js';
import { segmentMax } from './math_extra.js';
import { gather, oneHot, pad, reshape, scatterAdd, transpose } from './movement.js';
import { toFloat } from './numpy_extra.js';
import { diagonal } from './numpy_extra2.js';
import { max, mean, prod, sum } from './reduce.js';
import { cumsum } from './scan.js';
import { sort, topK } from './sorting.js';

// ---------------------------------------------------------------- nn

function blockInput(x: TensorLike, blockSize: number, op: string): Tensor {
  const t = toTensor(x, op, 'x');
  if (t.rank !== 4) throw new ShapeError(`${op}: x must be 4-D, got shape ${fmtShape(t.shape)}`);
  if (!Number.isInteger(blockSize) || blockSize < 2)
    throw new ValueError(`${op}: blockSize must be an integer >= 2, got ${blockSize}`);
  return t;
}

/**
 * Moves channel blocks into space (pixel shuffle, Keras `depth_to_space`, DCR order).
 *
 * Formula: out[n, h·b + i, w·b + j, c] = x[n, h, w, (i·b + j)·C' + c], C' = C / b².
 *
 * Shape: `[N, H, W, C]` → `[N, H·b, W·b, C / b²]` (channels-first: `[N, C, H, W]` → `[N, C/b², H·b, W·b]`).
 * @example depthToSpace(ones([1, 1, 1, 4]), 2).shape // [1, 2, 2, 1]
 */
export function depthToSpace(
  x: TensorLike,
  blockSize: number,
  dataFormat: DataFormatArg = 'channels_last',
): Tensor {
  const t = blockInput(x, blockSize, 'depthToSpace');
  const df = normalizeDataFormat(dataFormat, 'depthToSpace');
  const b = blockSize;
  const [n, d1, d2, d3] = t.shape as [number, number, number, number];
  const c = df === 'channelsLast' ? d3 : d1;
  if (c % (b * b) !== 0)
    throw new ShapeError(
      `depthToSpace: the channels (${c}) must be divisible by blockSize² (${b * b})`,
    );
  const nc = c / (b * b);
  if (df === 'channelsLast') {
    const y = transpose(reshape(t, [n, d1, d2, b, b, nc]), [0, 1, 3, 2, 4, 5]);
    return reshape(y, [n, d1 * b, d2 * b, nc]);
  }
  const y = transpose(reshape(t, [n, nc, b, b, d2, d3]), [0, 1, 4, 2, 5, 3]);
  return reshape(y, [n, nc, d2 * b, d3 * b]);
}

/**
 * Moves spatial blocks into channels (pixel unshuffle, Keras `space_to_depth`): the inverse
 * of {@link depthToSpace}.
 *
 * Formula: out[n, h, w, (i·b + j)·C + c] = x[n, h·b + i, w·b + j, c].
 *
 * Shape: `[N, H, W, C]` → `[N, H/b, W/b, C·b²]` (channels-first: `[N, C·b², H/b, W/b]`).
 * @example spaceToDepth(ones([1, 2, 2, 1]), 2).shape // [1, 1, 1, 4]
 */
export function spaceToDepth(
  x: TensorLike,
  blockSize: number,
  dataFormat: DataFormatArg = 'channels_last',
): Tensor {
  const t = blockInput(x, blockSize, 'spaceToDepth');
  const df = normalizeDataFormat(dataFormat, 'spaceToDepth');
  const b = blockSize;
  const [n, d1, d2, d3] = t.shape as [number, number, number, number];
  const [h, w] = df === 'channelsLast' ? [d1, d2] : [d2, d3];
  if (h % b !== 0 || w % b !== 0)
    throw new ShapeError(
      `spaceToDepth: height ${h} and width ${w} must be divisible by blockSize ${b}`,
    );
  if (df === 'channelsLast') {
    const y = transpose(reshape(t, [n, h / b, b, w / b, b, d3]), [0, 1, 3, 2, 4, 5]);
    return reshape(y, [n, h / b, w / b, d3 * b * b]);
  }
  const y = transpose(reshape(t, [n, d1, h / b, b, w / b, b]), [0, 1, 3, 5, 2, 4]);
  return reshape(y, [n, d1 * b * b, h / b, w / b]);
}

/**
 * Frames of the last axis (Keras `extract_sequences`): windows of `sequenceLength` every
 * `sequenceStride` samples; the gradient adds back into overlapping samples.
 *
 * Formula: out[..., f, i] = x[..., f·stride + i].
 *
 * Shape: `[..., N]` → `[..., ⌊(N − L) / stride⌋ + 1, L]`.
 * @example extractSequences(tensor([1, 2, 3, 4]), 2, 1) // [[1, 2], [2, 3], [3, 4]]
 */
export function extractSequences(
  x: TensorLike,
  sequenceLength: number,
  sequenceStride: number,
): Tensor {
  const t = toTensor(x, 'extractSequences', 'x');
  if (t.rank < 1) throw new ShapeError('extractSequences: x must have rank >= 1, got a scalar');
  for (const [v, name] of [
    [sequenceLength, 'sequenceLength'],
    [sequenceStride, 'sequenceStride'],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new ValueError(`extractSequences: ${name} must be a positive integer, got ${v}`);
  const n = t.shape[t.rank - 1]!;
  if (sequenceLength > n)
    throw new ValueError(
      `extractSequences: sequenceLength ${sequenceLength} exceeds the last axis (${n})`,
    );
  const frames = Math.floor((n - sequenceLength) / sequenceStride) + 1;
  const idx = Int32Array.from(
    { length: frames * sequenceLength },
    (_, i) => Math.floor(i / sequenceLength) * sequenceStride + (i % sequenceLength),
  );
  return gather(t, tensor(idx, [frames, sequenceLength], 'int32'), t.rank - 1);
}

/**
 * Multi-hot encoding of integer labels (Keras `multi_hot`): 1 for each class present in a
 * sample's labels. A 1-D input is one sample; for higher ranks axis 1 holds the labels.
 *
 * Formula: out[b, c] = max_l [x[b, l] = c].
 *
 * Shape: `[B, L]` → `[B, numClasses]`; `[L]` → `[numClasses]`.
 * @example multiHot(tensor([[1, 3], [0, 0]], undefined, 'int32'), 5) // [[0, 1, 0, 1, 0], [1, 0, 0, 0, 0]]
 */
export function multiHot(
  inputs: TensorLike,
  numClasses: number,
  axis = -1,
  dtype: DType = 'float32',
): Tensor {
  const t = toTensor(inputs, 'multiHot', 'inputs');
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ValueError(`multiHot: numClasses must be a positive integer, got ${numClasses}`);
  if (!isDType(dtype)) throw new DTypeError(`multiHot: unknown dtype ${JSON.stringify(dtype)}`);
  const oh = oneHot(isFloat(t.dtype) || t.dtype === 'bool' ? cast(t, 'int32') : t, numClasses);
  const ax = normalizeAxis(axis, t.rank + 1, 'multiHot');
  const perm = [...Array(t.rank).keys()];
  perm.splice(ax, 0, t.rank);
  const moved = transpose(oh, perm);
  return cast(max(moved, t.rank > 1 ? 1 : 0), dtype);
}

/**
 * Peak signal-to-noise ratio of two same-shape signals (Keras `psnr`), in dB, over all elements.
 *
 * Formula: psnr = 20 log₁₀(maxVal) − 10 log₁₀(mean((x1 − x2)²)).
 *
 * Shape: two tensors of one shape → `[]` (float).
 * @example psnr(tensor([0, 1]), tensor([0, 0.5]), 1) // 9.0309
 */
export function psnr(x1: TensorLike, x2: TensorLike, maxVal: number): Tensor {
  const a = toFloat(x1, 'psnr', 'x1');
  const b = toFloat(x2, 'psnr', 'x2');
  if (!shapesEqual(a.shape, b.shape))
    throw new ShapeError(
      `psnr: x1 ${fmtShape(a.shape)} and x2 ${fmtShape(b.shape)} must have the same shape`,
    );
  const mse = mean(square(sub(a, b)));
  return sub(20 * Math.log10(maxVal), mul(log(mse), 10 / Math.LN10));
}

/**
 * Root-mean-square normalization (Keras `rms_normalization`, Zhang & Sennrich 2019).
 *
 * Formula: y = x / √(mean(x², axis) + ε) · scale.
 *
 * Shape: same as x (float); `scale` broadcasts against it.
 * @example rmsNormalization(tensor([3, 4])) // [0.8485, 1.1314]
 */
export function rmsNormalization(
  x: TensorLike,
  scale: TensorLike | null = null,
  axis: number | readonly number[] = -1,
  epsilon = EPSILON,
): Tensor {
  let t = toFloat(x, 'rmsNormalization');
  if (t.rank === 0) t = reshape(t, [1]);
  const axes = normalizeAxes(axis, t.rank, 'rmsNormalization');
  const y = mul(t, rsqrt(add(mean(square(t), axes, true), epsilon)));
  return scale === null ? y : mul(y, toFloat(scale, 'rmsNormalization', 'scale'));
}

/**
 * Sparsemax (Martins & Astudillo 2016): the Euclidean projection of x onto the probability
 * simplex along `axis` — like softmax but with exact zeros. (Keras 3.15.1's own backends
 * compute the threshold from the sum of the cumulative sums, which is not a projection: rows
 * need not sum to 1; Tessera follows the paper.)
 *
 * Formula: y = max(x − τ, 0), τ = (Σ_{j ≤ k} z_j − 1) / k, z sorted descending and
 * k = max{k : 1 + k z_k > Σ_{j ≤ k} z_j}.
 *
 * Shape: same as x (float).
 * @example sparsemax(tensor([1, 0.5, 0])) // [0.75, 0.25, 0]
 */
export function sparsemax(x: TensorLike, axis = -1): Tensor {
  const t = toFloat(x, 'sparsemax');
  if (t.rank === 0) throw new ShapeError('sparsemax: x must have rank >= 1, got a scalar');
  const ax = normalizeAxis(axis, t.rank, 'sparsemax');
  const n = t.shape[ax]!;
  const z = flip(sort(t, ax), ax);
  const cs = cumsum(z, ax);
  const rShape = t.shape.map((_, i) => (i === ax ? n : 1));
  const r = tensor(
    Float64Array.from({ length: n }, (_, i) => i + 1),
    rShape,
    'float64',
  );
  const rr = cast(r, t.dtype);
  const support = greater(add(mul(z, rr), 1), cs);
  const k = sum(cast(support, t.dtype), ax, true);
  // Σ_{j ≤ k} z_j: the cumulative sum at position k − 1.
  const csk = takeAlongAxis(cs, cast(sub(k, 1), 'int32'), ax);
  const tau = div(sub(csk, 1), k);
  return maximum(sub(t, tau), 0);
}

/**
 * Elementwise binary cross-entropy (Keras's `ops.binary_crossentropy`: no mean, unlike the
 * loss `losses.binaryCrossentropy`). Probabilities are clipped to [ε, 1 − ε]; logits use the
 * stable form.
 *
 * Formula: −(t log p + (1 − t) log(1 − p)); logits: max(x, 0) − x t + log(1 + e^(−|x|)).
 *
 * Shape: target and output of one shape → the same shape (float).
 * @example binaryCrossentropy(tensor([1, 0]), tensor([0.9, 0.2])) // [0.1054, 0.2231]
 */
export function binaryCrossentropy(
  target: TensorLike,
  output: TensorLike,
  fromLogits = false,
): Tensor {
  const t = toFloat(target, 'binaryCrossentropy', 'target');
  const p = toFloat(output, 'binaryCrossentropy', 'output');
  if (!shapesEqual(t.shape, p.shape))
    throw new ShapeError(
      `binaryCrossentropy: target ${fmtShape(t.shape)} and output ${fmtShape(p.shape)} must have the same shape`,
    );
  if (fromLogits) return add(sub(maximum(p, 0), mul(p, t)), log1p(exp(neg(abs(p)))));
  const q = clip(p, EPSILON, 1 - EPSILON);
  return neg(add(mul(t, log(q)), mul(sub(1, t), log(sub(1, q)))));
}

// ---------------------------------------------------------------- math and linalg

/**
 * The smallest row entry per segment (Keras `segment_min`): an empty segment is +∞, rows with
 * a negative id are left out; the gradient goes to the first row holding each minimum.
 *
 * Formula: out[s] = min_{i: ids[i] = s} data[i].
 *
 * Shape: `data [N, ...]`, ids `[N]` → `[numSegments, ...]`.
 * @example segmentMin(tensor([1, 5, 3]), tensor([0, 0, 1], undefined, 'int32')) // [1, 3]
 */
export function segmentMin(
  data: TensorLike,
  segmentIds: TensorLike,
  numSegments?: number | null,
): Tensor {
  const d = toTensor(data, 'segmentMin', 'data');
  return neg(segmentMax(neg(d), segmentIds, numSegments));
}

/**
 * Whether each target class is among the k largest predictions of its row (Keras
 * `in_top_k`; ties with the k-th value count as in).
 *
 * Formula: out[b] = predictions[b, targets[b]] ≥ k-th largest of predictions[b].
 *
 * Shape: targets `[B]`, predictions `[B, C]` → `[B]` (bool).
 * @example inTopK(tensor([1, 0], undefined, 'int32'), tensor([[0.1, 0.5, 0.4], [0.2, 0.2, 0.6]]), 1) // [true, false]
 */
export function inTopK(targets: TensorLike, predictions: TensorLike, k: number): Tensor {
  const tg = toTensor(targets, 'inTopK', 'targets');
  const p = toTensor(predictions, 'inTopK', 'predictions');
  if (p.rank !== 2 || tg.rank !== 1 || tg.shape[0] !== p.shape[0])
    throw new ShapeError(
      `inTopK: targets must be [B] and predictions [B, C], got ${fmtShape(tg.shape)} and ${fmtShape(p.shape)}`,
    );
  if (tg.dtype !== 'int32') throw new DTypeError(`inTopK: targets must be int32, got ${tg.dtype}`);
  const { values } = topK(p, k);
  const kth = gather(values, tensor([k - 1], [1], 'int32'), 1);
  const tv = takeAlongAxis(p, reshape(tg, [-1, 1]), 1);
  return reshape(greaterEqual(tv, kth), [-1]);
}

/**
 * Sign and log of the absolute determinant of square matrices (numpy `linalg.slogdet`),
 * through the LU factorization; singular matrices give sign 0 and −∞. Differentiable in the
 * log-determinant (d/dA log|det A| = A⁻ᵀ).
 *
 * Formula: det A = sign · e^logabsdet = (−1)^swaps Π U_ii.
 *
 * Shape: `[..., n, n]` → `[sign [...], logabsdet [...]]` (float).
 * @example slogdet(tensor([[2, 0], [0, -3]])) // [-1, 1.7918]
 */
export function slogdet(x: TensorLike): [Tensor, Tensor] {
  const a = toFloat(x, 'slogdet');
  if (a.rank < 2 || a.shape[a.rank - 1] !== a.shape[a.rank - 2])
    throw new ShapeError(`slogdet: x must be [..., n, n], got ${fmtShape(a.shape)}`);
  const { lu, pivots } = luFactor(a);
  const d = diagonal(lu, 0, -2, -1);
  const n = a.shape[a.rank - 1]!;
  const piv = pivots.dataSync();
  const parity = new Float64Array(piv.length / Math.max(1, n));
  for (let i = 0; i < piv.length; i++) if (piv[i] !== i % n) parity[Math.floor(i / n)]! += 1;
  const flipSign = tensor(
    Float64Array.from(parity, (s) => (s % 2 === 0 ? 1 : -1)),
    a.shape.slice(0, -2),
    'float64',
  );
  const sgn = mul(prod(sign(d), -1), cast(flipSign, a.dtype));
  return [sgn, sum(log(abs(d)), -1)];
}

/**
 * Log-determinant (Keras `logdet`, which is numpy's `slogdet(x)[1]`: log |det x|).
 *
 * Formula: logdet(A) = log |det A|.
 *
 * Shape: `[..., n, n]` → `[...]` (float).
 * @example logdet(tensor([[2, 0], [0, 3]])) // 1.7918
 */
export function logdet(x: TensorLike): Tensor {
  return slogdet(x)[1];
}

// ---------------------------------------------------------------- core

/** Flat row indices of N-D coordinates `indices [..., k]` into the first k axes of `shape`. */
function flatCoords(
  indices: TensorLike,
  shape: readonly number[],
  op: string,
): {
  flat: Int32Array;
  k: number;
  lead: number[];
} {
  const idx = toTensor(indices, op, 'indices');
  if (idx.dtype !== 'int32') throw new DTypeError(`${op}: indices must be int32, got ${idx.dtype}`);
  if (idx.rank < 1) throw new ShapeError(`${op}: indices must have rank >= 1, got a scalar`);
  const k = idx.shape[idx.rank - 1]!;
  if (k > shape.length)
    throw new ShapeError(
      `${op}: indices of depth ${k} do not fit shape ${fmtShape(shape)} (rank ${shape.length})`,
    );
  const v = idx.dataSync();
  const rows = v.length / Math.max(1, k);
  const flat = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let f = 0;
    for (let j = 0; j < k; j++) {
      const c = v[r * k + j]!;
      if (c < 0 || c >= shape[j]!)
        throw new ValueError(
          `${op}: index ${c} is out of range for axis ${j} of ${fmtShape(shape)}`,
        );
      f = f * shape[j]! + c;
    }
    flat[r] = f;
  }
  return { flat, k, lead: idx.shape.slice(0, -1) };
}

/**
 * Zeros of `shape` with `values` added at N-D coordinates (Keras `scatter`; repeated
 * coordinates add up). Differentiable in `values`.
 *
 * Formula: out[indices[i]] += values[i].
 *
 * Shape: indices `[..., k]`, values `[..., *shape[k:]]` → `shape`.
 * @example scatter(tensor([[0, 1], [1, 0]], undefined, 'int32'), tensor([5, 7]), [2, 2]) // [[0, 5], [7, 0]]
 */
export function scatter(indices: TensorLike, values: TensorLike, shape: readonly number[]): Tensor {
  const { flat, k } = flatCoords(indices, shape, 'scatter');
  const v = toTensor(values, 'scatter', 'values');
  const rest = shape.slice(k);
  const rows = shape.slice(0, k).reduce((p, d) => p * d, 1);
  const expected = flat.length * rest.reduce((p, d) => p * d, 1);
  if (v.size !== expected)
    throw new ShapeError(
      `scatter: values ${fmtShape(v.shape)} do not fit ${flat.length} coordinates into ${fmtShape(shape)}`,
    );
  const out = scatterAdd(reshape(v, [flat.length, ...rest]), flat, [rows, ...rest], 0);
  return reshape(out, [...shape]);
}

/**
 * `inputs` with the slices at N-D coordinates replaced by `updates` (Keras `scatter_update`);
 * `reduction: 'add'` adds instead. With repeated coordinates the last update wins.
 * Differentiable in inputs and updates.
 *
 * Formula: out = inputs; out[indices[i]] = updates[i] (or += for 'add').
 *
 * Shape: inputs `S`, indices `[N, k]`, updates `[N, *S[k:]]` → `S`.
 * @example scatterUpdate(zeros([3]), tensor([[1]], undefined, 'int32'), tensor([9])) // [0, 9, 0]
 */
export function scatterUpdate(
  inputs: TensorLike,
  indices: TensorLike,
  updates: TensorLike,
  reduction: 'add' | null = null,
): Tensor {
  const x = toTensor(inputs, 'scatterUpdate', 'inputs');
  if (reduction !== null && reduction !== 'add')
    throw new ValueError(`scatterUpdate: reduction must be null or 'add', got '${reduction}'`);
  if (reduction === 'add')
    return add(
      x,
      scatter(indices, cast(toTensor(updates, 'scatterUpdate', 'updates'), x.dtype), x.shape),
    );
  const { flat, k } = flatCoords(indices, x.shape, 'scatterUpdate');
  const u = toTensor(updates, 'scatterUpdate', 'updates');
  const rest = x.shape.slice(k);
  const inner = rest.reduce((p, d) => p * d, 1);
  if (u.size !== flat.length * inner)
    throw new ShapeError(
      `scatterUpdate: updates ${fmtShape(u.shape)} do not fit ${flat.length} coordinates into ${fmtShape(x.shape)}`,
    );
  const last = new Map<number, number>();
  flat.forEach((f, i) => last.set(f, i));
  const keep = Int32Array.from(last.values());
  const at = Int32Array.from(last.keys());
  const rows = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
  const u2 = gather(reshape(cast(u, x.dtype), [flat.length, ...rest]), keep, 0);
  const placed = reshape(scatterAdd(u2, at, [rows, ...rest], 0), [...x.shape]);
  const maskFlat = new Uint8Array(rows);
  for (const f of at) maskFlat[f] = 1;
  const mask = reshape(tensor(maskFlat, [rows, ...rest.map(() => 1)], 'bool'), [
    ...x.shape.slice(0, k),
    ...rest.map(() => 1),
  ]);
  return where(mask, placed, x);
}

/**
 * `inputs` with the block starting at `startIndices` replaced by `updates` (Keras
 * `slice_update`). Differentiable in inputs and updates.
 *
 * Formula: out = inputs; out[s₀:s₀+u₀, s₁:s₁+u₁, …] = updates.
 *
 * Shape: inputs `S`, updates of the same rank fitting from the start → `S`.
 * @example sliceUpdate(zeros([4]), [1], tensor([7, 8])) // [0, 7, 8, 0]
 */
export function sliceUpdate(
  inputs: TensorLike,
  startIndices: readonly number[],
  updates: TensorLike,
): Tensor {
  const x = toTensor(inputs, 'sliceUpdate', 'inputs');
  const u = cast(toTensor(updates, 'sliceUpdate', 'updates'), x.dtype);
  if (u.rank !== x.rank || startIndices.length !== x.rank)
    throw new ShapeError(
      `sliceUpdate: updates ${fmtShape(u.shape)} and ${startIndices.length} start indices must match the rank of inputs ${fmtShape(x.shape)}`,
    );
  const pads: [number, number][] = x.shape.map((d, i) => {
    const s = startIndices[i]!;
    if (!Number.isInteger(s) || s < 0 || s + u.shape[i]! > d)
      throw new ValueError(
        `sliceUpdate: updates ${fmtShape(u.shape)} at [${startIndices}] do not fit in ${fmtShape(x.shape)}`,
      );
    return [s, d - s - u.shape[i]!];
  });
  const padded = pad(u, pads);
  const mask = pad(tensor(new Uint8Array(u.size).fill(1), u.shape, 'bool'), pads);
  return where(mask, padded, x);
}

const RANGE: Record<DType, [number, number]> = {
  bool: [0, 1],
  int32: [-2147483648, 2147483647],
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
};

const F32 = new Float32Array(1);
const F32_BITS = new Int32Array(F32.buffer);

/** `v` in `dtype`, stepped one ulp towards zero when rounding took it past `limit` (Keras's nextafter nudge). */
function inDType(v: number, dtype: DType, limit: number): number {
  if (dtype !== 'float32') return v;
  F32[0] = v;
  // float32 rounds ±(2³¹ − 1) away from zero: the bit pattern minus one is the next float inwards.
  if (Math.abs(F32[0]!) > Math.abs(limit)) F32_BITS[0]! -= 1;
  return F32[0]!;
}

/**
 * Casts with saturation (Keras `saturate_cast`): values are clipped to the target dtype's
 * range (representable in the source dtype) before casting, so ±∞ and large values map to the
 * extremes instead of wrapping.
 *
 * Formula: cast(clip(x, max(lo_in, lo_out), min(hi_in, hi_out)), dtype).
 *
 * Shape: same as x.
 * @example saturateCast(tensor([1e10, -Infinity]), 'int32') // [2147483520, -2147483648]
 */
export function saturateCast(x: TensorLike, dtype: DType): Tensor {
  const t = toTensor(x, 'saturateCast', 'x');
  if (!isDType(dtype)) throw new DTypeError(`saturateCast: unknown dtype ${JSON.stringify(dtype)}`);
  const [inLo, inHi] = RANGE[t.dtype];
  const [outLo, outHi] = RANGE[dtype];
  const lo = inDType(Math.max(inLo, outLo), t.dtype, outLo);
  const hi = inDType(Math.min(inHi, outHi), t.dtype, outHi);
  const src = t.dtype === 'bool' ? cast(t, 'int32') : t;
  return cast(clip(src, lo, hi), dtype);
}

/**
 * The same bytes read as another dtype of the same width (Keras `view`): float32 ↔ int32.
 * Not differentiable.
 *
 * Formula: bits(out) = bits(x).
 *
 * Shape: same as x.
 * @example view(tensor([1]), 'int32') // [1065353216]
 */
export function view(x: TensorLike, dtype: DType | null = null): Tensor {
  const t = toTensor(x, 'view', 'x');
  if (dtype === null || dtype === t.dtype) return add(t, t.dtype === 'bool' ? false : 0);
  const pair = `${t.dtype}>${dtype}`;
  if (pair !== 'float32>int32' && pair !== 'int32>float32')
    throw new DTypeError(
      `view: Tessera views only between float32 and int32 (same width), got ${t.dtype} to ${dtype}`,
    );
  const src = t.dataSync() as Float32Array | Int32Array;
  const bytes = src.slice().buffer;
  return tensor(
    dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes),
    t.shape,
    dtype,
  );
}

/** Whether x is a Tessera tensor (Keras `is_tensor`). Shape: none. @example isTensor(tensor([1])) // true */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/**
 * The shape of x as a list (Keras `shape`). Arrays are converted first.
 *
 * Formula: shape(x) = [d₀, d₁, …].
 *
 * Shape: returns `number[]`.
 * @example shape(tensor([[1, 2, 3]])) // [1, 3]
 */
export function shape(x: TensorLike): number[] {
  return [...toTensor(x, 'shape', 'x').shape];
}

/** The rank of x (Keras `ndim`). Formula: len(shape(x)). Shape: a number. @example ndim(tensor([[1, 2]])) // 2 */
export function ndim(x: TensorLike): number {
  return toTensor(x, 'ndim', 'x').rank;
}

/** The element count of x (Keras `size`). Formula: Π shape(x). Shape: a number. @example size(tensor([[1, 2]])) // 2 */
export function size(x: TensorLike): number {
  return toTensor(x, 'size', 'x').size;
}

/** The dtype name of x (Keras `dtype`). Formula: x.dtype. Shape: a string. @example dtype(tensor([1])) // 'float32' */
export function dtype(x: TensorLike): DType {
  return toTensor(x, 'dtype', 'x').dtype;
}

/**
 * A tensor from a tensor or array-like (Keras `convert_to_tensor`), cast when `dtype` is
 * given; a tensor of the right dtype is returned as it is.
 *
 * Formula: convertToTensor(x, dtype) = dtype ? cast(x, dtype) : x.
 *
 * Shape: the nesting of x.
 * @example convertToTensor([[1, 2]], 'int32').dtype // 'int32'
 */
export function convertToTensor(x: TensorLike, dtype?: DType | null): Tensor {
  if (dtype != null && !isDType(dtype))
    throw new DTypeError(`convertToTensor: unknown dtype ${JSON.stringify(dtype)}`);
  if (x instanceof Tensor) return dtype && dtype !== x.dtype ? cast(x, dtype) : x;
  return toTensor(x, 'convertToTensor', 'x', dtype ?? undefined);
}

/**
 * A new tensor holding the values of x (Keras `array`): a copy for tensors, a conversion for
 * arrays, cast when `dtype` is given.
 *
 * Formula: array(x) = copy of x.
 *
 * Shape: the nesting of x.
 * @example array([1, 2], 'float64').dtype // 'float64'
 */
export function array(x: TensorLike, dtype?: DType | null): Tensor {
  const t = convertToTensor(x, dtype);
  return t === x ? (t.dtype === 'bool' ? where(t, true, false) : add(t, 0)) : t;
}
