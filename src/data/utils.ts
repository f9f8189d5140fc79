/**
 * Keras's data utilities: `toCategorical`, `padSequences`, `normalize` and `splitDataset`,
 * with Keras's arguments and defaults.
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { Generator } from '../ops/random.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { convertToTensor } from '../tensor/tensor.js';
import { Dataset } from './dataset.js';
import type { ElementLike } from './structure.js';

/**
 * One-hot encodes class indices (Keras's `to_categorical`): float labels are truncated to
 * integers as Keras does (`1.0` → class 1), a trailing axis of size 1 is dropped.
 *
 * Formula: `out[..., c] = 1 if c = trunc(y[...]) else 0`.
 *
 * Shape: `[...]` (or `[..., 1]`) → `[..., numClasses]` float32.
 * @example toCategorical([0, 2, 1], 3) // [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
 */
export function toCategorical(y: TensorLike, numClasses?: number): Tensor {
  const t = convertToTensor(y, 'toCategorical', 'y');
  const values = t.dataSync();
  let shape = [...t.shape];
  if (shape.length > 1 && shape[shape.length - 1] === 1) shape = shape.slice(0, -1);
  const labels = new Int32Array(values.length);
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isFinite(v) || v < 0)
      throw new ValueError(
        `toCategorical: label ${v} at index ${i} is not a non-negative class index`,
      );
    labels[i] = Math.trunc(v);
    if (labels[i]! > max) max = labels[i]!;
  }
  if (numClasses !== undefined && (!Number.isInteger(numClasses) || numClasses < 1))
    throw new ValueError(`toCategorical: numClasses must be a positive integer, got ${numClasses}`);
  const k = numClasses ?? max + 1;
  if (max >= k)
    throw new ValueError(
      `toCategorical: label ${max} is out of range for numClasses ${k} (labels must be < numClasses)`,
    );
  const out = new Float32Array(labels.length * k);
  for (let i = 0; i < labels.length; i++) out[i * k + labels[i]!] = 1;
  return tensor(out, [...shape, k]);
}

/** Options of {@link padSequences}, Keras's names. */
export interface PadSequencesOptions {
  /** Length of every output row (default: the longest sequence). */
  maxlen?: number;
  /** Output dtype (default `'int32'`). */
  dtype?: 'int32' | 'float32';
  /** `'pre'` (default) pads at the start, `'post'` at the end. */
  padding?: 'pre' | 'post';
  /** `'pre'` (default) drops values from the start of longer sequences, `'post'` from the end. */
  truncating?: 'pre' | 'post';
  /** The padding value (default 0). */
  value?: number;
}

/**
 * Pads (and truncates) sequences to one length (Keras's `pad_sequences`).
 *
 * Shape: n sequences → `[n, maxlen]`.
 * @example padSequences([[1, 2], [3]], { maxlen: 3 }) // [[0, 1, 2], [0, 0, 3]]
 */
export function padSequences(
  sequences: readonly (readonly number[] | ArrayLike<number>)[],
  opts: PadSequencesOptions = {},
): Tensor {
  const op = 'padSequences';
  if (!Array.isArray(sequences))
    throw new ValueError(`${op}: sequences must be an array of sequences`);
  const padding = opts.padding ?? 'pre';
  const truncating = opts.truncating ?? 'pre';
  for (const [name, v] of [
    ['padding', padding],
    ['truncating', truncating],
  ] as const)
    if (v !== 'pre' && v !== 'post')
      throw new ValueError(`${op}: ${name} must be 'pre' or 'post', got '${v}'`);
  const dtype = opts.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'float32')
    throw new ValueError(`${op}: dtype must be 'int32' or 'float32', got '${dtype}'`);
  sequences.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof (s as ArrayLike<number>).length !== 'number')
      throw new ValueError(`${op}: sequences[${i}] is not an array of numbers`);
  });
  const maxlen: number = opts.maxlen ?? sequences.reduce((m, s) => Math.max(m, s.length), 0);
  if (!Number.isInteger(maxlen) || maxlen < 0)
    throw new ValueError(`${op}: maxlen must be a non-negative integer, got ${maxlen}`);
  const value = opts.value ?? 0;
  const out =
    dtype === 'int32'
      ? new Int32Array(sequences.length * maxlen)
      : new Float32Array(sequences.length * maxlen);
  out.fill(value);
  sequences.forEach((s, i) => {
    const n = s.length;
    const keep = Math.min(n, maxlen);
    const from = truncating === 'pre' ? n - keep : 0;
    const at = i * maxlen + (padding === 'pre' ? maxlen - keep : 0);
    for (let k = 0; k < keep; k++) {
      const v = s[from + k]!;
      if (typeof v !== 'number' || Number.isNaN(v))
        throw new ValueError(`${op}: sequences[${i}][${from + k}] is ${String(v)}, not a number`);
      out[at + k] = v;
    }
  });
  return tensor(out, [sequences.length, maxlen], dtype);
}

/**
 * Scales vectors to unit norm along an axis (Keras's `normalize`); zero vectors stay zero.
 *
 * Formula: `x / ‖x‖_order` along `axis` (a zero norm counts as 1).
 *
 * Shape: unchanged.
 * @example normalize([[3, 4]]) // [[0.6, 0.8]]
 */
export function normalize(x: TensorLike, axis = -1, order: 1 | 2 = 2): Tensor {
  const t = convertToTensor(x, 'normalize', 'x');
  if (order !== 1 && order !== 2)
    throw new ValueError(`normalize: order must be 1 or 2, got ${order}`);
  const norm = order === 2 ? t.square().sum(axis, true).sqrt() : t.abs().sum(axis, true);
  return t.div(where(norm.equal(0), 1, norm));
}

/** Options of {@link splitDataset}. */
export interface SplitDatasetOptions {
  /** Size of the left split: a fraction in (0, 1) or a count (default: the rest). */
  leftSize?: number;
  /** Size of the right split: a fraction in (0, 1) or a count (default: the rest). */
  rightSize?: number;
  /** Shuffle the elements before splitting (default false). */
  shuffle?: boolean;
  /** Seed of that shuffle. */
  seed?: number;
}

/** Python's round(): halves to even, as Keras computes the split sizes. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Splits a dataset (or tensors, split along their first axis) into two datasets (Keras's
 * `split_dataset`): sizes as fractions or counts, the missing one the rest.
 * @example const [train, val] = await splitDataset([x, y], { leftSize: 0.8 });
 */
export async function splitDataset(
  data: Dataset | ElementLike,
  opts: SplitDatasetOptions = {},
): Promise<[Dataset, Dataset]> {
  const op = 'splitDataset';
  const ds = data instanceof Dataset ? data : Dataset.fromTensorSlices(data as ElementLike);
  if (ds.cardinality() === Dataset.INFINITE)
    throw new ValueError(`${op}: the dataset is infinite; take() a finite part first`);
  const elems = await ds.toArray();
  const total = elems.length;
  const { leftSize, rightSize } = opts;
  if (leftSize === undefined && rightSize === undefined)
    throw new ValueError(`${op}: give leftSize or rightSize (a fraction in (0, 1) or a count)`);
  const size = (v: number | undefined, side: string): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ValueError(`${op}: ${side}Size must be a number, got ${String(v)}`);
    if (Number.isInteger(v)) {
      if (v <= 0 || v >= total)
        throw new ValueError(
          `${op}: ${side}Size ${v} must be a count in (0, ${total}) for a dataset of ${total} elements`,
        );
      return v;
    }
    if (v <= 0 || v >= 1)
      throw new ValueError(`${op}: ${side}Size ${v} must be a fraction in (0, 1)`);
    return roundHalfEven(v * total);
  };
  if (
    leftSize !== undefined &&
    rightSize !== undefined &&
    !Number.isInteger(leftSize) &&
    !Number.isInteger(rightSize) &&
    leftSize + rightSize > 1
  )
    throw new ValueError(
      `${op}: leftSize + rightSize must be at most 1, got ${leftSize + rightSize}`,
    );
  let left = size(leftSize, 'left');
  let right = size(rightSize, 'right');
  if (left === undefined) left = total - right!;
  if (right === undefined) right = total - left;
  if (left + right > total)
    throw new ValueError(
      `${op}: leftSize + rightSize = ${left + right} is more than the ${total} elements`,
    );
  if (left === 0 || right === 0)
    throw new ValueError(
      `${op}: with ${total} elements the ${left === 0 ? 'left' : 'right'} split would be empty`,
    );
  if (opts.shuffle) {
    const g = new Generator(opts.seed ?? 1337);
    for (let i = elems.length - 1; i > 0; i--) {
      const j = g.int(i + 1);
      [elems[i], elems[j]] = [elems[j]!, elems[i]!];
    }
  }
  return [Dataset.from(elems.slice(0, left)), Dataset.from(elems.slice(total - right))];
}
