/**
 * Keras's `keras.random` namespace: `normal`, `uniform`, `truncatedNormal`, `randint`,
 * `shuffle`, `categorical`, `dropout`, `gamma`, `beta`, `binomial` and `SeedGenerator`, with
 * Keras's argument names and defaults. Draws come from Tessera's generator (xoshiro128**),
 * so they match Keras in distribution, not number for number. Every draw goes through
 * `hostDraw`, so a compiled step redraws instead of freezing the values.
 */
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type DType, allocArray, isFloat } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { mul } from './elementwise.js';
import { gather } from './movement.js';
import { Generator, globalGenerator, hostDraw } from './random.js';

/**
 * A seed that advances with each draw, as Keras's `SeedGenerator`: two draws from one
 * generator differ, and two generators made with the same seed give the same sequence.
 *
 * Formula: none (a random state).
 *
 * Shape: not applicable.
 * @example const sg = new SeedGenerator(42); random.normal([2], { seed: sg }); // differs each call
 */
export class SeedGenerator {
  /** The state the draws continue from. */
  readonly generator: Generator;
  /** The seed it started from. */
  readonly initialSeed: number;

  constructor(seed?: number | null) {
    const s = seed ?? globalGenerator().nextUint32();
    if (!Number.isFinite(s)) throw new ValueError(`SeedGenerator: seed must be finite, got ${s}`);
    this.initialSeed = s;
    this.generator = new Generator(s);
  }

  /** A fresh integer seed drawn from this generator (advances it). */
  next(): number {
    return this.generator.nextUint32();
  }
}

/** A seed for one draw: an integer (a private generator), a SeedGenerator, or none (global). */
export type Seed = number | SeedGenerator | null | undefined;

/** Options every keras.random function takes. */
export interface KerasRandomOptions {
  /** float32 by default (int32 for randint and categorical). */
  dtype?: DType;
  /** An integer seed repeats the draw; a SeedGenerator continues its sequence. */
  seed?: Seed;
}

/** The generator one draw uses: picked inside the fill, so a compiled replay repeats eager. */
function generatorOf(seed: Seed, op: string): () => Generator {
  if (seed instanceof SeedGenerator) return () => seed.generator;
  if (seed === null || seed === undefined) return globalGenerator;
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    throw new ValueError(`random.${op}: seed must be a number or a SeedGenerator, got ${seed}`);
  return () => new Generator(seed);
}

function checkShape(shape: readonly number[], op: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError(
      `random.${op}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
}

function floatDType(dtype: DType | undefined, op: string): DType {
  const dt = dtype ?? 'float32';
  if (!isFloat(dt)) throw new DTypeError(`random.${op}: dtype must be a float dtype, got ${dt}`);
  return dt;
}

/** A tensor of `shape` whose every element is `f(generator, i)`. */
function drawTensor(
  shape: readonly number[],
  dtype: DType,
  seed: Seed,
  op: string,
  f: (g: Generator, i: number) => number,
): Tensor {
  checkShape(shape, op);
  const pick = generatorOf(seed, op);
  const out = hostDraw(allocArray(dtype, sizeOf(shape), `random.${op}`), (o) => {
    const g = pick();
    for (let i = 0; i < o.length; i++) o[i] = f(g, i);
  });
  return tensor(out, [...shape], dtype);
}

/**
 * Normal samples.
 *
 * Formula: x = mean + stddev · z, z ~ N(0, 1).
 *
 * Shape: `shape`.
 * @example random.normal([2, 3], { mean: 0, stddev: 0.1, seed: 1 })
 */
export function normal(
  shape: readonly number[],
  opts: KerasRandomOptions & { mean?: number; stddev?: number } = {},
): Tensor {
  const { mean = 0, stddev = 1 } = opts;
  const dt = floatDType(opts.dtype, 'normal');
  return drawTensor(shape, dt, opts.seed, 'normal', (g) => mean + stddev * g.normal());
}

/**
 * Uniform samples in [minval, maxval).
 *
 * Formula: x = minval + (maxval − minval) · u, u ~ U[0, 1).
 *
 * Shape: `shape`.
 * @example random.uniform([4], { minval: -1, maxval: 1 })
 */
export function uniform(
  shape: readonly number[],
  opts: KerasRandomOptions & { minval?: number; maxval?: number } = {},
): Tensor {
  const { minval = 0, maxval = 1 } = opts;
  if (!(maxval >= minval))
    throw new ValueError(`random.uniform: need minval <= maxval, got ${minval} and ${maxval}`);
  const dt = floatDType(opts.dtype, 'uniform');
  const f32 = dt === 'float32';
  return drawTensor(shape, dt, opts.seed, 'uniform', (g) => {
    const x = minval + (maxval - minval) * g.uniform();
    // Rounding to float32 can reach maxval; keep the interval half-open.
    return f32 && Math.fround(x) >= maxval && maxval > minval ? minval : x;
  });
}

/**
 * Normal samples redrawn until within two standard deviations of the mean.
 *
 * Formula: x = mean + stddev · z, z ~ N(0, 1) conditioned on |z| ≤ 2.
 *
 * Shape: `shape`.
 * @example random.truncatedNormal([3], { stddev: 0.05 })
 */
export function truncatedNormal(
  shape: readonly number[],
  opts: KerasRandomOptions & { mean?: number; stddev?: number } = {},
): Tensor {
  const { mean = 0, stddev = 1 } = opts;
  const dt = floatDType(opts.dtype, 'truncatedNormal');
  return drawTensor(shape, dt, opts.seed, 'truncatedNormal', (g) => {
    let z: number;
    do z = g.normal();
    while (Math.abs(z) > 2);
    return mean + stddev * z;
  });
}

/**
 * Uniform integers in [minval, maxval).
 *
 * Formula: x = minval + ⌊(maxval − minval) · u⌋.
 *
 * Shape: `shape`.
 * @example random.randint([5], 0, 10, { seed: 3 })
 */
export function randint(
  shape: readonly number[],
  minval: number,
  maxval: number,
  opts: KerasRandomOptions = {},
): Tensor {
  if (!Number.isInteger(minval) || !Number.isInteger(maxval) || !(maxval > minval))
    throw new ValueError(
      `random.randint: need integers minval < maxval, got ${minval} and ${maxval}`,
    );
  const dt = opts.dtype ?? 'int32';
  if (dt === 'bool') throw new DTypeError('random.randint: dtype bool is not supported');
  return drawTensor(shape, dt, opts.seed, 'randint', (g) =>
    Math.min(maxval - 1, minval + Math.floor(g.uniform() * (maxval - minval))),
  );
}

/**
 * The slices of `x` along `axis` in a random order (a Fisher–Yates permutation).
 *
 * Formula: y = take(x, π, axis) for a uniform random permutation π.
 *
 * Shape: same as `x`.
 * @example random.shuffle(tensor([1, 2, 3, 4]), { seed: 1 })
 */
export function shuffle(x: TensorLike, opts: { axis?: number; seed?: Seed } = {}): Tensor {
  const t = convertToTensor(x, 'random.shuffle', 'x');
  if (t.rank === 0) throw new ShapeError('random.shuffle: x must have at least one axis');
  const axis = opts.axis ?? 0;
  if (!Number.isInteger(axis) || axis < -t.rank || axis >= t.rank)
    throw new ValueError(`random.shuffle: axis ${axis} is out of range for rank ${t.rank}`);
  const n = t.shape[axis < 0 ? axis + t.rank : axis]!;
  const pick = generatorOf(opts.seed, 'shuffle');
  const perm = hostDraw(new Int32Array(n), (o) => {
    const g = pick();
    for (let i = 0; i < o.length; i++) o[i] = i;
    for (let i = o.length - 1; i > 0; i--) {
      const j = g.int(i + 1);
      const s = o[i]!;
      o[i] = o[j]!;
      o[j] = s;
    }
  });
  return gather(t, tensor(perm, [n], 'int32'), axis);
}

/**
 * Class indices drawn from unnormalised log-probabilities, `numSamples` per row.
 *
 * Formula: P(sample = c) = softmax(logits)[c] per row.
 *
 * Shape: logits `[batch, classes]` → `[batch, numSamples]` (int32).
 * @example random.categorical(tensor([[0, Math.log(3)]]), 5) // mostly 1s
 */
export function categorical(
  logits: TensorLike,
  numSamples: number,
  opts: KerasRandomOptions = {},
): Tensor {
  const t = convertToTensor(logits, 'random.categorical', 'logits');
  if (t.rank !== 2 || t.shape[1] === 0)
    throw new ShapeError(
      `random.categorical: logits must be [batch, classes] with classes > 0, got ${fmtShape(t.shape)}`,
    );
  if (!Number.isInteger(numSamples) || numSamples < 0)
    throw new ValueError(
      `random.categorical: numSamples must be a non-negative integer, got ${numSamples}`,
    );
  const [rows, classes] = t.shape as [number, number];
  // Host values of the logits: a categorical draw reads its input (as Keras's on the CPU).
  const lv = t.dataSync();
  const cdf = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) mx = Math.max(mx, lv[r * classes + c]!);
    let acc = 0;
    for (let c = 0; c < classes; c++) {
      const l = lv[r * classes + c]!;
      if (Number.isNaN(l)) throw new ValueError(`random.categorical: logits row ${r} holds NaN`);
      acc += mx === Number.NEGATIVE_INFINITY ? 0 : Math.exp(l - mx);
      cdf[r * classes + c] = acc;
    }
    if (!(acc > 0)) throw new ValueError(`random.categorical: logits row ${r} is all −∞`);
  }
  const dt = opts.dtype ?? 'int32';
  return drawTensor([rows, numSamples], dt, opts.seed, 'categorical', (g, i) => {
    const r = Math.floor(i / numSamples);
    const row = cdf.subarray(r * classes, (r + 1) * classes);
    const u = g.uniform() * row[classes - 1]!;
    let lo = 0;
    let hi = classes - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (row[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  });
}

/**
 * Inverted dropout: each element (or each slice, with `noiseShape`) is zeroed with
 * probability `rate` and the kept ones scaled by 1/(1 − rate). Always active (it is the op;
 * the Dropout layer decides about training).
 *
 * Formula: y = x · m / (1 − rate), m ~ Bernoulli(1 − rate).
 *
 * Shape: same as `inputs`; `noiseShape` broadcasts against it.
 * @example random.dropout(x, 0.5, { seed: 1 })
 */
export function dropout(
  inputs: TensorLike,
  rate: number,
  opts: { noiseShape?: readonly number[] | null; seed?: Seed } = {},
): Tensor {
  const x = convertToTensor(inputs, 'random.dropout', 'inputs');
  if (!isFloat(x.dtype))
    throw new DTypeError(`random.dropout: inputs must be float, got ${x.dtype}`);
  if (!(rate >= 0 && rate < 1))
    throw new ValueError(`random.dropout: rate must be in [0, 1), got ${rate}`);
  const ns = opts.noiseShape ?? x.shape;
  if (
    ns.length !== x.rank ||
    ns.some((d, i) => !Number.isInteger(d) || (d !== 1 && d !== x.shape[i]))
  )
    throw new ShapeError(
      `random.dropout: noiseShape ${JSON.stringify(ns)} does not broadcast against inputs ${fmtShape(x.shape)}`,
    );
  const scale = 1 / (1 - rate);
  const mask = drawTensor(ns, x.dtype, opts.seed, 'dropout', (g) =>
    g.uniform() >= rate ? scale : 0,
  );
  return mul(x, mask);
}

/** One Gamma(α, 1) draw (Marsaglia and Tsang; α < 1 boosted through U^(1/α)). */
function gammaDraw(g: Generator, alpha: number): number {
  if (alpha < 1) {
    const u = g.uniform();
    return gammaDraw(g, alpha + 1) * u ** (1 / alpha);
  }
  const d = alpha - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = g.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = g.uniform();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function checkPositive(v: number, name: string, op: string): void {
  if (!(v > 0) || !Number.isFinite(v))
    throw new ValueError(`random.${op}: ${name} must be a positive finite number, got ${v}`);
}

/**
 * Gamma samples with shape `alpha` and scale 1.
 *
 * Formula: density x^(α−1) e^(−x) / Γ(α), x > 0; mean α, variance α.
 *
 * Shape: `shape`.
 * @example random.gamma([1000], 2.5, { seed: 0 })
 */
export function gamma(
  shape: readonly number[],
  alpha: number,
  opts: KerasRandomOptions = {},
): Tensor {
  checkPositive(alpha, 'alpha', 'gamma');
  const dt = floatDType(opts.dtype, 'gamma');
  return drawTensor(shape, dt, opts.seed, 'gamma', (g) => gammaDraw(g, alpha));
}

/**
 * Beta samples, as X/(X + Y) of two Gamma draws.
 *
 * Formula: X ~ Γ(α), Y ~ Γ(β); mean α/(α + β).
 *
 * Shape: `shape`.
 * @example random.beta([100], 2, 5)
 */
export function beta(
  shape: readonly number[],
  alpha: number,
  betaParam: number,
  opts: KerasRandomOptions = {},
): Tensor {
  checkPositive(alpha, 'alpha', 'beta');
  checkPositive(betaParam, 'beta', 'beta');
  const dt = floatDType(opts.dtype, 'beta');
  return drawTensor(shape, dt, opts.seed, 'beta', (g) => {
    const x = gammaDraw(g, alpha);
    const y = gammaDraw(g, betaParam);
    return x / (x + y);
  });
}

/** Successes in n trials of probability p ≤ ½: geometric waiting times, O(n·p) draws. */
function binomialDraw(g: Generator, n: number, p: number): number {
  if (p > 0.5) return n - binomialDraw(g, n, 1 - p);
  if (p === 0 || n === 0) return 0;
  const lq = Math.log1p(-p);
  let k = 0;
  let trials = 0;
  for (;;) {
    // Trials until the next success: ⌈ln U / ln(1 − p)⌉.
    trials += Math.ceil(Math.log(1 - g.uniform()) / lq);
    if (trials > n) return k;
    k++;
  }
}

/**
 * Binomial samples: successes in `counts` trials of probability `probabilities` (numbers or
 * tensors broadcasting to `shape`).
 *
 * Formula: P(k) = C(n, k) p^k (1 − p)^(n−k); mean n·p.
 *
 * Shape: `shape`.
 * @example random.binomial([3], 10, 0.5)
 */
export function binomial(
  shape: readonly number[],
  counts: TensorLike,
  probabilities: TensorLike,
  opts: KerasRandomOptions = {},
): Tensor {
  checkShape(shape, 'binomial');
  const dt = floatDType(opts.dtype, 'binomial');
  const full = (v: TensorLike, name: string): Float64Array => {
    const t = convertToTensor(v, 'random.binomial', name);
    const b = t.shape.length === 0 ? t.reshape([1]) : t;
    const vals = (b.size === 1 ? b : b.broadcastTo([...shape])).dataSync();
    const n = sizeOf(shape);
    return Float64Array.from({ length: n }, (_, i) => Number(vals[b.size === 1 ? 0 : i]));
  };
  const n = full(counts, 'counts');
  const p = full(probabilities, 'probabilities');
  for (let i = 0; i < n.length; i++) {
    if (!Number.isInteger(n[i]) || n[i]! < 0)
      throw new ValueError(`random.binomial: counts must be non-negative integers, got ${n[i]}`);
    if (!(p[i]! >= 0 && p[i]! <= 1))
      throw new ValueError(`random.binomial: probabilities must be in [0, 1], got ${p[i]}`);
  }
  return drawTensor(shape, dt, opts.seed, 'binomial', (g, i) => binomialDraw(g, n[i]!, p[i]!));
}
