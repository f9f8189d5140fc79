/**
 * Keras 3 `keras.ops` numpy-style ops, part 5: elementwise math that numpy has and Tessera's
 * other modules lack (`erfc`, `fabs`, `fmax`/`fmin`, `ldexp`, `nextafter`, `i0`), integer ops
 * (`gcd`, `lcm`, the bitwise family on int32 and bool), the real-input forms of the complex
 * helpers (`angle`, `real`, `imag`, `conj`, `isreal`), window functions, statistics (`corrcoef`,
 * `cdist`, `correlate`, `histogram`), set and selection ops (`isin`, `select`, `unravelIndex`,
 * `argpartition`), and the NaN-ignoring reductions. Differentiable ops are composites of
 * existing ops (or a `customGrad` where the value is computed on the host).
 */
import { customGrad } from '../autograd/grad.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type DType, isFloat } from '../tensor/dtype.js';
import { broadcastShapes, normalizeAxis } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertPair, convertToTensor } from '../tensor/tensor.js';
import { tensor, zerosLike } from './creation.js';
import {
  abs,
  add,
  atan2,
  cast,
  clip,
  div,
  equal,
  exp,
  isNaN as isNaNOp,
  less,
  logicalAnd,
  logicalNot,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  sqrt,
  square,
  sub,
  where,
} from './elementwise.js';
import { broadcastTo, expandDims, gather, pad, reshape } from './movement.js';
import { toFloat } from './numpy_extra.js';
import { any, sum } from './reduce.js';
import { argsort } from './sorting.js';

/** Both operands broadcast to their common shape, as host arrays. */
function hostPair(
  a: Tensor,
  b: Tensor,
  op: string,
): { x: ArrayLike<number>; y: ArrayLike<number>; shape: number[] } {
  const shape = broadcastShapes(a.shape, b.shape, op);
  return {
    x: broadcastTo(a, shape).dataSync(),
    y: broadcastTo(b, shape).dataSync(),
    shape,
  };
}

/** A float tensor of `x`'s dtype from host values, with the gradient `dfdx` (as tensor ops). */
function hostUnary(x: Tensor, f: (v: number) => number, dfdx: (x: Tensor) => Tensor): Tensor {
  return customGrad((t: Tensor) => {
    const v = t.dataSync();
    const out = t.dtype === 'float64' ? new Float64Array(v.length) : new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = f(v[i]!);
    return {
      value: tensor(out, t.shape, t.dtype),
      gradFunc: (dy: Tensor) => [mul(dy, dfdx(t))],
    };
  })(x);
}

// ---------------------------------------------------------------- elementwise math

/** erfc(x) in double precision: 1 − erf by its series for |x| < 2, Lentz's continued fraction beyond. */
function erfcScalar(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 0) return 2 - erfcScalar(-x);
  if (x < 2) {
    // erf(x) = 2/√π e^(−x²) Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): positive terms, no cancellation.
    let term = x;
    let s = x;
    for (let n = 1; n < 200 && term > 1e-17 * s; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      s += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * s;
  }
  if (x > 27) return 0;
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : d;
    c = x + an / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/**
 * The complementary error function, accurate where 1 − erf(x) would cancel (large x).
 *
 * Formula: erfc(x) = 1 − erf(x) = 2/√π ∫ₓ^∞ e^(−t²) dt; d/dx = −2/√π e^(−x²).
 *
 * Shape: same as x (float).
 * @example erfc(tensor([0, 1])) // [1, 0.1573]
 */
export function erfc(x: TensorLike): Tensor {
  return hostUnary(toFloat(x, 'erfc'), erfcScalar, (t) =>
    mul(exp(neg(square(t))), -2 / Math.sqrt(Math.PI)),
  );
}

/**
 * Absolute value in a float dtype (numpy `fabs`): ints and bools become float32.
 *
 * Formula: fabs(x) = |x|.
 *
 * Shape: same as x (float).
 * @example fabs(tensor([-2, 3], undefined, 'int32')) // [2, 3] (float32)
 */
export function fabs(x: TensorLike): Tensor {
  return abs(toFloat(x, 'fabs'));
}

function nanAware(a: TensorLike, b: TensorLike, op: 'fmax' | 'fmin'): Tensor {
  const [x, y] = convertPair(a, b, op);
  const pick = op === 'fmax' ? maximum : minimum;
  if (!isFloat(x.dtype) && !isFloat(y.dtype)) return pick(x, y);
  return where(isNaNOp(y), x, where(isNaNOp(x), y, pick(x, y)));
}

/**
 * Elementwise maximum that ignores NaN (numpy `fmax`): a NaN operand yields the other one; NaN
 * only where both are NaN.
 *
 * Formula: fmax(a, b) = isnan(b) ? a : isnan(a) ? b : max(a, b).
 *
 * Shape: broadcast of a and b.
 * @example fmax(tensor([1, NaN, NaN]), tensor([NaN, 2, NaN])) // [1, 2, NaN]
 */
export function fmax(a: TensorLike, b: TensorLike): Tensor {
  return nanAware(a, b, 'fmax');
}

/**
 * Elementwise minimum that ignores NaN (numpy `fmin`).
 *
 * Formula: fmin(a, b) = isnan(b) ? a : isnan(a) ? b : min(a, b).
 *
 * Shape: broadcast of a and b.
 * @example fmin(tensor([1, NaN]), tensor([NaN, 2])) // [1, 2]
 */
export function fmin(a: TensorLike, b: TensorLike): Tensor {
  return nanAware(a, b, 'fmin');
}

/**
 * x1 · 2^x2 with an integer exponent tensor (numpy `ldexp`); differentiable in x1.
 *
 * Formula: ldexp(x1, x2) = x1 · 2^x2.
 *
 * Shape: broadcast of x1 and x2 (float).
 * @example ldexp(tensor([1, 3]), tensor([2, -1], undefined, 'int32')) // [4, 1.5]
 */
export function ldexp(x1: TensorLike, x2: TensorLike): Tensor {
  const e = convertToTensor(x2, 'ldexp', 'x2', typeof x2 === 'number' ? 'int32' : undefined);
  if (e.dtype !== 'int32')
    throw new DTypeError(`ldexp: the exponent x2 must be int32, got ${e.dtype}`);
  const m = toFloat(x1, 'ldexp', 'x1');
  return mul(m, pow(2, cast(e, m.dtype)));
}

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
const F64 = new Float64Array(1);
const I64 = new BigInt64Array(F64.buffer);

function nextafter32(a: number, b: number): number {
  F32[0] = a;
  const x = F32[0]!;
  F32[0] = b;
  const y = F32[0]!;
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (x === y) return y;
  if (x === 0) {
    I32[0] = 1;
    return y > 0 ? F32[0]! : -F32[0]!;
  }
  F32[0] = x;
  I32[0]! += y > x === x > 0 ? 1 : -1;
  return F32[0]!;
}

function nextafter64(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (x === y) return y;
  if (x === 0) return y > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  F64[0] = x;
  I64[0]! += y > x === x > 0 ? 1n : -1n;
  return F64[0]!;
}

/**
 * The next representable float after x1 in the direction of x2 (numpy `nextafter`), in the
 * float dtype of the pair (float32 unless one is float64). Not differentiable.
 *
 * Formula: nextafter(x1, x2) = the float adjacent to x1 towards x2 (x2 where x1 = x2).
 *
 * Shape: broadcast of x1 and x2 (float).
 * @example nextafter(tensor([1]), tensor([2])) // [1.0000001]
 */
export function nextafter(x1: TensorLike, x2: TensorLike): Tensor {
  const [a, b] = convertPair(x1, x2, 'nextafter');
  const dtype: DType = a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
  const { x, y, shape } = hostPair(a, b, 'nextafter');
  const out = dtype === 'float64' ? new Float64Array(x.length) : new Float32Array(x.length);
  const step = dtype === 'float64' ? nextafter64 : nextafter32;
  for (let i = 0; i < x.length; i++) out[i] = step(x[i]!, y[i]!);
  return tensor(out, shape, dtype);
}

// Cephes' Chebyshev coefficients for e^(−|x|) I0(x) on [0, 8] (A) and √x e^(−x) I0(x) on (8, ∞) (B).
const I0A = [
  -4.4153416464793395e-18, 3.3307945188222384e-17, -2.431279846547955e-16, 1.715391285555133e-15,
  -1.1685332877993451e-14, 7.676185498604936e-14, -4.856446783111929e-13, 2.95505266312964e-12,
  -1.726826291441556e-11, 9.675809035373237e-11, -5.189795601635263e-10, 2.6598237246823866e-9,
  -1.300025009986248e-8, 6.046995022541919e-8, -2.670793853940612e-7, 1.1173875391201037e-6,
  -4.4167383584587505e-6, 1.6448448070728896e-5, -5.754195010082104e-5, 0.00018850288509584165,
  -0.0005763755745385824, 0.0016394756169413357, -0.004324309995050576, 0.010546460394594998,
  -0.02373741480589947, 0.04930528423967071, -0.09490109704804764, 0.17162090152220877,
  -0.3046826723431984, 0.6767952744094761,
];
const I0B = [
  -7.233180487874754e-18, -4.830504485944182e-18, 4.46562142029676e-17, 3.461222867697461e-17,
  -2.8276239805165836e-16, -3.425485619677219e-16, 1.7725601330565263e-15, 3.8116806693526224e-15,
  -9.554846698828307e-15, -4.150569347287222e-14, 1.54008621752141e-14, 3.8527783827421426e-13,
  7.180124451383666e-13, -1.7941785315068062e-12, -1.3215811840447713e-11, -3.1499165279632416e-11,
  1.1889147107846439e-11, 4.94060238822497e-10, 3.3962320257083865e-9, 2.266668990498178e-8,
  2.0489185894690638e-7, 2.8913705208347567e-6, 6.889758346916825e-5, 0.0033691164782556943,
  0.8044904110141088,
];

/** Clenshaw's sum of a Chebyshev series (Cephes' chbevl), as tensor ops. */
function chbevl(x: Tensor, coef: readonly number[]): Tensor {
  let b0: Tensor = add(mul(x, 0), coef[0]!);
  let b1: Tensor = mul(x, 0);
  let b2: Tensor = b1;
  for (let i = 1; i < coef.length; i++) {
    b2 = b1;
    b1 = b0;
    b0 = add(sub(mul(x, b1), b2), coef[i]!);
  }
  return mul(sub(b0, b2), 0.5);
}

/**
 * The modified Bessel function of the first kind, order 0 (numpy `i0`, Cephes' Chebyshev
 * expansions); differentiable (d/dx I0 = I1).
 *
 * Formula: I0(x) = Σₖ (x/2)^(2k) / (k!)².
 *
 * Shape: same as x (float).
 * @example i0(tensor([0, 1])) // [1, 1.2661]
 */
export function i0(x: TensorLike): Tensor {
  const ax = abs(toFloat(x, 'i0'));
  const small = less(ax, 8.0000001);
  const xa = where(small, ax, 8);
  const xb = where(small, 9, ax);
  const a = mul(exp(xa), chbevl(sub(div(xa, 2), 2), I0A));
  const b = div(mul(exp(xb), chbevl(sub(div(32, xb), 2), I0B)), sqrt(xb));
  return where(small, a, b);
}

// ---------------------------------------------------------------- integers and bits

function intPair(a: TensorLike, b: TensorLike, op: string, allowBool: boolean): [Tensor, Tensor] {
  const [x, y] = convertPair(a, b, op);
  for (const [t, name] of [
    [x, 'x1'],
    [y, 'x2'],
  ] as const)
    if (!(t.dtype === 'int32' || (allowBool && t.dtype === 'bool')))
      throw new DTypeError(
        `${op}: ${name} must be int32${allowBool ? ' or bool' : ''}, got ${t.dtype}`,
      );
  return [x, y];
}

function hostBinaryInt(
  a: TensorLike,
  b: TensorLike,
  op: string,
  f: (x: number, y: number) => number,
  boolResult = false,
): Tensor {
  const [x, y] = intPair(a, b, op, true);
  const { x: xs, y: ys, shape } = hostPair(x, y, op);
  const bothBool = boolResult && x.dtype === 'bool' && y.dtype === 'bool';
  const out = bothBool ? new Uint8Array(xs.length) : new Int32Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = f(xs[i]!, ys[i]!);
  return tensor(out, shape, bothBool ? 'bool' : 'int32');
}

function gcdScalar(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

/**
 * Greatest common divisor of integer tensors (numpy `gcd`); gcd(0, 0) = 0.
 *
 * Formula: gcd(a, b) = the largest d ≥ 0 dividing both |a| and |b|.
 *
 * Shape: broadcast of x1 and x2 (int32).
 * @example gcd(tensor([12, 7], undefined, 'int32'), tensor([18, 0], undefined, 'int32')) // [6, 7]
 */
export function gcd(x1: TensorLike, x2: TensorLike): Tensor {
  return hostBinaryInt(x1, x2, 'gcd', gcdScalar);
}

/**
 * Least common multiple of integer tensors (numpy `lcm`, in int32 arithmetic); lcm(0, b) = 0.
 *
 * Formula: lcm(a, b) = |a / gcd(a, b) · b|.
 *
 * Shape: broadcast of x1 and x2 (int32).
 * @example lcm(tensor([4, 6], undefined, 'int32'), tensor([6, 0], undefined, 'int32')) // [12, 0]
 */
export function lcm(x1: TensorLike, x2: TensorLike): Tensor {
  return hostBinaryInt(x1, x2, 'lcm', (a, b) => {
    const g = gcdScalar(a, b);
    return g === 0 ? 0 : Math.abs(Math.imul(Math.abs(a) / g, Math.abs(b)));
  });
}

/**
 * Bitwise AND of int32 (or bool) tensors; two bools give bool.
 *
 * Formula: x & y.
 *
 * Shape: broadcast of x and y.
 * @example bitwiseAnd(tensor([12], undefined, 'int32'), tensor([10], undefined, 'int32')) // [8]
 */
export function bitwiseAnd(x: TensorLike, y: TensorLike): Tensor {
  return hostBinaryInt(x, y, 'bitwiseAnd', (a, b) => a & b, true);
}

/**
 * Bitwise OR of int32 (or bool) tensors; two bools give bool.
 *
 * Formula: x | y.
 *
 * Shape: broadcast of x and y.
 * @example bitwiseOr(tensor([12], undefined, 'int32'), tensor([10], undefined, 'int32')) // [14]
 */
export function bitwiseOr(x: TensorLike, y: TensorLike): Tensor {
  return hostBinaryInt(x, y, 'bitwiseOr', (a, b) => a | b, true);
}

/**
 * Bitwise XOR of int32 (or bool) tensors; two bools give bool.
 *
 * Formula: x ^ y.
 *
 * Shape: broadcast of x and y.
 * @example bitwiseXor(tensor([12], undefined, 'int32'), tensor([10], undefined, 'int32')) // [6]
 */
export function bitwiseXor(x: TensorLike, y: TensorLike): Tensor {
  return hostBinaryInt(x, y, 'bitwiseXor', (a, b) => a ^ b, true);
}

/**
 * Bitwise NOT (two's complement) of an int32 tensor; logical NOT of a bool tensor.
 *
 * Formula: ~x = −x − 1.
 *
 * Shape: same as x.
 * @example bitwiseNot(tensor([0, 5], undefined, 'int32')) // [-1, -6]
 */
export function bitwiseNot(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'bitwiseNot', 'x', typeof x === 'number' ? 'int32' : undefined);
  if (t.dtype === 'bool') return logicalNot(t);
  if (t.dtype !== 'int32')
    throw new DTypeError(`bitwiseNot: x must be int32 or bool, got ${t.dtype}`);
  return sub(neg(t), 1);
}

/** Keras `bitwise_invert`: alias of {@link bitwiseNot}. Shape: same as x. @example bitwiseInvert(tensor([0], undefined, 'int32')) // [-1] */
export const bitwiseInvert: (x: TensorLike) => Tensor = (x) => bitwiseNot(x);

/**
 * Shifts the bits of int32 x left by y (numpy `left_shift`): shifts outside [0, 31] give 0.
 *
 * Formula: x · 2^y (mod 2³², as int32).
 *
 * Shape: broadcast of x and y (int32).
 * @example bitwiseLeftShift(tensor([1, 3], undefined, 'int32'), tensor([4, 1], undefined, 'int32')) // [16, 6]
 */
export function bitwiseLeftShift(x: TensorLike, y: TensorLike): Tensor {
  return hostBinaryInt(x, y, 'bitwiseLeftShift', (a, b) => (b < 0 || b > 31 ? 0 : a << b));
}

/**
 * Arithmetic right shift of int32 x by y (numpy `right_shift`): shifts outside [0, 31] give 0
 * for x ≥ 0 and −1 for x < 0.
 *
 * Formula: ⌊x / 2^y⌋.
 *
 * Shape: broadcast of x and y (int32).
 * @example bitwiseRightShift(tensor([16, -16], undefined, 'int32'), tensor([2, 2], undefined, 'int32')) // [4, -4]
 */
export function bitwiseRightShift(x: TensorLike, y: TensorLike): Tensor {
  return hostBinaryInt(x, y, 'bitwiseRightShift', (a, b) =>
    b < 0 || b > 31 ? (a < 0 ? -1 : 0) : a >> b,
  );
}

/** Keras `left_shift`: alias of {@link bitwiseLeftShift}. Shape: broadcast. @example leftShift(tensor([1], undefined, 'int32'), tensor([3], undefined, 'int32')) // [8] */
export const leftShift: (x: TensorLike, y: TensorLike) => Tensor = (x, y) => bitwiseLeftShift(x, y);
/** Keras `right_shift`: alias of {@link bitwiseRightShift}. Shape: broadcast. @example rightShift(tensor([8], undefined, 'int32'), tensor([3], undefined, 'int32')) // [1] */
export const rightShift: (x: TensorLike, y: TensorLike) => Tensor = (x, y) =>
  bitwiseRightShift(x, y);

// ---------------------------------------------------------------- complex helpers on real inputs

/**
 * The argument of each (real) element: π for negative numbers and −0, 0 otherwise (numpy
 * `angle`; Tessera has no complex dtype). Gradient 0.
 *
 * Formula: angle(x) = atan2(0, x).
 *
 * Shape: same as x (float).
 * @example angle(tensor([-2, 0, 3])) // [3.1416, 0, 0]
 */
export function angle(x: TensorLike): Tensor {
  const t = toFloat(x, 'angle');
  return atan2(zerosLike(t), t);
}

/**
 * The real part: x itself for Tessera's real dtypes (numpy `real`).
 *
 * Formula: real(x) = x.
 *
 * Shape: same as x.
 * @example real(tensor([1, -2])) // [1, -2]
 */
export function real(x: TensorLike): Tensor {
  return add(convertToTensor(x, 'real', 'x'), 0);
}

/**
 * The imaginary part: zeros for Tessera's real dtypes (numpy `imag`).
 *
 * Formula: imag(x) = 0.
 *
 * Shape: same as x.
 * @example imag(tensor([1, -2])) // [0, 0]
 */
export function imag(x: TensorLike): Tensor {
  return mul(convertToTensor(x, 'imag', 'x'), 0);
}

/**
 * The complex conjugate: x itself for Tessera's real dtypes (numpy `conjugate`).
 *
 * Formula: conj(x) = x.
 *
 * Shape: same as x.
 * @example conjugate(tensor([1, -2])) // [1, -2]
 */
export function conjugate(x: TensorLike): Tensor {
  return add(convertToTensor(x, 'conjugate', 'x'), 0);
}

/** Keras `conj`: alias of {@link conjugate}. Shape: same as x. @example conj(tensor([3])) // [3] */
export const conj: (x: TensorLike) => Tensor = (x) => conjugate(x);

/**
 * Whether each element is real: all true for Tessera's real dtypes (numpy `isreal`).
 *
 * Formula: isreal(x) = (imag(x) = 0).
 *
 * Shape: same as x (bool).
 * @example isreal(tensor([1, NaN])) // [true, true]
 */
export function isreal(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'isreal', 'x');
  return equal(mul(isFloat(t.dtype) ? zerosLike(t) : t, 0), 0);
}

/**
 * A copy of x (numpy `copy`): a new tensor with the same values; the gradient passes through.
 *
 * Formula: copy(x) = x.
 *
 * Shape: same as x.
 * @example copy(tensor([1, 2])) // [1, 2]
 */
export function copy(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'copy', 'x');
  return t.dtype === 'bool' ? logicalAnd(t, true) : add(t, 0);
}

// ---------------------------------------------------------------- windows

function windowLength(m: number, op: string): number {
  if (!Number.isInteger(m))
    throw new ValueError(`${op}: the window length must be an integer, got ${m}`);
  return Math.max(0, m);
}

function window(m: number, op: string, f: (n: number, m: number) => number): Tensor {
  const len = windowLength(m, op);
  if (len === 1) return tensor([1], [1], 'float32');
  return tensor(
    Float32Array.from({ length: len }, (_, n) => f(n, len)),
    [len],
    'float32',
  );
}

/**
 * The Bartlett (triangular) window of length M (numpy `bartlett`).
 *
 * Formula: w(n) = 1 − |2n/(M − 1) − 1|, n = 0…M − 1.
 *
 * Shape: `[M]` (float32; `[0]` for M ≤ 0).
 * @example bartlett(5) // [0, 0.5, 1, 0.5, 0]
 */
export function bartlett(m: number): Tensor {
  return window(m, 'bartlett', (n, len) => 1 - Math.abs((2 * n) / (len - 1) - 1));
}

/**
 * The Blackman window of length M (numpy `blackman`).
 *
 * Formula: w(n) = 0.42 − 0.5 cos(2πn/(M − 1)) + 0.08 cos(4πn/(M − 1)).
 *
 * Shape: `[M]` (float32).
 * @example blackman(3) // [0, 1, 0] (up to rounding)
 */
export function blackman(m: number): Tensor {
  return window(
    m,
    'blackman',
    (n, len) =>
      0.42 -
      0.5 * Math.cos((2 * Math.PI * n) / (len - 1)) +
      0.08 * Math.cos((4 * Math.PI * n) / (len - 1)),
  );
}

/**
 * The Hamming window of length M (numpy `hamming`).
 *
 * Formula: w(n) = 0.54 − 0.46 cos(2πn/(M − 1)).
 *
 * Shape: `[M]` (float32).
 * @example hamming(3) // [0.08, 1, 0.08]
 */
export function hamming(m: number): Tensor {
  return window(m, 'hamming', (n, len) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (len - 1)));
}

/**
 * The Hann window of length M (numpy `hanning`).
 *
 * Formula: w(n) = 0.5 − 0.5 cos(2πn/(M − 1)).
 *
 * Shape: `[M]` (float32).
 * @example hanning(3) // [0, 1, 0]
 */
export function hanning(m: number): Tensor {
  return window(m, 'hanning', (n, len) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (len - 1)));
}

/** I0 of a number (host), through the same Chebyshev series as {@link i0}. */
function i0Scalar(x: number): number {
  const cheb = (v: number, c: readonly number[]) => {
    let b0 = c[0]!;
    let b1 = 0;
    let b2 = 0;
    for (let i = 1; i < c.length; i++) {
      b2 = b1;
      b1 = b0;
      b0 = v * b1 - b2 + c[i]!;
    }
    return 0.5 * (b0 - b2);
  };
  const a = Math.abs(x);
  return a <= 8
    ? Math.exp(a) * cheb(a / 2 - 2, I0A)
    : (Math.exp(a) * cheb(32 / a - 2, I0B)) / Math.sqrt(a);
}

/**
 * The Kaiser window of length M and shape β (numpy `kaiser`).
 *
 * Formula: w(n) = I0(β √(1 − (2n/(M − 1) − 1)²)) / I0(β).
 *
 * Shape: `[M]` (float32).
 * @example kaiser(3, 0) // [1, 1, 1]
 */
export function kaiser(m: number, beta: number): Tensor {
  if (typeof beta !== 'number' || Number.isNaN(beta))
    throw new ValueError(`kaiser: beta must be a number, got ${beta}`);
  const d = i0Scalar(beta);
  return window(m, 'kaiser', (n, len) => {
    const r = (2 * n) / (len - 1) - 1;
    return i0Scalar(beta * Math.sqrt(Math.max(0, 1 - r * r))) / d;
  });
}

// ---------------------------------------------------------------- statistics

/**
 * Pearson correlation coefficients of the rows of x (numpy `corrcoef`: each row a variable,
 * each column an observation), clipped to [−1, 1].
 *
 * Formula: R_ij = C_ij / √(C_ii C_jj), C the covariance of the rows.
 *
 * Shape: `[N, M]` → `[N, N]`; a 1-D x is one variable → `[]` (float).
 * @example corrcoef(tensor([[1, 2, 3], [3, 2, 1]])) // [[1, -1], [-1, 1]]
 */
export function corrcoef(x: TensorLike): Tensor {
  const t = toFloat(x, 'corrcoef');
  if (t.rank !== 1 && t.rank !== 2)
    throw new ShapeError(`corrcoef: x must be 1-D or 2-D, got shape ${fmtShape(t.shape)}`);
  const m = t.rank === 1 ? reshape(t, [1, -1]) : t;
  const xm = sub(m, div(sum(m, 1, true), m.shape[1]!));
  const c = sum(mul(expandDims(xm, 1), expandDims(xm, 0)), 2);
  const d = sqrt(sum(mul(xm, xm), 1));
  const r = clip(div(div(c, expandDims(d, 1)), expandDims(d, 0)), -1, 1);
  return t.rank === 1 ? reshape(r, []) : r;
}

/**
 * Euclidean distances between the rows of x and y (Keras `cdist`), batched over leading axes.
 *
 * Formula: out[..., i, j] = ‖x[..., i, :] − y[..., j, :]‖₂.
 *
 * Shape: x `[..., P, M]`, y `[..., R, M]` → `[..., P, R]` (float).
 * @example cdist(tensor([[0, 0]]), tensor([[3, 4], [0, 1]])) // [[5, 1]]
 */
export function cdist(x: TensorLike, y: TensorLike): Tensor {
  const a = toFloat(x, 'cdist', 'x');
  const b = toFloat(y, 'cdist', 'y');
  if (a.rank < 2 || b.rank < 2)
    throw new ShapeError(
      `cdist: inputs must have rank >= 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  if (a.shape[a.rank - 1] !== b.shape[b.rank - 1])
    throw new ShapeError(
      `cdist: last dimensions must match, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  const d = sub(expandDims(a, -2), expandDims(b, -3));
  return sqrt(sum(mul(d, d), -1));
}

function correlateCore(a: Tensor, v: Tensor, mode: 'valid' | 'same' | 'full'): Tensor {
  const n1 = a.shape[0]!;
  const n = v.shape[0]!;
  const left = mode === 'full' ? n - 1 : mode === 'same' ? Math.floor(n / 2) : 0;
  const right = mode === 'full' ? n - 1 : mode === 'same' ? n - left - 1 : 0;
  const ap = pad(a, [[left, right]]);
  const len = n1 - n + 1 + left + right;
  const idx = Int32Array.from({ length: len * n }, (_, i) => Math.floor(i / n) + (i % n));
  const frames = gather(ap, tensor(idx, [len, n], 'int32'), 0);
  return sum(mul(frames, v), -1);
}

/**
 * Cross-correlation of two 1-D sequences (numpy `correlate`), in float; `mode` is `'valid'`
 * (full overlap only), `'same'` (the length of the longer) or `'full'`.
 *
 * Formula: c[k] = Σₙ a[n + k] · v[n].
 *
 * Shape: `[N]`, `[M]` → valid `[max − min + 1]`, same `[max(N, M)]`, full `[N + M − 1]`.
 * @example correlate(tensor([1, 2, 3]), tensor([0, 1, 0.5])) // [3.5]
 */
export function correlate(
  x1: TensorLike,
  x2: TensorLike,
  mode: 'valid' | 'same' | 'full' = 'valid',
): Tensor {
  let a = toFloat(x1, 'correlate', 'x1');
  let v = toFloat(x2, 'correlate', 'x2');
  if (!['valid', 'same', 'full'].includes(mode))
    throw new ValueError(`correlate: mode must be 'valid', 'same' or 'full', got '${mode}'`);
  if (a.rank !== 1 || v.rank !== 1 || a.size === 0 || v.size === 0)
    throw new ShapeError(
      `correlate: inputs must be non-empty 1-D, got ${fmtShape(a.shape)} and ${fmtShape(v.shape)}`,
    );
  if (a.dtype !== v.dtype) {
    a = cast(a, 'float64');
    v = cast(v, 'float64');
  }
  if (v.size <= a.size) return correlateCore(a, v, mode);
  // numpy swaps the operands when v is longer and reverses the result.
  const r = correlateCore(v, a, mode);
  return gather(
    r,
    tensor(
      Int32Array.from({ length: r.size }, (_, i) => r.size - 1 - i),
      [r.size],
      'int32',
    ),
    0,
  );
}

/**
 * Histogram of the values of a 1-D x in `bins` equal bins over `range` (default: [min, max])
 * (numpy `histogram`): values outside the range are left out; the last bin includes its right
 * edge. Not differentiable.
 *
 * Formula: counts[i] = #{x : e_i ≤ x < e_{i+1}} (≤ e_bins for the last), e = linspace(lo, hi, bins + 1).
 *
 * Shape: `[N]` → `[counts [bins] (int32), edges [bins + 1] (float)]`.
 * @example histogram(tensor([1, 2, 1]), 2) // [[2, 1], [1, 1.5, 2]]
 */
export function histogram(
  x: TensorLike,
  bins = 10,
  range: readonly [number, number] | null = null,
): [Tensor, Tensor] {
  const t = toFloat(x, 'histogram');
  if (t.rank !== 1)
    throw new ShapeError(`histogram: x must be 1-D, got shape ${fmtShape(t.shape)}`);
  if (!Number.isInteger(bins) || bins < 1)
    throw new ValueError(`histogram: bins must be a positive integer, got ${bins}`);
  const v = t.dataSync();
  let lo: number;
  let hi: number;
  if (range) {
    [lo, hi] = range;
    if (!(lo <= hi))
      throw new ValueError(`histogram: range must be [lo, hi] with lo <= hi, got [${lo}, ${hi}]`);
  } else {
    lo = v.length ? Math.min(...v) : 0;
    hi = v.length ? Math.max(...v) : 1;
    if (!Number.isFinite(lo) || !Number.isFinite(hi))
      throw new ValueError('histogram: the range of x is not finite (NaN or ±∞): pass range');
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edgesArr = Float64Array.from({ length: bins + 1 }, (_, i) =>
    i === bins ? hi : lo + ((hi - lo) * i) / bins,
  );
  const counts = new Int32Array(bins);
  for (const val of v) {
    if (!(val >= lo && val <= hi)) continue;
    let b = Math.floor(((val - lo) / (hi - lo)) * bins);
    if (b >= bins) b = bins - 1;
    // Rounding at an edge: numpy places each value by comparing with the edges.
    if (b > 0 && val < edgesArr[b]!) b--;
    else if (b < bins - 1 && val >= edgesArr[b + 1]!) b++;
    counts[b]!++;
  }
  const edges = t.dtype === 'float64' ? edgesArr : Float32Array.from(edgesArr);
  return [tensor(counts, [bins], 'int32'), tensor(edges, [bins + 1], t.dtype)];
}

// ---------------------------------------------------------------- sets and selection

/**
 * Whether each element of x1 occurs in x2 (numpy `isin`); `invert` negates.
 *
 * Formula: out[i] = ∃ j: x1[i] = x2[j].
 *
 * Shape: `x1.shape` (bool).
 * @example isin(tensor([1, 2, 3]), tensor([3, 1])) // [true, false, true]
 */
export function isin(x1: TensorLike, x2: TensorLike, assumeUnique = false, invert = false): Tensor {
  void assumeUnique;
  const a = convertToTensor(x1, 'isin', 'x1');
  const b = reshape(convertToTensor(x2, 'isin', 'x2'), [-1]);
  const hit = any(equal(expandDims(a, -1), b), -1);
  return invert ? logicalNot(hit) : hit;
}

/**
 * Picks, per element, from the choice whose condition is first true, else `default`
 * (numpy `select`). Differentiable in the choices.
 *
 * Formula: out = c₀ ? v₀ : c₁ ? v₁ : … : default.
 *
 * Shape: broadcast of the conditions, choices and default.
 * @example select([tensor([true, false]), tensor([true, true])], [tensor([1, 2]), tensor([3, 4])], 0) // [1, 4]
 */
export function select(
  condlist: readonly TensorLike[],
  choicelist: readonly TensorLike[],
  defaultValue: TensorLike = 0,
): Tensor {
  if (condlist.length !== choicelist.length)
    throw new ValueError(
      `select: condlist and choicelist must have the same length, got ${condlist.length} and ${choicelist.length}`,
    );
  if (condlist.length === 0) throw new ValueError('select: condlist must not be empty');
  let out = convertToTensor(defaultValue, 'select', 'default');
  for (let i = condlist.length - 1; i >= 0; i--) {
    const c = convertToTensor(condlist[i]!, 'select', `condlist[${i}]`);
    if (c.dtype !== 'bool')
      throw new DTypeError(`select: condlist[${i}] must be bool, got ${c.dtype}`);
    out = where(c, choicelist[i]!, out);
  }
  return out;
}

/**
 * The coordinates of flat indices in an array of `shape` (numpy `unravel_index`, C order).
 *
 * Formula: coordᵢ = ⌊idx / Πⱼ₍ⱼ>ᵢ₎ shapeⱼ⌋ mod shapeᵢ.
 *
 * Shape: one int32 tensor of `indices.shape` per axis of `shape`.
 * @example unravelIndex(tensor([5], undefined, 'int32'), [2, 3]) // [[1], [2]]
 */
export function unravelIndex(indices: TensorLike, shape: readonly number[]): Tensor[] {
  const t = convertToTensor(
    indices,
    'unravelIndex',
    'indices',
    typeof indices === 'number' ? 'int32' : undefined,
  );
  if (t.dtype !== 'int32')
    throw new DTypeError(`unravelIndex: indices must be int32, got ${t.dtype}`);
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0)
      throw new ValueError(`unravelIndex: shape must hold non-negative integers, got [${shape}]`);
  const total = shape.reduce((p, d) => p * d, 1);
  const v = t.dataSync();
  for (const i of v)
    if (i < 0 || i >= total)
      throw new ValueError(`unravelIndex: index ${i} is out of bounds for shape [${shape}]`);
  return shape.map((d, k) => {
    const stride = shape.slice(k + 1).reduce((p, e) => p * e, 1);
    return tensor(
      Int32Array.from(v, (i) => Math.floor(i / stride) % d),
      t.shape,
      'int32',
    );
  });
}

/**
 * Indices that partition x along `axis` around the `kth` element(s) (numpy `argpartition`):
 * element kth is in its sorted place, smaller ones before it, larger after. Tessera returns
 * the full stable argsort, which is one valid answer (numpy's order within the parts is
 * unspecified).
 *
 * Formula: x[out[k]] = sort(x)[k] and x[out[i]] ≤ x[out[k]] ≤ x[out[j]] for i < k < j.
 *
 * Shape: same as x (int32).
 * @example argpartition(tensor([3, 1, 2]), 1) // [1, 2, 0]
 */
export function argpartition(x: TensorLike, kth: number | readonly number[], axis = -1): Tensor {
  const t = convertToTensor(x, 'argpartition', 'x');
  if (t.rank === 0) throw new ShapeError('argpartition: x must have rank >= 1');
  const ax = normalizeAxis(axis, t.rank, 'argpartition');
  const n = t.shape[ax]!;
  for (const k of typeof kth === 'number' ? [kth] : kth)
    if (!Number.isInteger(k) || k < -n || k >= n)
      throw new ValueError(`argpartition: kth ${k} is out of bounds for axis ${ax} of length ${n}`);
  return argsort(t, ax);
}
