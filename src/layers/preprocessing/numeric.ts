/**
 * Keras's numeric preprocessing layers: `Normalization` (feature-wise standardization, its
 * statistics from `adapt()` on tensors or a dataset), `CategoryEncoding` (one-hot, multi-hot
 * and counts of integer ids) and `Discretization` (bucketing by boundaries, or by quantiles
 * learnt in `adapt()`).
 */
import { Dataset } from '../../data/dataset.js';
import { flattenElement } from '../../data/structure.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { tensor } from '../../ops/creation.js';
import { maximum } from '../../ops/elementwise.js';
import { scatterAdd, validIndices } from '../../ops/movement.js';
import { type Config, type ConfigValue, registerSerializable } from '../../serialization.js';
import { Tensor, type TensorLike, convertToTensor } from '../../tensor/tensor.js';
import {
  type CallOptions,
  Layer,
  type LayerArgs,
  type LayerVariable,
  single,
  singleShape,
} from '../layer.js';
import { type SymbolicShape, fmtShapeNull } from '../symbolic.js';

/** Keras's `backend.epsilon()`: the floor of Normalization's standard deviation. */
const EPSILON = 1e-7;

/** Data `adapt()` accepts: a tensor (or array), a Dataset, or an (async) iterable of batches. */
export type AdaptData = TensorLike | Dataset | Iterable<unknown> | AsyncIterable<unknown>;

/** The batches of adapt data, each as one tensor (the first leaf of a tuple element: `x`). */
async function* adaptBatches(data: AdaptData, op: string): AsyncGenerator<Tensor> {
  const isIterable =
    data instanceof Dataset ||
    (typeof data === 'object' &&
      data !== null &&
      !(data instanceof Tensor) &&
      !Array.isArray(data) &&
      !ArrayBuffer.isView(data) &&
      (Symbol.asyncIterator in data || Symbol.iterator in data));
  if (!isIterable) {
    yield convertToTensor(data as TensorLike, op, 'data');
    return;
  }
  const ds = data instanceof Dataset ? data : Dataset.from(data as Iterable<unknown>);
  for await (const e of ds) {
    // As Keras: a tuple element's first part is the data to adapt on.
    const leaf = Array.isArray(e) ? flattenElement(e[0] as never)[0] : flattenElement(e)[0];
    if (!leaf) throw new ValueError(`${op}: a batch of the data holds no tensor`);
    if (!(leaf instanceof Tensor))
      throw new ValueError(`${op}: the data holds strings; this layer adapts on numbers`);
    yield leaf;
  }
}

/** Options of {@link Normalization}. */
export interface NormalizationArgs extends LayerArgs {
  /**
   * The axis or axes that keep their own mean and variance (default -1: one per feature of
   * the last axis); `null` normalizes with one scalar mean and variance.
   */
  axis?: number | readonly number[] | null;
  /** A fixed mean instead of `adapt()` (a number, or one per kept position). */
  mean?: number | readonly number[] | null;
  /** A fixed variance, given with `mean`. */
  variance?: number | readonly number[] | null;
  /** Apply the inverse: `x · σ + μ` (default false). */
  invert?: boolean;
}

/**
 * Standardizes inputs feature-wise with a mean and variance fixed at construction or learnt by
 * `adapt()` (population statistics over every axis but `axis`, streamed over a dataset's
 * batches).
 *
 * Formula: `y = (x − μ) / max(√σ², 1e-7)` (or `x · max(√σ², 1e-7) + μ` with `invert`).
 *
 * Shape: any → the same shape.
 * @example
 * const norm = new Normalization();
 * await norm.adapt(xTrain);                 // per-feature mean and variance
 * norm.apply(xTest);                        // standardized
 */
export class Normalization extends Layer {
  static override readonly className = 'Normalization';
  readonly axis: number[];
  readonly invert: boolean;
  readonly inputMean: number | number[] | null;
  readonly inputVariance: number | number[] | null;
  adaptMean: LayerVariable | null = null;
  adaptVariance: LayerVariable | null = null;
  count: LayerVariable | null = null;
  private keepAxis: number[] = [];
  private broadcastShape: number[] = [];
  private buildShape: SymbolicShape | null = null;

  constructor(args: NormalizationArgs = {}) {
    super(args);
    const a =
      args.axis === undefined
        ? [-1]
        : args.axis === null
          ? []
          : typeof args.axis === 'number'
            ? [args.axis]
            : [...args.axis];
    if (!a.every((d) => Number.isInteger(d)))
      throw new ValueError(
        `${this.name} (Normalization): axis must be an integer, a list of integers or null, got ${JSON.stringify(args.axis)}`,
      );
    this.axis = a;
    this.invert = args.invert ?? false;
    const m = args.mean ?? null;
    const v = args.variance ?? null;
    if ((m === null) !== (v === null))
      throw new ValueError(
        `${this.name} (Normalization): give both mean and variance, or neither (and call adapt()); got only ${m === null ? 'variance' : 'mean'}`,
      );
    this.inputMean = m === null ? null : typeof m === 'number' ? m : [...m];
    this.inputVariance = v === null ? null : typeof v === 'number' ? v : [...v];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const s = singleShape(inputShape, this);
    const ndim = s.length;
    for (const d of this.axis)
      if (d < -ndim || d >= ndim)
        throw new ValueError(
          `${this.name} (Normalization): axis ${d} is out of range for inputs of rank ${ndim} (${fmtShapeNull(s)})`,
        );
    this.keepAxis = [...new Set(this.axis.map((d) => (d < 0 ? d + ndim : d)))].sort(
      (p, q) => p - q,
    );
    for (const d of this.keepAxis)
      if (s[d] === null || s[d] === undefined)
        throw new ValueError(
          `${this.name} (Normalization): axis ${d} must have a known size, got inputs ${fmtShapeNull(s)}`,
        );
    this.broadcastShape = s.map((d, i) => (this.keepAxis.includes(i) ? (d as number) : 1));
    this.buildShape = s;
    const statShape = this.keepAxis.map((d) => s[d] as number);
    if (this.inputMean === null) {
      this.adaptMean = this.addWeight({
        name: 'mean',
        shape: statShape,
        initializer: 'zeros',
        trainable: false,
      });
      this.adaptVariance = this.addWeight({
        name: 'variance',
        shape: statShape,
        initializer: 'ones',
        trainable: false,
      });
      this.count = this.addWeight({
        name: 'count',
        shape: [],
        initializer: 'zeros',
        trainable: false,
        dtype: 'int32',
      });
    } else {
      const size = statShape.reduce((p, q) => p * q, 1);
      for (const [k, v] of [
        ['mean', this.inputMean],
        ['variance', this.inputVariance],
      ] as const)
        if (Array.isArray(v) && v.length !== size && v.length !== 1)
          throw new ShapeError(
            `${this.name} (Normalization): ${k} has ${v.length} values; expected 1 or ${size} (one per position of axes [${this.keepAxis.join(', ')}] of ${fmtShapeNull(s)})`,
          );
    }
    this.built = true;
  }

  /** The mean and variance shaped to broadcast against inputs. */
  private stats(): [Tensor, Tensor] {
    if (this.adaptMean && this.adaptVariance)
      return [
        this.adaptMean.value().reshape(this.broadcastShape),
        this.adaptVariance.value().reshape(this.broadcastShape),
      ];
    const fill = (v: number | number[]) => {
      const size = this.broadcastShape.reduce((p, q) => p * q, 1);
      const arr =
        typeof v === 'number' || v.length === 1
          ? new Float32Array(size).fill(typeof v === 'number' ? v : v[0]!)
          : Float32Array.from(v);
      return tensor(arr, this.broadcastShape);
    };
    return [fill(this.inputMean!), fill(this.inputVariance!)];
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    // Float inputs keep their dtype (float64 for gradient checks); others compute in float32.
    const xf = x.dtype === 'float32' || x.dtype === 'float64' ? x : x.cast('float32');
    const [m, v] = this.stats();
    const mean = m.dtype === xf.dtype ? m : m.cast(xf.dtype);
    const variance = v.dtype === xf.dtype ? v : v.cast(xf.dtype);
    const std = maximum(variance.sqrt(), EPSILON);
    return this.invert ? xf.mul(std).add(mean) : xf.sub(mean).div(std);
  }

  /**
   * Learns the mean and variance from data: a tensor, or a dataset / iterable of batches
   * (streamed: each batch's statistics are merged, as Keras does).
   * @example await norm.adapt(Dataset.fromTensorSlices(x).batch(128));
   */
  async adapt(data: AdaptData): Promise<void> {
    const op = `${this.name} (Normalization).adapt`;
    if (this.inputMean !== null)
      throw new ValueError(
        `${op}: this layer was given a fixed mean and variance; adapt() has nothing to learn`,
      );
    let totalMean: Float64Array | null = null;
    let totalVar: Float64Array | null = null;
    let totalCount = 0;
    for await (const batch of adaptBatches(data, op)) {
      const b = batch.dtype === 'float32' ? batch : batch.cast('float32');
      if (!this.built) this.build(b.shape);
      const s = this.buildShape!;
      if (b.rank !== s.length || this.keepAxis.some((d) => b.shape[d] !== s[d]))
        throw new ShapeError(
          `${op}: a batch has shape ${fmtShape(b.shape)}, but the layer was built for ${fmtShapeNull(s)} (axes [${this.keepAxis.join(', ')}] must match)`,
        );
      const reduce = s.map((_, i) => i).filter((i) => !this.keepAxis.includes(i));
      const n = reduce.reduce((p, d) => p * b.shape[d]!, 1);
      if (n === 0) continue;
      // Statistics per batch in float64 on the host: adapt runs once, outside training.
      const mean = (reduce.length ? b.mean(reduce) : b).cast('float64');
      const variance = (
        reduce.length ? b.sub(b.mean(reduce, true)).square().mean(reduce) : b.mul(0)
      ).cast('float64');
      const bm = Float64Array.from(await mean.data());
      const bv = Float64Array.from(await variance.data());
      if (!totalMean || !totalVar) {
        totalMean = bm;
        totalVar = bv;
        totalCount = n;
        continue;
      }
      totalCount += n;
      const w = n / totalCount;
      const keep = 1 - w;
      for (let i = 0; i < bm.length; i++) {
        const m = totalMean[i]! * keep + bm[i]! * w;
        totalVar[i] =
          (totalVar[i]! + (totalMean[i]! - m) ** 2) * keep + (bv[i]! + (bm[i]! - m) ** 2) * w;
        totalMean[i] = m;
      }
    }
    if (!totalMean || !totalVar || totalCount === 0)
      throw new ValueError(`${op}: the data has no samples; adapt() needs at least one`);
    const shape = this.adaptMean!.shape;
    this.adaptMean!.assign(tensor(Float32Array.from(totalMean), shape));
    this.adaptVariance!.assign(tensor(Float32Array.from(totalVar), shape));
    // `count` stays as Keras 3 leaves it (its adapt never writes it), so saved weights match.
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      axis: [...this.axis],
      invert: this.invert,
      mean: this.inputMean as ConfigValue,
      variance: this.inputVariance as ConfigValue,
    };
  }
}
registerSerializable('layer', Normalization);

/** Options of {@link CategoryEncoding}. */
export interface CategoryEncodingArgs extends LayerArgs {
  /** How many ids there are: inputs lie in `[0, numTokens)`. */
  numTokens: number;
  /** `'multi_hot'` (default), `'one_hot'` or `'count'` (Keras's `'binary'` is `'multi_hot'`). */
  outputMode?: 'multi_hot' | 'one_hot' | 'count' | 'binary';
  /** Sparse outputs are not supported (default false). */
  sparse?: boolean;
}

/**
 * Encodes integer ids as one-hot rows, multi-hot rows (which ids occur) or counts.
 *
 * Formula: multi-hot `y[b, t] = 1 if t ∈ x[b]`; count `y[b, t] = #{j : x[b, j] = t}` (weighted
 * by `countWeights`); one-hot `y[…, t] = 1 if x[…] = t`.
 *
 * Shape: one-hot `[b]` or `[b, 1]` → `[b, numTokens]`, `[b, n]` → `[b, n, numTokens]`;
 * multi-hot and count `[n]` → `[numTokens]`, `[b, n]` → `[b, numTokens]`.
 * @example new CategoryEncoding({ numTokens: 4 }).apply(tensor([[0, 1], [0, 0], [1, 2], [3, 1]], undefined, 'int32'))
 */
export class CategoryEncoding extends Layer {
  static override readonly className = 'CategoryEncoding';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { numTokens: 1 };
  readonly numTokens: number;
  readonly outputMode: 'multi_hot' | 'one_hot' | 'count';

  constructor(args: CategoryEncodingArgs) {
    super(args);
    if (!args || !Number.isInteger(args.numTokens) || args.numTokens < 1)
      throw new ValueError(
        `${this.name} (CategoryEncoding): numTokens must be an integer ≥ 1, got ${args?.numTokens}`,
      );
    const mode = args.outputMode === 'binary' ? 'multi_hot' : (args.outputMode ?? 'multi_hot');
    if (!['multi_hot', 'one_hot', 'count'].includes(mode))
      throw new ValueError(
        `${this.name} (CategoryEncoding): outputMode must be 'multi_hot', 'one_hot' or 'count', got '${args.outputMode}'`,
      );
    if (args.sparse)
      throw new ValueError(`${this.name} (CategoryEncoding): sparse outputs are not supported`);
    this.numTokens = args.numTokens;
    this.outputMode = mode as CategoryEncoding['outputMode'];
  }

  override call(
    inputs: Tensor | Tensor[],
    opts: CallOptions & { countWeights?: TensorLike },
  ): Tensor {
    let x = single(inputs, this);
    const n = this.numTokens;
    const where = `${this.name} (CategoryEncoding)`;
    if (x.rank === 0) x = x.reshape([1]);
    if (x.rank > 2)
      throw new ShapeError(`${where}: inputs must have rank at most 2, got ${fmtShape(x.shape)}`);
    if (this.outputMode === 'one_hot' && x.rank > 1 && x.shape[x.rank - 1] === 1)
      x = x.reshape(x.shape.slice(0, -1));
    const ids = validIndices(
      x,
      n,
      where,
      `${where}: value {value} is out of range [0, ${n}) (numTokens ${n})`,
      `${where}: inputs must be integers, got {value}`,
    );
    if (this.outputMode === 'one_hot') {
      const rows = ids.size;
      const pos = tensor(
        Int32Array.from({ length: rows }, (_, i) => i * n),
        [rows],
        'int32',
      );
      const flat = scatterAdd(
        tensor(new Float32Array(rows).fill(1), [rows]),
        pos.add(ids.reshape([rows])),
        [rows * n],
      );
      return flat.reshape([...x.shape, n]);
    }
    const batch = x.rank === 2 ? x.shape[0]! : 1;
    const per = x.rank === 2 ? x.shape[1]! : x.shape[0]!;
    const offsets = tensor(
      Int32Array.from({ length: batch * per }, (_, i) => Math.floor(i / per) * n),
      [batch * per],
      'int32',
    );
    let w: Tensor = tensor(new Float32Array(batch * per).fill(1), [batch * per]);
    if (opts?.countWeights !== undefined) {
      if (this.outputMode !== 'count')
        throw new ValueError(
          `${where}: countWeights applies only to outputMode 'count', not '${this.outputMode}'`,
        );
      const cw = convertToTensor(opts.countWeights, where, 'countWeights', 'float32');
      if (cw.size !== batch * per)
        throw new ShapeError(
          `${where}: countWeights has shape ${fmtShape(cw.shape)}; expected the inputs' shape ${fmtShape(x.shape)}`,
        );
      w = cw.reshape([batch * per]);
    }
    const counts = scatterAdd(w, offsets.add(ids.reshape([batch * per])), [batch * n]);
    const out = this.outputMode === 'count' ? counts : counts.greater(0).cast('float32');
    return x.rank === 2 ? out.reshape([batch, n]) : out.reshape([n]);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    if (s.length === 0) return [this.numTokens];
    if (this.outputMode === 'one_hot') {
      if (s[s.length - 1] !== 1 || s.length === 1) return [...s, this.numTokens];
      return [...s.slice(0, -1), this.numTokens];
    }
    return [...s.slice(0, -1), this.numTokens];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), numTokens: this.numTokens, outputMode: this.outputMode };
  }
}
registerSerializable('layer', CategoryEncoding);

/**
 * A quantile summary as Keras's Discretization keeps it: sorted values and their weights.
 * Values and weights are float32, as Keras's NumPy code rounds them.
 */
interface Summary {
  values: Float32Array;
  weights: Float32Array;
}

/** NumPy's `interp` on increasing `xp` (ends clamp to the end values). */
function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>): number {
  const n = xp.length;
  if (x <= xp[0]!) return fp[0]!;
  if (x >= xp[n - 1]!) return fp[n - 1]!;
  // The last j with xp[j] <= x (NumPy's searchsorted(side='right') − 1).
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const dx = xp[lo + 1]! - xp[lo]!;
  if (dx === 0) return fp[lo + 1]!;
  return ((fp[lo + 1]! - fp[lo]!) / dx) * (x - xp[lo]!) + fp[lo]!;
}

/** Reduces sorted-by-value data to about 1/ε evenly spaced values (Keras's `summarize`). */
function summarize(data: Float32Array, epsilon: number): Summary {
  const values = Float32Array.from(data).sort();
  const step = Math.max(values.length / (1 / epsilon), 1);
  const start = Math.trunc(step - 1);
  const stride = Math.trunc(step);
  const picked: number[] = [];
  for (let i = start; i < values.length; i += stride) picked.push(values[i]!);
  return { values: Float32Array.from(picked), weights: new Float32Array(picked.length).fill(step) };
}

/** Re-bins a summary to at most 1/ε points by interpolating cumulative weights. */
function compressSummary(s: Summary, epsilon: number): Summary {
  if (s.values.length * epsilon < 1) return s;
  const count = Math.ceil(1 / epsilon);
  const cum = new Float32Array(s.weights.length);
  let acc = Math.fround(0);
  for (let i = 0; i < cum.length; i++) cum[i] = acc = Math.fround(acc + s.weights[i]!);
  const total = cum[cum.length - 1]!;
  const pct = cum.map((c) => Math.fround(c / total));
  const values = new Float32Array(count);
  const weights = new Float32Array(count);
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const p = epsilon + i * epsilon;
    values[i] = interp(p, pct, s.values);
    const cw = interp(p, pct, cum);
    weights[i] = cw - prev;
    prev = cw;
  }
  return { values, weights };
}

/** Merges two summaries (a stable sort by value), then compresses. */
function mergeSummaries(a: Summary, b: Summary, epsilon: number): Summary {
  const n = a.values.length + b.values.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const val = (i: number) => (i < a.values.length ? a.values[i]! : b.values[i - a.values.length]!);
  const wt = (i: number) => (i < a.values.length ? a.weights[i]! : b.weights[i - a.values.length]!);
  order.sort((p, q) => val(p) - val(q) || p - q);
  return compressSummary(
    { values: Float32Array.from(order, val), weights: Float32Array.from(order, wt) },
    epsilon,
  );
}

/** Options of {@link Discretization}. */
export interface DiscretizationArgs extends LayerArgs {
  /** Increasing boundaries: `[0, 1, 2]` makes the buckets (−∞, 0), [0, 1), [1, 2), [2, ∞). */
  binBoundaries?: readonly number[] | null;
  /** How many buckets `adapt()` makes (by quantiles) when no boundaries are given. */
  numBins?: number | null;
  /** Relative error of `adapt()`'s quantiles (default 0.01). */
  epsilon?: number;
  /** `'int'` (bucket indices, default), `'one_hot'`, `'multi_hot'` or `'count'`. */
  outputMode?: 'int' | 'one_hot' | 'multi_hot' | 'count';
  /** Sparse outputs are not supported (default false). */
  sparse?: boolean;
}

/**
 * Buckets continuous values by boundaries, given or learnt by `adapt()` as approximate
 * quantiles (Keras's algorithm, so the same data gives Keras's boundaries).
 *
 * Formula: `y = #{i : boundaries[i] ≤ x}` (NumPy's `digitize`), then encoded by `outputMode`.
 *
 * Shape: `'int'` keeps the shape (int32); other modes as {@link CategoryEncoding} with
 * `boundaries.length + 1` tokens.
 * @example new Discretization({ binBoundaries: [0, 1, 2] }).apply(tensor([[-1.5, 1, 3.4, 0.5]])) // [[0, 2, 3, 1]]
 */
export class Discretization extends Layer {
  static override readonly className = 'Discretization';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { binBoundaries: [0] };
  binBoundaries: number[] | null;
  readonly numBins: number | null;
  readonly epsilon: number;
  readonly outputMode: 'int' | 'one_hot' | 'multi_hot' | 'count';

  constructor(args: DiscretizationArgs = {}) {
    super(args);
    const where = `${this.name} (Discretization)`;
    const mode = args.outputMode ?? 'int';
    if (!['int', 'one_hot', 'multi_hot', 'count'].includes(mode))
      throw new ValueError(
        `${where}: outputMode must be 'int', 'one_hot', 'multi_hot' or 'count', got '${mode}'`,
      );
    if (args.sparse) throw new ValueError(`${where}: sparse outputs are not supported`);
    const bins = args.binBoundaries ?? null;
    const num = args.numBins ?? null;
    if (num !== null && (!Number.isInteger(num) || num < 0))
      throw new ValueError(`${where}: numBins must be a non-negative integer, got ${num}`);
    if (bins !== null && num !== null)
      throw new ValueError(
        `${where}: give binBoundaries or numBins, not both (got binBoundaries ${JSON.stringify(bins)} and numBins ${num})`,
      );
    if (bins === null && num === null)
      throw new ValueError(`${where}: give binBoundaries or numBins`);
    if (
      bins !== null &&
      !bins.every((b, i) => Number.isFinite(b) && (i === 0 || b >= bins[i - 1]!))
    )
      throw new ValueError(
        `${where}: binBoundaries must be finite and increasing, got ${JSON.stringify(bins)}`,
      );
    const eps = args.epsilon ?? 0.01;
    if (!(eps > 0 && eps < 1))
      throw new ValueError(`${where}: epsilon must be in (0, 1), got ${eps}`);
    this.binBoundaries = bins === null ? null : [...bins];
    this.numBins = num;
    this.epsilon = eps;
    this.outputMode = mode;
  }

  /**
   * Learns `numBins − 1` boundaries as approximate quantiles of the data (tensors, or a
   * dataset / iterable of batches, summarized batch by batch).
   * @example const d = new Discretization({ numBins: 4 }); await d.adapt(x);
   */
  async adapt(data: AdaptData): Promise<void> {
    const op = `${this.name} (Discretization).adapt`;
    if (this.numBins === null)
      throw new ValueError(`${op}: this layer was given binBoundaries; use numBins to learn them`);
    let summary: Summary = { values: new Float32Array(0), weights: new Float32Array(0) };
    let seen = 0;
    for await (const batch of adaptBatches(data, op)) {
      const values = Float32Array.from(await batch.data());
      if (values.length === 0) continue;
      seen += values.length;
      summary = mergeSummaries(summarize(values, this.epsilon), summary, this.epsilon);
    }
    if (seen === 0)
      throw new ValueError(`${op}: the data has no values; adapt() needs at least one`);
    const final = compressSummary(summary, 1 / this.numBins);
    this.binBoundaries = Array.from(final.values.subarray(0, final.values.length - 1));
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const where = `${this.name} (Discretization)`;
    if (this.binBoundaries === null)
      throw new ValueError(`${where}: give binBoundaries or call adapt() before using the layer`);
    // digitize: the number of boundaries ≤ x, as a sum of comparisons (traceable, no host read).
    let idx: Tensor = tensor(new Int32Array(x.size), x.shape, 'int32');
    for (const b of this.binBoundaries) idx = idx.add(x.greaterEqual(b).cast('int32'));
    if (this.outputMode === 'int') return idx;
    const enc = new CategoryEncoding({
      numTokens: this.binBoundaries.length + 1,
      outputMode: this.outputMode,
    });
    return enc.apply(idx) as Tensor;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    if (this.outputMode === 'int') return s;
    const depth =
      this.binBoundaries !== null ? this.binBoundaries.length + 1 : (this.numBins as number);
    return new CategoryEncoding({
      numTokens: depth,
      outputMode: this.outputMode,
    }).computeOutputShape(s);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      binBoundaries: this.binBoundaries,
      numBins: this.numBins,
      epsilon: this.epsilon,
      outputMode: this.outputMode,
      sparse: false,
    };
  }

  /**
   * Rebuilds from a config. An adapted layer's config holds both its learnt `binBoundaries`
   * and the `numBins` it was made with (Keras writes both too): the layer is made from
   * `numBins` and given the boundaries, as Keras's `from_config` does.
   */
  static override fromConfig<T extends Layer>(this: new (args: never) => T, config: Config): T {
    const c = config as DiscretizationArgs;
    if (c.binBoundaries == null || c.numBins == null) return new this(config as never);
    const layer = new this({
      ...config,
      binBoundaries: null,
    } as never) as unknown as Discretization;
    const bins = c.binBoundaries;
    if (!bins.every((b, i) => Number.isFinite(b) && (i === 0 || b >= bins[i - 1]!)))
      throw new ValueError(
        `${layer.name} (Discretization): binBoundaries must be finite and increasing, got ${JSON.stringify(bins)}`,
      );
    layer.binBoundaries = [...bins];
    return layer as unknown as T;
  }
}
registerSerializable('layer', Discretization);
