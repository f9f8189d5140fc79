/**
 * Seedable random numbers. One global generator (xoshiro128**) feeds every random draw in
 * Tessera — tensors, initializers, dropout, shuffling — so `setSeed(n)` makes a whole run
 * repeatable. Draws happen in JS, independent of the backend, so every backend sees the same
 * numbers.
 */
import { ValueError } from '../errors.js';
import { type DType, type TypedArray, allocArray, isFloat } from '../tensor/dtype.js';
import { checkShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { be, wrap } from './util.js';

/** A small, fast, seedable PRNG (xoshiro128**, seeded through splitmix32). */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed: number) {
    this.seed(seed);
  }

  /** Restarts the sequence from `seed` (any finite number; its integer bits are used). */
  seed(seed: number): void {
    if (!Number.isFinite(seed))
      throw new ValueError(`setSeed: seed must be a finite number, got ${seed}`);
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    drawCount++;
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform in [0, 1), 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal by the Marsaglia polar method. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /**
   * A copy of the generator's position in its sequence, as plain JSON: saving it and later
   * passing it to {@link Generator.setState} repeats every following draw exactly (what resuming
   * an interrupted run needs).
   * @example const s = g.getState(); const a = g.uniform(); g.setState(s); g.uniform() === a; // true
   */
  getState(): GeneratorState {
    // The words are kept as int32 or uint32 by the update's mix of ^ and >>>; store one form.
    const u = (v: number) => v >>> 0;
    return { s: [u(this.s0), u(this.s1), u(this.s2), u(this.s3)], spare: this.spare };
  }

  /**
   * Moves the generator to a position saved by {@link Generator.getState}.
   * @example g.setState(saved);
   */
  setState(state: GeneratorState): void {
    const s = (state as { s?: unknown } | null)?.s;
    const spare = (state as { spare?: unknown } | null)?.spare;
    const okWord = (v: unknown) =>
      Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
    if (!Array.isArray(s) || s.length !== 4 || !s.every(okWord) || s.every((v) => v === 0)) {
      throw new ValueError(
        `Generator.setState: expected {s: four uint32 words, not all 0, spare: number | null}, got s = ${JSON.stringify(s)}`,
      );
    }
    if (spare !== null && !(typeof spare === 'number' && Number.isFinite(spare))) {
      throw new ValueError(
        `Generator.setState: spare must be a finite number or null, got ${String(spare)}`,
      );
    }
    [this.s0, this.s1, this.s2, this.s3] = s as number[];
    this.spare = spare as number | null;
  }
}

/** A {@link Generator}'s position: xoshiro128**'s four state words and the cached normal draw. */
export interface GeneratorState {
  /** The four uint32 state words. */
  s: [number, number, number, number];
  /** The second normal of the last polar-method pair, not yet returned (or null). */
  spare: number | null;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Count of 32-bit draws made by every generator; a compiled-step trace checks its draws with it. */
let drawCount = 0;

/**
 * @internal How many 32-bit words all generators have drawn so far. The step tracer compares
 * it with the draws {@link hostDraw} reported, to refuse steps that draw in untracked ways.
 * @example const before = randomDrawCount();
 */
export function randomDrawCount(): number {
  return drawCount;
}

/** @internal Told of each {@link hostDraw}: the filled array, its fill, and the words drawn. */
export type HostDrawHook = (
  out: TypedArray,
  fill: (out: TypedArray) => void,
  draws: number,
) => void;

let hostDrawHook: HostDrawHook | null = null;

/**
 * @internal Installs (or, with null, removes) the listener of {@link hostDraw}; the step
 * tracer uses it to record random draws as nodes that redraw on every replay.
 * @example setHostDrawHook((out, fill) => recorded.push(fill));
 */
export function setHostDrawHook(hook: HostDrawHook | null): void {
  hostDrawHook = hook;
}

/**
 * Fills `out` with random values by `fill` (which draws from a {@link Generator}) and returns
 * it. Random host data made this way (dropout masks, noise, random tensors) is redrawn, not
 * frozen, when a compiled step replays: `fill` must depend only on the generator's draws and
 * on values fixed for the step.
 * @example const mask = hostDraw(new Float32Array(n), (o) => { for (let i = 0; i < o.length; i++) o[i] = g.uniform() >= rate ? 1 : 0; });
 */
export function hostDraw<T extends TypedArray>(out: T, fill: (out: T) => void): T {
  const before = drawCount;
  fill(out);
  hostDrawHook?.(out, fill as (o: TypedArray) => void, drawCount - before);
  return out;
}

const globalGen = new Generator(Date.now() ^ (Math.random() * 2 ** 32));

/**
 * Seeds the global generator: every random draw after this call is repeatable.
 * @example setSeed(42); randomNormal([2]); // same numbers on every run
 */
export function setSeed(seed: number): void {
  globalGen.seed(seed);
}

/** The global generator (for initializers, dropout and shuffling). */
export function globalGenerator(): Generator {
  return globalGen;
}

/** Options shared by the random tensor functions. */
export interface RandomOptions {
  /** float32 (default), float64, or int32 (uniform only). */
  dtype?: DType;
  /** Draw from a private generator seeded with this, leaving the global sequence untouched. */
  seed?: number;
}

function draw(
  shape: readonly number[],
  op: string,
  opts: RandomOptions | undefined,
  f: (g: Generator) => number,
): Tensor {
  checkShape(shape, op);
  const dtype = opts?.dtype ?? 'float32';
  if (dtype === 'bool') throw new ValueError(`${op}: dtype bool is not supported`);
  const seed = opts?.seed;
  const n = sizeOf(shape);
  // The generator is picked inside the fill so that a compiled step's redraw repeats eager
  // exactly: a seeded draw restarts its private generator each time, a plain one continues.
  const out = hostDraw(allocArray(dtype, n, op), (o) => {
    const g = seed !== undefined ? new Generator(seed) : globalGen;
    for (let i = 0; i < o.length; i++) o[i] = f(g);
  });
  const b = be();
  return wrap(b, b.fromArray(out, dtype), shape, dtype);
}

/**
 * Uniform samples in [minval, maxval) (for int32: integers in [minval, maxval)).
 * @example randomUniform([2, 3], -1, 1)
 */
export function randomUniform(
  shape: readonly number[],
  minval = 0,
  maxval = 1,
  opts?: RandomOptions,
): Tensor {
  if (!(maxval >= minval))
    throw new ValueError(`randomUniform: need minval <= maxval, got ${minval}, ${maxval}`);
  if (opts?.dtype === 'int32')
    return draw(
      shape,
      'randomUniform',
      opts,
      (g) => minval + Math.floor(g.uniform() * (maxval - minval)),
    );
  // Rounding to the stored dtype can reach maxval (u > 1 − 2⁻²⁵ is 1 in float32): cap below it.
  const top = maxval > minval ? below(maxval, opts?.dtype === 'float64') : minval;
  return draw(shape, 'randomUniform', opts, (g) =>
    Math.min(minval + g.uniform() * (maxval - minval), top),
  );
}

/** The largest float32 (or float64) value below the finite `x`. */
function below(x: number, f64: boolean): number {
  const round = f64 ? (v: number) => v : Math.fround;
  const r = round(x);
  if (r < x || !Number.isFinite(r)) return r;
  let d = Math.abs(r) * 2 ** (f64 ? -53 : -24) || Number.MIN_VALUE;
  while (round(r - d) >= r) d *= 2;
  return round(r - d);
}

/**
 * Normal samples with the given mean and standard deviation.
 * @example randomNormal([3], 0, 0.05)
 */
export function randomNormal(
  shape: readonly number[],
  mean = 0,
  stddev = 1,
  opts?: RandomOptions,
): Tensor {
  checkFloat('randomNormal', opts);
  return draw(shape, 'randomNormal', opts, (g) => mean + stddev * g.normal());
}

/**
 * Normal samples redrawn until within two standard deviations of the mean (as Keras's
 * TruncatedNormal).
 * @example truncatedNormal([3], 0, 0.05)
 */
export function truncatedNormal(
  shape: readonly number[],
  mean = 0,
  stddev = 1,
  opts?: RandomOptions,
): Tensor {
  checkFloat('truncatedNormal', opts);
  return draw(shape, 'truncatedNormal', opts, (g) => {
    let z: number;
    do z = g.normal();
    while (Math.abs(z) > 2);
    return mean + stddev * z;
  });
}

function checkFloat(op: string, opts: RandomOptions | undefined): void {
  if (opts?.dtype && !isFloat(opts.dtype))
    throw new ValueError(`${op}: dtype must be float32 or float64, got ${opts.dtype}`);
}
