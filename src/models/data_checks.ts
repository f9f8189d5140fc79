/**
 * Checks of the data and options given to `fit`, `evaluate` and the per-batch methods, made
 * once when the data arrive: a NaN in x trains silently to NaN weights, and an empty x trained
 * nothing and reported a loss of 0, so both are refused here with the input and index named.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { describeIndex, unravelIndex } from '../tensor/convert.js';
import { isFloat } from '../tensor/dtype.js';
import { StringTensor } from '../tensor/string_tensor.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';

/**
 * How messages name one of several data arrays: `x` for a single input, `x[1] ('b')` for the
 * second of inputs named a and b.
 * @example dataLabel('x', 1, ['a', 'b']) // "x[1] ('b')"
 */
export function dataLabel(which: string, i: number, names: readonly string[]): string {
  if (names.length <= 1) return which;
  return names[i] !== undefined ? `${which}[${i}] ('${names[i]}')` : `${which}[${i}]`;
}

/**
 * Throws a ValueError at the first NaN or ±Infinity of a float tensor, naming `what`, the
 * sample, the index and the value. One pass over a copy of the data; int and bool tensors
 * cannot hold non-finite values and are skipped.
 * @example checkFinite(x, 'x', 'fit') // fit: x has NaN at sample 3, index [3, 1] (flat 7)…
 */
export function checkFinite(t: Tensor, what: string, op: string): void {
  if (!isFloat(t.dtype)) return;
  // Read the backend's own array when it keeps one (js, wasm and native all do): dataSync
  // would copy the whole data set first, doubling memory for a 200 MB x. Only read here.
  const own = (t.handleOn(t.backend) as { values?: unknown }).values;
  const d =
    (own instanceof Float32Array || own instanceof Float64Array) && own.length === t.size
      ? own
      : t.dataSync();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    // v − v is 0 for every finite number and NaN for NaN and ±Infinity: one subtraction and
    // one compare per element.
    if (v - v !== 0) {
      const sample = t.rank > 0 ? ` at sample ${unravelIndex(i, t.shape)[0]},` : '';
      throw new ValueError(
        `${op}: ${what} has ${v}${sample} ${describeIndex(i, t.shape)}; expected finite numbers (pass allowNonFinite: true to ${op} to use non-finite data)`,
      );
    }
  }
}

/**
 * Checks every tensor of a list (x or y of a multi-input/-output model), naming each by
 * {@link dataLabel}.
 * @example checkAllFinite(x, 'x', model.inputNames, 'fit')
 */
export function checkAllFinite(
  ts: readonly Tensor[],
  which: string,
  names: readonly string[],
  op: string,
): void {
  ts.forEach((t, i) => {
    // Text inputs (string tensors) have nothing to be non-finite.
    if ((t as unknown) instanceof StringTensor) return;
    checkFinite(t, dataLabel(which, i, ts.length > 1 ? names : []), op);
  });
}

/**
 * Checks that a class-weight map holds finite numbers for integer class indices.
 * @example checkClassWeight({ 0: 1, 1: 5 }, 'fit', false)
 */
export function checkClassWeight(
  cw: Readonly<Record<number, number>>,
  op: string,
  allowNonFinite: boolean,
): void {
  if (cw === null || typeof cw !== 'object' || Array.isArray(cw))
    throw new ValueError(
      `${op}: classWeight must be an object mapping class indices to weights, got ${cw === null ? 'null' : Array.isArray(cw) ? 'an array' : typeof cw}`,
    );
  for (const [k, v] of Object.entries(cw)) {
    if (!/^(0|[1-9]\d*)$/.test(k))
      throw new ValueError(
        `${op}: classWeight keys must be non-negative integer class indices, got '${k}'`,
      );
    if (typeof v !== 'number')
      throw new ValueError(`${op}: classWeight[${k}] must be a number, got ${typeof v}`);
    if (!allowNonFinite && !Number.isFinite(v))
      throw new ValueError(
        `${op}: classWeight[${k}] is ${v}; expected a finite number (pass allowNonFinite: true to ${op} to use non-finite data)`,
      );
  }
}

/**
 * Refuses data with no samples: training on it would do nothing and report a loss of 0.
 * @example checkHasSamples(x[0], 'x', 'fit') // fit: x has no samples (shape [0, 4])…
 */
export function checkHasSamples(t: Tensor, what: string, op: string): void {
  if (t.shape[0] === 0)
    throw new ValueError(
      `${op}: ${what} has no samples (shape [${t.shape.join(', ')}]); expected at least one sample`,
    );
}

/**
 * Validates `epochs` and `initialEpoch` (non-negative integers) as Keras reads them: epochs
 * `initialEpoch … epochs − 1` run, so `initialEpoch >= epochs` runs none.
 * @example checkEpochs(10, 3, 'fit')
 */
export function checkEpochs(epochs: number, initialEpoch: number, op: string): void {
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 0)
    throw new ValueError(`${op}: epochs must be a non-negative integer, got ${epochs}`);
  if (typeof initialEpoch !== 'number' || !Number.isInteger(initialEpoch) || initialEpoch < 0)
    throw new ValueError(
      `${op}: initialEpoch must be a non-negative integer (the index of the first epoch to run), got ${initialEpoch}`,
    );
}

/** Options shared by the data checks of `fit`, `evaluate` and the per-batch methods. */
export interface DataCheckOptions {
  /**
   * Accept NaN and ±Infinity in x, y, sampleWeight and classWeight (default false: the first
   * one throws a ValueError naming the input, sample and index, since it would turn every
   * weight into NaN).
   */
  allowNonFinite?: boolean;
}

/**
 * The checks made once on data given to a training or evaluation call: at least one sample,
 * and (unless `allowNonFinite`) finite x, y and sample weights. `prefix` names where the data
 * came from in messages (`validationData`).
 * @example checkData(model.inputNames, model.outputNames, x, y, sw, 'fit', {}, '')
 */
export function checkData(
  inputNames: readonly string[],
  outputNames: readonly string[],
  x: readonly Tensor[],
  y: readonly Tensor[] | null,
  sw: Tensor | null,
  op: string,
  opts: DataCheckOptions,
  prefix = '',
): void {
  const p = prefix ? `${prefix} ` : '';
  checkHasSamples(x[0]!, `${p}x`, op);
  if (opts.allowNonFinite) return;
  checkAllFinite(x, `${p}x`, inputNames, op);
  if (y) checkAllFinite(y, `${p}y`, outputNames, op);
  if (sw) checkFinite(sw, `${p}sampleWeight`, op);
}

/**
 * Converts a sampleWeight argument to float32 and checks its shape: one weight per sample.
 * @example toSampleWeight([1, 2], 2, 'fit') // float32 tensor [1, 2]
 */
export function toSampleWeight(
  sw: TensorLike | undefined,
  n: number,
  op: string,
  what = 'sampleWeight',
): Tensor | null {
  if (sw === undefined) return null;
  const t = convertToTensor(sw, op, what, 'float32');
  if (t.rank !== 1 || t.shape[0] !== n)
    throw new ShapeError(`${op}: ${what} must have shape [${n}], got ${fmtShape(t.shape)}`);
  return t;
}
