import { NumpyRandomState } from '../datasets/numpy_random.js';
/**
 * `timeseriesDatasetFromArray`, Keras's `timeseries_dataset_from_array`: sliding windows over
 * a sequence of timesteps, batched, with targets taken at each window's start.
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { gather } from '../ops/movement.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { Dataset } from './dataset.js';

/** Options of {@link timeseriesDatasetFromArray}, Keras's names. */
export interface TimeseriesOptions {
  /** Timesteps between two consecutive windows' starts (default 1). */
  sequenceStride?: number;
  /** Timesteps between two consecutive steps of one window (default 1). */
  samplingRate?: number;
  /** Windows per batch (default 128; null: one window per element, unbatched). */
  batchSize?: number | null;
  /** Shuffle the windows' order (default false). */
  shuffle?: boolean;
  /** Seed of that shuffle (NumPy's `RandomState`, as Keras's grain path). */
  seed?: number;
  /** First timestep used (default 0). */
  startIndex?: number;
  /** Timestep after the last one used (default: the end of the data). */
  endIndex?: number;
}

/**
 * Windows of `sequenceLength` timesteps from `data` (its first axis is time), each with
 * `targets[start]` (the target of the window's first timestep, counted from `startIndex`)
 * when targets are given.
 *
 * Formula: window i covers timesteps `s_i + k·samplingRate`, k < sequenceLength, with
 * `s_i = startIndex + i·sequenceStride`.
 *
 * Shape: data `[T, …]` → batches `[b, sequenceLength, …]`; targets `[T, …]` → `[b, …]`.
 * @example timeseriesDatasetFromArray(x, y, 10, { samplingRate: 2, sequenceStride: 3, batchSize: 4 })
 */
export function timeseriesDatasetFromArray(
  data: TensorLike,
  targets: TensorLike | null,
  sequenceLength: number,
  opts: TimeseriesOptions = {},
): Dataset {
  const op = 'timeseriesDatasetFromArray';
  const x = convertToTensor(data, op, 'data');
  if (x.rank < 1) throw new ValueError(`${op}: data must have a time axis, got a scalar`);
  const n = x.shape[0]!;
  const stride = opts.sequenceStride ?? 1;
  const rate = opts.samplingRate ?? 1;
  const batchSize = opts.batchSize === undefined ? 128 : opts.batchSize;
  const checkInt = (v: number, name: string) => {
    if (!Number.isInteger(v)) throw new ValueError(`${op}: ${name} must be an integer, got ${v}`);
  };
  checkInt(sequenceLength, 'sequenceLength');
  if (sequenceLength < 1)
    throw new ValueError(`${op}: sequenceLength must be at least 1, got ${sequenceLength}`);
  for (const [v, name] of [
    [rate, 'samplingRate'],
    [stride, 'sequenceStride'],
  ] as const) {
    checkInt(v, name);
    if (v <= 0) throw new ValueError(`${op}: ${name} must be higher than 0, got ${v}`);
    if (v >= n)
      throw new ValueError(
        `${op}: ${name} must be lower than the length of the data (${n}), got ${v}`,
      );
  }
  if (batchSize !== null && (!Number.isInteger(batchSize) || batchSize < 1))
    throw new ValueError(`${op}: batchSize must be a positive integer or null, got ${batchSize}`);
  const start = opts.startIndex ?? 0;
  checkInt(start, 'startIndex');
  if (start < 0 || (start > 0 && start >= n))
    throw new ValueError(`${op}: startIndex must be in [0, ${n}), got ${start}`);
  const end = opts.endIndex ?? n;
  checkInt(end, 'endIndex');
  if (opts.endIndex !== undefined && (end <= start || end >= n || end <= 0))
    throw new ValueError(`${op}: endIndex must be in (${start}, ${n}), got ${end}`);
  let y: Tensor | null = null;
  let count = end - start - (sequenceLength - 1) * rate;
  if (targets !== null && targets !== undefined) {
    y = convertToTensor(targets, op, 'targets');
    if (y.rank < 1) throw new ValueError(`${op}: targets must have a time axis, got a scalar`);
    count = Math.min(count, y.shape[0]! - start);
  }
  if (count <= 0)
    throw new ValueError(
      `${op}: no window of ${sequenceLength} steps at sampling rate ${rate} fits in timesteps [${start}, ${end})`,
    );
  const starts: number[] = [];
  for (let s = 0; s < count; s += stride) starts.push(s);
  if (opts.shuffle)
    new NumpyRandomState(opts.seed ?? Math.floor(Math.random() * 1e6)).shuffle(starts);
  const windowsOf = (from: number, to: number): Tensor | Tensor[] => {
    const sel = starts.slice(from, to);
    const idx = new Int32Array(sel.length * sequenceLength);
    sel.forEach((s, i) => {
      for (let k = 0; k < sequenceLength; k++) idx[i * sequenceLength + k] = start + s + k * rate;
    });
    const xs = gather(x, tensor(idx, [idx.length], 'int32')).reshape([
      sel.length,
      sequenceLength,
      ...x.shape.slice(1),
    ]);
    if (!y) return batchSize === null ? xs.reshape(xs.shape.slice(1)) : xs;
    const ys = gather(
      y,
      tensor(
        Int32Array.from(sel, (s) => start + s),
        [sel.length],
        'int32',
      ),
    );
    return batchSize === null
      ? [xs.reshape(xs.shape.slice(1)), ys.reshape(ys.shape.slice(1))]
      : [xs, ys];
  };
  const step = batchSize ?? 1;
  const numElems = Math.ceil(starts.length / step);
  return Dataset.fromSource(async function* () {
    for (let b = 0; b < numElems; b++)
      yield windowsOf(b * step, Math.min(starts.length, (b + 1) * step)) as never;
  }, numElems);
}
