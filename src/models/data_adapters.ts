/**
 * The trainer's data adapters, after Keras's `trainers/data_adapters`: whatever `fit`,
 * `evaluate` and `predict` are given — tensors and arrays, a {@link Dataset}, a plain (async)
 * iterable of batches — becomes one interface that hands out batches of `x`, `y` and sample
 * weights, and an {@link EpochIterator} cuts the batches into epochs the way Keras does with
 * `stepsPerEpoch`.
 */
import { Dataset, DatasetError } from '../data/dataset.js';
import { type Element, toElement } from '../data/structure.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { gather, slice } from '../ops/movement.js';
import { globalGenerator } from '../ops/random.js';
import {
  type NestedStrings,
  StringTensor,
  isStringValues,
  stringTensor,
} from '../tensor/string_tensor.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { isRecord, outputCount } from './compile_state.js';
import { checkAllFinite, checkFinite } from './data_checks.js';
import type { Model } from './model.js';

/** One input's or target's data: numbers, or text for a model's string input. */
export type DataValue = TensorLike | StringTensor | NestedStrings;

/** Model inputs or targets: one tensor, one per input/output, or keyed by input/output name. */
export type DataInput = DataValue | readonly DataValue[] | Readonly<Record<string, DataValue>>;

/**
 * Data given as batches: a {@link Dataset} or any iterable or async iterable (not an array,
 * which is tensor data) whose elements are `[x, y]`, `[x, y, sampleWeight]`, or `x` alone (for
 * `predict`); x and y as in {@link DataInput}.
 */
export type BatchSource = Dataset | AsyncIterable<unknown> | Iterable<unknown>;

/** One batch: the model's inputs, targets (empty for predict), sample weights and row count. */
export interface Batch {
  x: Tensor[];
  y: Tensor[];
  sw: Tensor | null;
  size: number;
}

/**
 * Whether `v` is batch data ({@link BatchSource}) rather than tensor data: a Dataset, an async
 * iterable, or an iterable that is neither an array, a typed array, a string nor a tensor.
 * @example isBatchSource(Dataset.range(3)) // true; isBatchSource([[1, 2]]) // false
 */
export function isBatchSource(v: unknown): v is BatchSource {
  if (v instanceof Dataset) return true;
  if (typeof v !== 'object' || v === null || v instanceof Tensor) return false;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const o = v as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown };
  return typeof o[Symbol.asyncIterator] === 'function' || typeof o[Symbol.iterator] === 'function';
}

/** Converts x or y to one tensor per model input/output, checking that sample counts agree. */
export function toTensors(model: Model, data: DataInput, which: 'x' | 'y', op: string): Tensor[] {
  const names = which === 'x' ? model.inputNames : model.outputNames;
  const multi = which === 'x' ? model.isMultiInput : model.isMultiOutput;
  let list: DataValue[];
  if (isRecord(data)) {
    const rec = data as Record<string, DataValue>;
    const missing = names.filter((n) => !(n in rec));
    if (missing.length)
      throw new ValueError(
        `${op}: ${which} has no entry for ${missing.map((m) => `'${m}'`).join(', ')}; keys given: ${Object.keys(rec).join(', ')}`,
      );
    list = names.map((n) => rec[n]!);
  } else if (Array.isArray(data) && (multi || data.every((d) => d instanceof Tensor))) {
    list = [...(data as DataValue[])];
  } else {
    list = [data as DataValue];
  }
  const expected = which === 'x' ? Math.max(1, model.inputs.length) : outputCount(model);
  if (model.inputs.length > 0 && list.length !== expected) {
    throw new ValueError(
      `${op}: the model has ${expected} ${which === 'x' ? 'inputs' : 'outputs'} (${names.join(', ')}), got ${list.length} ${which} arrays`,
    );
  }
  const ts = list.map((d, i) => {
    const text = which === 'x' && model.inputs[i]?.dtype === 'string';
    if (d instanceof StringTensor || isStringValues(d)) {
      if (!text)
        throw new DTypeError(
          `${op}: ${which}[${i}] holds strings, but ${which === 'x' ? `input '${names[i] ?? i}' takes numbers (give it an input({ dtype: 'string' }) followed by a text layer, or vectorize the text in the data pipeline)` : 'targets must be numbers'}`,
        );
      // Strings stay on the host (StringTensor); the model's text layers turn them into
      // numbers. The trainer passes them along as its inputs and slices them by rows.
      return (d instanceof StringTensor ? d : stringTensor(d)) as unknown as Tensor;
    }
    if (text)
      throw new DTypeError(
        `${op}: input '${names[i] ?? i}' takes strings, got ${d instanceof Tensor ? `a ${d.dtype} tensor` : 'numbers'}`,
      );
    return convertToTensor(d as TensorLike, op, `${which}[${i}]`);
  });
  ts.forEach((t, i) => {
    if (t.rank === 0)
      throw new ShapeError(`${op}: ${which}[${i}] is a scalar; data needs a leading samples axis`);
  });
  return ts;
}

/**
 * The sample count shared by a list of tensors.
 * @example numSamples([x, y], 'x', 'fit') // 100
 */
export function numSamples(tensors: readonly Tensor[], what: string, op: string): number {
  const n = tensors[0]!.shape[0]!;
  tensors.forEach((t, i) => {
    if (t.shape[0] !== n)
      throw new ValueError(
        `${op}: ${what}[${i}] has ${t.shape[0]} samples but ${what}[0] has ${n}`,
      );
  });
  return n;
}

/**
 * Rows of every tensor: a contiguous range `[start, end]` (a slice) or listed rows (a gather).
 * @example takeRows([x], [0, 32]) // the first batch
 */
export function takeRows(ts: readonly Tensor[], idx: Int32Array | [number, number]): Tensor[] {
  if (ts.some(isText))
    return ts.map((t) => {
      if (!isText(t)) return takeRows([t], idx)[0]!;
      const s = t as unknown as StringTensor;
      const rows = Array.isArray(idx)
        ? s.slice([idx[0]], [idx[1] - idx[0], ...s.shape.slice(1)])
        : s.gather(idx);
      return rows as unknown as Tensor;
    });
  if (Array.isArray(idx)) {
    const [start, end] = idx;
    return ts.map((t) => slice(t, [start], [end - start]));
  }
  return ts.map((t) =>
    gather(t, new Tensor(t.backend.fromArray(idx, 'int32'), [idx.length], 'int32', t.backend)),
  );
}

/**
 * Whether a model input is text: a {@link StringTensor} riding in the trainer's tensor lists
 * (the text layers at the model's entry take it; nothing else in a step touches it).
 * @example isText(stringTensor(['a'])) // true
 */
export function isText(t: unknown): boolean {
  return t instanceof StringTensor;
}

/** A pass over the data: batches one after another, `null` at the end. */
export interface BatchIterator {
  next(): Promise<Batch | null> | Batch | null;
  /** Passes over `n` batches without building them where the adapter can (resuming). */
  skip(n: number): Promise<void> | void;
  /** Ends the pass early (closes a generator's `finally`). */
  close(): Promise<void> | void;
}

/**
 * What the trainer reads data through: how many batches a pass has (when known) and a fresh
 * pass on demand.
 */
export interface DataAdapter {
  /** Batches in one pass, or null when the source does not say. */
  readonly numBatches: number | null;
  /** Samples in one pass, or null when unknown. */
  readonly numSamples: number | null;
  /** The batch size when fixed by the adapter (tensor data), else null. */
  readonly batchSize: number | null;
  /** Opens a pass (tensor data shuffles here, drawing from the global generator). */
  open(): BatchIterator;
}

/** Options of the tensor-data adapter. */
export interface ArrayAdapterOptions {
  batchSize: number;
  shuffle: boolean;
  /**
   * Wraps each batch's gather (a compiled train step gathers into its arena; the default runs
   * it as it is).
   */
  gatherInto?: <T>(fn: () => T) => T;
}

/**
 * Tensor data: batches are row ranges (slices) or, shuffled, gathered rows; each pass draws a
 * new permutation from the global generator, as `fit` always has.
 * @example new ArrayDataAdapter([x], [y], null, { batchSize: 32, shuffle: true })
 */
export class ArrayDataAdapter implements DataAdapter {
  readonly numBatches: number;
  readonly numSamples: number;
  readonly batchSize: number;

  constructor(
    readonly x: Tensor[],
    readonly y: Tensor[],
    readonly sw: Tensor | null,
    readonly opts: ArrayAdapterOptions,
  ) {
    this.numSamples = x[0]!.shape[0]!;
    this.batchSize = opts.batchSize;
    this.numBatches = Math.ceil(this.numSamples / opts.batchSize);
  }

  open(): BatchIterator {
    const { x, y, sw, numSamples: n, batchSize } = this;
    let order: Int32Array | null = null;
    if (this.opts.shuffle) {
      order = new Int32Array(n).map((_, i) => i);
      const g = globalGenerator();
      for (let i = n - 1; i > 0; i--) {
        const j = g.int(i + 1);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
    }
    let step = 0;
    const opts = this.opts;
    return {
      next: () => {
        const lo = step * batchSize;
        if (lo >= n) return null;
        const hi = Math.min(n, lo + batchSize);
        step++;
        const rows = order ? order.subarray(lo, hi) : ([lo, hi] as [number, number]);
        const gatherBatch = (): Batch => ({
          x: takeRows(x, rows),
          y: takeRows(y, rows),
          sw: sw ? takeRows([sw], rows)[0]! : null,
          size: hi - lo,
        });
        return opts.gatherInto ? opts.gatherInto(gatherBatch) : gatherBatch();
      },
      skip: (k) => {
        step += k;
      },
      close: () => undefined,
    };
  }
}

/** What a dataset adapter needs to know to read elements as batches. */
export interface DatasetAdapterOptions {
  /** `fit`/`evaluate` want `[x, y(, sampleWeight)]`; `predict` takes `x` (or `[x]`, `[x, y]`). */
  needsTargets: boolean;
  /** The calling method, for messages. */
  op: string;
  /** Check that x, y and sample weights are finite (default true). */
  checkFinite: boolean;
}

/**
 * A {@link Dataset} or (async) iterable of batches. Each pass re-iterates the source. Every
 * batch is checked as it comes: its structure, that its tensors agree in rows, that dtypes and
 * ranks stay those of the first batch, finiteness, and a failure inside the source is reported
 * with the batch it was producing.
 * @example new DatasetAdapter(model, ds, { needsTargets: true, op: 'fit', checkFinite: true })
 */
export class DatasetAdapter implements DataAdapter {
  readonly numBatches: number | null;
  readonly numSamples = null;
  readonly batchSize = null;
  private readonly ds: Dataset;
  private signature: string | null = null;

  constructor(
    private readonly model: Model,
    source: BatchSource,
    private readonly opts: DatasetAdapterOptions,
  ) {
    this.ds = source instanceof Dataset ? source : Dataset.from(source as Iterable<unknown>);
    const c = this.ds.cardinality();
    this.numBatches = c >= 0 ? c : null;
  }

  /** Whether the source never ends (`repeat()` without a count). */
  get infinite(): boolean {
    return this.ds.cardinality() === Dataset.INFINITE;
  }

  open(): BatchIterator {
    const it = this.ds[Symbol.asyncIterator]();
    let index = 0;
    const { op } = this.opts;
    return {
      next: async () => {
        let r: IteratorResult<Element>;
        try {
          r = await it.next();
        } catch (err) {
          throw new DatasetError(
            `${op}: the data source failed while producing batch ${index}: ${(err as Error)?.message ?? String(err)}`,
            { cause: err },
          );
        }
        if (r.done) return null;
        return this.toBatch(r.value, index++);
      },
      skip: async (k) => {
        for (let i = 0; i < k; i++, index++) {
          if ((await it.next()).done) return;
        }
      },
      close: async () => {
        await it.return?.();
      },
    };
  }

  private toBatch(raw: unknown, index: number): Batch {
    const { op, needsTargets } = this.opts;
    const model = this.model;
    const e = toElement(raw, op, `batch ${index}`);
    let xe: Element;
    let ye: Element | undefined;
    let swe: Element | undefined;
    if (Array.isArray(e)) {
      if (e.length < 1 || e.length > 3)
        throw new ValueError(
          `${op}: batch ${index} is a tuple of ${e.length}; expected [x, y] or [x, y, sampleWeight]`,
        );
      [xe, ye, swe] = e as Element[];
    } else xe = e;
    if (needsTargets && ye === undefined)
      throw new ValueError(
        `${op}: batch ${index} has no targets; a dataset given to ${op} must yield [x, y] or [x, y, sampleWeight]`,
      );
    const where = `${op} (batch ${index})`;
    const x = toTensors(model, xe as DataInput, 'x', where);
    const y =
      ye === undefined || !needsTargets ? [] : toTensors(model, ye as DataInput, 'y', where);
    const n = numSamples(x, 'x', where);
    if (y.length) {
      const ny = numSamples(y, 'y', where);
      if (ny !== n) throw new ValueError(`${where}: x has ${n} samples but y has ${ny}`);
    }
    let sw: Tensor | null = null;
    if (swe !== undefined && needsTargets) {
      if (!(swe instanceof Tensor))
        throw new ValueError(`${where}: sampleWeight must be one tensor`);
      sw = swe.dtype === 'float32' ? swe : swe.cast('float32');
      if (sw.rank !== 1 || sw.shape[0] !== n)
        throw new ShapeError(
          `${where}: sampleWeight must have shape [${n}], got ${fmtShape(sw.shape)}`,
        );
    }
    if (n === 0) throw new ValueError(`${where}: the batch has no samples`);
    // dtypes and ranks are fixed by the first batch: a change mid-epoch is a pipeline bug that
    // would otherwise surface as a layer's error (or a recompiled step) far from its cause.
    const sig = [...x, ...y, ...(sw ? [sw] : [])].map((t) => `${t.dtype}/${t.rank}`).join(',');
    const desc = () =>
      [
        ...x.map((t, i) => `x[${i}] ${t.dtype}${fmtShape(t.shape)}`),
        ...y.map((t, i) => `y[${i}] ${t.dtype}${fmtShape(t.shape)}`),
      ].join(', ');
    if (this.signature === null) this.signature = sig;
    else if (sig !== this.signature)
      throw new ValueError(
        `${where}: the batch has ${desc()}, but earlier batches had dtypes and ranks ${this.signature
          .split(',')
          .map((s) => s.replace('/', ' rank '))
          .join(', ')}; every batch must keep the dtypes and ranks of the first`,
      );
    if (this.opts.checkFinite) {
      checkAllFinite(x, 'x', model.inputNames, where);
      if (y.length) checkAllFinite(y, 'y', model.outputNames, where);
      if (sw) checkFinite(sw, 'sampleWeight', where);
    }
    return { x, y, sw, size: n };
  }
}

/** Options of {@link EpochIterator}. */
export interface EpochIteratorOptions {
  /** Batches per epoch; the source's pass then runs on across epochs (Keras's rule). */
  stepsPerEpoch?: number;
  /** Called once when the data ran out before `stepsPerEpoch` batches. */
  onRanOut?: (seen: number) => void;
}

/**
 * Cuts an adapter's passes into epochs, as Keras's `EpochIterator`: without `stepsPerEpoch`
 * an epoch is one pass; with it, an epoch is that many batches and the pass continues into the
 * next epoch, starting a new pass when one ends (after a warning, when that cut an epoch
 * short).
 * @example const ep = new EpochIterator(adapter); ep.begin(); for (let b; (b = await ep.next()); ) …
 */
export class EpochIterator {
  private current: BatchIterator | null = null;
  private inEpoch = 0;
  private ended = false;
  private seenInPass = 0;

  constructor(
    readonly adapter: DataAdapter,
    readonly opts: EpochIteratorOptions = {},
  ) {}

  /** Batches per epoch when known (for the progress bar and callbacks). */
  get steps(): number | null {
    return this.opts.stepsPerEpoch ?? this.adapter.numBatches;
  }

  /** Starts an epoch: opens a pass unless one runs on from the last epoch. */
  begin(): void {
    this.inEpoch = 0;
    this.ended = false;
    if (this.current === null || this.opts.stepsPerEpoch === undefined) {
      void this.current?.close();
      this.current = this.adapter.open();
      this.seenInPass = 0;
    }
  }

  /** The epoch's next batch, or null when the epoch is over. */
  async next(): Promise<Batch | null> {
    if (this.ended) return null;
    const limit = this.opts.stepsPerEpoch;
    const known = this.adapter.numBatches;
    if (limit !== undefined && this.inEpoch >= limit) {
      this.ended = true;
      // A pass known to be spent starts afresh next epoch.
      if (known !== null && this.seenInPass >= known) await this.close();
      return null;
    }
    let b = await this.current!.next();
    if (b === null && limit !== undefined && this.inEpoch === 0 && this.seenInPass > 0) {
      // The pass ended exactly at an epoch boundary: the new epoch starts a new pass.
      this.current = this.adapter.open();
      this.seenInPass = 0;
      b = await this.current.next();
    }
    if (b === null) {
      this.ended = true;
      this.current = null;
      if (limit !== undefined && this.inEpoch < limit) this.opts.onRanOut?.(this.inEpoch);
      return null;
    }
    this.inEpoch++;
    this.seenInPass++;
    return b;
  }

  /** Skips `n` batches of the epoch (resuming an interrupted one). */
  async skip(n: number): Promise<void> {
    await this.current!.skip(n);
    this.inEpoch += n;
    this.seenInPass += n;
  }

  /** Closes the pass (the end of training). */
  async close(): Promise<void> {
    const c = this.current;
    this.current = null;
    await c?.close();
  }
}
