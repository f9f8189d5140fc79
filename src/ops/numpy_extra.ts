/**
 * Keras 3 `keras.ops` numpy-style ops, part 1: arithmetic aliases, elementwise math
 * (hyperbolic and inverse trigonometric functions, logarithms in other bases…), predicates
 * and simple reductions (the Keras-named activation ops are in numpy_extra4.ts). Every op is a composite of existing
 * Tessera ops, so gradients come through the composites (or a `customGrad` where the composite
 * would be unstable).
 */
import { customGrad } from '../autograd/grad.js';
import { DTypeError, ValueError } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { broadcastShapes, normalizeAxes } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertPair, convertToTensor } from '../tensor/tensor.js';
import {
  abs,
  add,
  atan2,
  cast,
  ceil,
  cos,
  div,
  equal,
  exp,
  expm1,
  floor,
  floorDiv,
  greater,
  isFinite as isFiniteOp,
  isNaN as isNaNOp,
  less,
  lessEqual,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  maximum,
  mod,
  mul,
  neg,
  notEqual,
  pow,
  reciprocal,
  sign,
  sin,
  sqrt,
  square,
  sub,
  where,
} from './elementwise.js';
import { max, min, sum } from './reduce.js';

/** The tensor in a float dtype: float inputs as they are, ints and bools in float32. */
/** @internal */
export function toFloat(x: TensorLike, op: string, arg = 'x'): Tensor {
  const t = convertToTensor(x, op, arg);
  return isFloat(t.dtype) ? t : cast(t, 'float32');
}

/** The pair broadcast-ready and in one float dtype. */
function floatPair(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  const [x, y] = convertPair(a, b, op);
  const fx = isFloat(x.dtype) ? x : cast(x, 'float32');
  const fy = isFloat(y.dtype) ? y : cast(y, 'float32');
  if (fx.dtype === fy.dtype) return [fx, fy];
  return fx.dtype === 'float64' ? [fx, cast(fy, 'float64')] : [cast(fx, 'float64'), fy];
}

// ---------------------------------------------------------------- aliases

/** Keras `absolute`: alias of {@link abs}. @example absolute(tensor([-1, 2])) // [1, 2] */
export const absolute: (x: TensorLike) => Tensor = (x) => abs(x);
/** Keras `negative`: alias of {@link neg}. @example negative(tensor([1, -2])) // [-1, 2] */
export const negative: (x: TensorLike) => Tensor = (x) => neg(x);
/** Keras `multiply`: alias of {@link mul}. @example multiply(tensor([1, 2]), 3) // [3, 6] */
export const multiply: (a: TensorLike, b: TensorLike) => Tensor = (a, b) => mul(a, b);
/** Keras `divide`: alias of {@link div} (true division). @example divide(tensor([1, 2]), 2) // [0.5, 1] */
export const divide: (a: TensorLike, b: TensorLike) => Tensor = (a, b) => div(a, b);
/** Keras `true_divide`: alias of {@link div}. @example trueDivide(tensor([1, 2]), 2) // [0.5, 1] */
export const trueDivide: (a: TensorLike, b: TensorLike) => Tensor = (a, b) => div(a, b);
/** Keras `subtract`: alias of {@link sub}. @example subtract(tensor([1, 2]), 1) // [0, 1] */
export const subtract: (a: TensorLike, b: TensorLike) => Tensor = (a, b) => sub(a, b);
/** Keras `power`: alias of {@link pow}. @example power(tensor([2, 3]), 2) // [4, 9] */
export const power: (a: TensorLike, b: TensorLike) => Tensor = (a, b) => pow(a, b);
/** Keras `floor_divide`: alias of {@link floorDiv}. @example floorDivide(tensor([7, -7]), 2) // [3, -4] */
export const floorDivide: (a: TensorLike, b: TensorLike) => Tensor = (a, b) => floorDiv(a, b);
/** Keras `logsumexp`: alias of {@link logSumExp}. @example logsumexp(tensor([0, 0])) // 0.6931 */
export { logSumExp as logsumexp } from './reduce.js';
/** Keras `isnan`: alias of {@link isNaN}. @example isnan(tensor([NaN, 1])) // [true, false] */
export const isnan: (x: TensorLike) => Tensor = (x) => isNaNOp(x);
/** Keras `isfinite`: alias of {@link isFinite}. @example isfinite(tensor([Infinity, 1])) // [false, true] */
export const isfinite: (x: TensorLike) => Tensor = (x) => isFiniteOp(x);
/** Keras `amax`: alias of {@link max}. @example amax(tensor([[1, 5], [3, 2]]), 0) // [3, 5] */
export const amax: (
  x: TensorLike,
  axis?: number | readonly number[],
  keepDims?: boolean,
) => Tensor = (x, axis, keepDims = false) => max(x, axis, keepDims);
/** Keras `amin`: alias of {@link min}. @example amin(tensor([[1, 5], [3, 2]]), 0) // [1, 2] */
export const amin: (
  x: TensorLike,
  axis?: number | readonly number[],
  keepDims?: boolean,
) => Tensor = (x, axis, keepDims = false) => min(x, axis, keepDims);

/**
 * Keras `stop_gradient`: the same values, with no gradient flowing back to `x`.
 *
 * Shape: `x.shape`.
 * @example grad((x) => stopGradient(x).mul(x).sum())(tensor([3])) // [3]
 */
export function stopGradient(x: TensorLike): Tensor {
  return convertToTensor(x, 'stopGradient', 'x').detach();
}

// ---------------------------------------------------------------- arithmetic

/**
 * C's `fmod`: the remainder of a / b with the sign of a (numpy `fmod`), unlike {@link mod}
 * whose result has the sign of b. ∂/∂a = 1, ∂/∂b = −trunc(a/b).
 *
 * Formula: fmod(a, b) = a − trunc(a / b) · b.
 *
 * Shape: broadcast of a and b.
 * @example fmod(tensor([-7, 7]), 3) // [-1, 1]
 */
export function fmod(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = convertPair(a, b, 'fmod');
  const r = mod(x, y);
  const fix = logicalAnd(notEqual(r, 0), notEqual(less(r, 0), less(x, 0)));
  return where(fix, sub(r, y), r);
}

/**
 * a / b, with 0 where b is 0 (Keras `divide_no_nan`); the gradient is 0 there too.
 *
 * Formula: b = 0 ? 0 : a / b.
 *
 * Shape: broadcast of a and b.
 * @example divideNoNan(tensor([1, 2]), tensor([0, 4])) // [0, 0.5]
 */
export function divideNoNan(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = floatPair(a, b, 'divideNoNan');
  const zero = equal(y, 0);
  return where(zero, 0, div(x, where(zero, 1, y)));
}

// ---------------------------------------------------------------- elementwise math

/** cosh x = (eˣ + e⁻ˣ)/2. Shape: same as x (float). @example cosh(tensor([0])) // [1] */
export function cosh(x: TensorLike): Tensor {
  const t = toFloat(x, 'cosh');
  return mul(add(exp(t), exp(neg(t))), 0.5);
}

/** sinh x = (eˣ − e⁻ˣ)/2, via expm1 so it is accurate near 0. Shape: same as x (float). @example sinh(tensor([0])) // [0] */
export function sinh(x: TensorLike): Tensor {
  const t = toFloat(x, 'sinh');
  return mul(sub(expm1(t), expm1(neg(t))), 0.5);
}

/** tan x = sin x / cos x; d/dx = 1 + tan² x. Shape: same as x (float). @example tan(tensor([0])) // [0] */
export function tan(x: TensorLike): Tensor {
  const t = toFloat(x, 'tan');
  return div(sin(t), cos(t));
}

/** arctan x = atan2(x, 1), in (−π/2, π/2); d/dx = 1/(1 + x²). Shape: same as x (float). @example arctan(tensor([1])) // [0.7854] */
export function arctan(x: TensorLike): Tensor {
  const t = toFloat(x, 'arctan');
  return atan2(t, 1);
}

/**
 * arcsin x = atan2(x, √(1 − x²)), in [−π/2, π/2]; NaN outside [−1, 1]; d/dx = 1/√(1 − x²).
 *
 * Shape: same as x (float).
 * @example arcsin(tensor([1])) // [1.5708]
 */
export function arcsin(x: TensorLike): Tensor {
  const t = toFloat(x, 'arcsin');
  return atan2(t, sqrt(sub(1, square(t))));
}

/**
 * arccos x = atan2(√(1 − x²), x), in [0, π]; NaN outside [−1, 1]; d/dx = −1/√(1 − x²).
 *
 * Shape: same as x (float).
 * @example arccos(tensor([1, 0])) // [0, 1.5708]
 */
export function arccos(x: TensorLike): Tensor {
  const t = toFloat(x, 'arccos');
  return atan2(sqrt(sub(1, square(t))), t);
}

/** Keras `arctan2`: alias of {@link atan2}. @example arctan2(tensor([1]), 1) // [0.7854] */
export const arctan2: (a: TensorLike, b: TensorLike) => Tensor = (a, b) => atan2(a, b);

const arcsinhOp = customGrad((t: Tensor) => {
  // sign(x) · log1p(|x| + x²/(1 + √(x²+1))): accurate near 0, and for |x| > 1e150 (where x²
  // overflows) ln 2|x|.
  const ax = abs(t);
  const big = greater(ax, 1e150);
  const safe = where(big, 1, ax);
  const small = log1p(add(safe, div(square(safe), add(1, sqrt(add(square(safe), 1))))));
  const value = mul(sign(t), where(big, add(log(ax), Math.LN2), small));
  return { value, gradFunc: (dy: Tensor) => [div(dy, sqrt(add(square(t), 1)))] };
});

/**
 * The inverse hyperbolic sine; d/dx = 1/√(x² + 1).
 *
 * Formula: arcsinh x = ln(x + √(x² + 1)).
 *
 * Shape: same as x (float).
 * @example arcsinh(tensor([0, 1])) // [0, 0.8814]
 */
export function arcsinh(x: TensorLike): Tensor {
  return arcsinhOp(toFloat(x, 'arcsinh'));
}

const arccoshOp = customGrad((t: Tensor) => {
  const u = sub(t, 1);
  const value = log1p(add(u, sqrt(mul(u, add(t, 1)))));
  return { value, gradFunc: (dy: Tensor) => [div(dy, sqrt(mul(u, add(t, 1))))] };
});

/**
 * The inverse hyperbolic cosine, for x ≥ 1 (NaN below); d/dx = 1/√(x² − 1).
 *
 * Formula: arccosh x = ln(x + √(x² − 1)).
 *
 * Shape: same as x (float).
 * @example arccosh(tensor([1, 2])) // [0, 1.3170]
 */
export function arccosh(x: TensorLike): Tensor {
  return arccoshOp(toFloat(x, 'arccosh'));
}

/**
 * The inverse hyperbolic tangent, on (−1, 1) (±∞ at ±1); d/dx = 1/(1 − x²).
 *
 * Formula: arctanh x = ½ (ln(1 + x) − ln(1 − x)).
 *
 * Shape: same as x (float).
 * @example arctanh(tensor([0, 0.5])) // [0, 0.5493]
 */
export function arctanh(x: TensorLike): Tensor {
  const t = toFloat(x, 'arctanh');
  return mul(sub(log1p(t), log1p(neg(t))), 0.5);
}

/**
 * The real cube root (negative for negative x); d/dx = 1/(3 ∛x²).
 *
 * Formula: cbrt x = sign(x) · |x|^(1/3).
 *
 * Shape: same as x (float).
 * @example cbrt(tensor([-8, 27])) // [-2, 3]
 */
export function cbrt(x: TensorLike): Tensor {
  const t = toFloat(x, 'cbrt');
  return mul(sign(t), pow(abs(t), 1 / 3));
}

/** 2ˣ = e^(x ln 2). Shape: same as x (float). @example exp2(tensor([3])) // [8] */
export function exp2(x: TensorLike): Tensor {
  return exp(mul(toFloat(x, 'exp2'), Math.LN2));
}

/** log₂ x = ln x / ln 2. Shape: same as x (float). @example log2(tensor([8])) // [3] */
export function log2(x: TensorLike): Tensor {
  return div(log(toFloat(x, 'log2')), Math.LN2);
}

/** log₁₀ x = ln x / ln 10. Shape: same as x (float). @example log10(tensor([100])) // [2] */
export function log10(x: TensorLike): Tensor {
  return div(log(toFloat(x, 'log10')), Math.LN10);
}

/**
 * log(eᵃ + eᵇ), computed stably around the larger argument (and exact for infinities);
 * ∂/∂a = σ(a − b).
 *
 * Formula: logaddexp(a, b) = m + ln(e^(a−m) + e^(b−m)), m = max(a, b).
 *
 * Shape: broadcast of a and b (float).
 * @example logaddexp(tensor([0]), tensor([0])) // [0.6931]
 */
export function logaddexp(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = floatPair(a, b, 'logaddexp');
  const m0 = stopGradient(maximum(x, y));
  const m = where(isFiniteOp(m0), m0, 0);
  return add(m, log(add(exp(sub(x, m)), exp(sub(y, m)))));
}

/**
 * log₂(2ᵃ + 2ᵇ), stable as {@link logaddexp}.
 *
 * Formula: logaddexp2(a, b) = logaddexp(a ln 2, b ln 2) / ln 2.
 *
 * Shape: broadcast of a and b (float).
 * @example logaddexp2(tensor([1]), tensor([1])) // [2]
 */
export function logaddexp2(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = floatPair(a, b, 'logaddexp2');
  return div(logaddexp(mul(x, Math.LN2), mul(y, Math.LN2)), Math.LN2);
}

const hypotOp = customGrad((x: Tensor, y: Tensor) => {
  // Scaled by the larger magnitude so that squares neither overflow nor underflow.
  const ax = abs(x);
  const ay = abs(y);
  const m = maximum(ax, ay);
  const zero = equal(m, 0);
  const s = where(zero, 1, m);
  const inf = logicalOr(equal(ax, Number.POSITIVE_INFINITY), equal(ay, Number.POSITIVE_INFINITY));
  const h = mul(m, sqrt(add(square(div(ax, s)), square(div(ay, s)))));
  const value = where(inf, Number.POSITIVE_INFINITY, h);
  const safe = where(equal(value, 0), 1, value);
  return {
    value,
    gradFunc: (dy: Tensor) => [
      where(zero, 0, mul(dy, div(x, safe))),
      where(zero, 0, mul(dy, div(y, safe))),
    ],
  };
});

/**
 * √(a² + b²), without overflow for large arguments; ∂/∂a = a / hypot(a, b) (0 at the origin).
 *
 * Shape: broadcast of a and b (float).
 * @example hypot(tensor([3]), tensor([4])) // [5]
 */
export function hypot(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = floatPair(a, b, 'hypot');
  const shape = broadcastShapes(x.shape, y.shape, 'hypot');
  return hypotOp(x.broadcastTo(shape), y.broadcastTo(shape));
}

/** Degrees to radians: x · π/180. Shape: same as x (float). @example deg2rad(tensor([180])) // [3.1416] */
export function deg2rad(x: TensorLike): Tensor {
  return mul(toFloat(x, 'deg2rad'), Math.PI / 180);
}

/** Radians to degrees: x · 180/π. Shape: same as x (float). @example rad2deg(tensor([Math.PI])) // [180] */
export function rad2deg(x: TensorLike): Tensor {
  return mul(toFloat(x, 'rad2deg'), 180 / Math.PI);
}

/**
 * The normalized sinc function, 1 at 0.
 *
 * Formula: sinc x = sin(πx) / (πx).
 *
 * Shape: same as x (float).
 * @example sinc(tensor([0, 0.5])) // [1, 0.6366]
 */
export function sinc(x: TensorLike): Tensor {
  const t = toFloat(x, 'sinc');
  const zero = equal(t, 0);
  const px = mul(where(zero, 1, t), Math.PI);
  return where(zero, 1, div(sin(px), px));
}

/**
 * Rounds toward zero (ints are returned as they are); zero gradient.
 *
 * Shape: same as x.
 * @example trunc(tensor([-1.7, 1.7])) // [-1, 1]
 */
export function trunc(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'trunc', 'x');
  if (!isFloat(t.dtype)) return t;
  return where(less(t, 0), ceil(t), floor(t));
}

/**
 * Whether the sign bit is set (bool): true for negative numbers and −0.
 *
 * Shape: same as x (bool).
 * @example signbit(tensor([-1, -0, 0, 2])) // [true, true, false, false]
 */
export function signbit(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'signbit', 'x');
  if (t.dtype === 'bool') return less(cast(t, 'int32'), 0);
  if (!isFloat(t.dtype)) return less(t, 0);
  return logicalOr(less(t, 0), logicalAnd(equal(t, 0), less(reciprocal(t), 0)));
}

/**
 * The Heaviside step: 0 for x < 0, 1 for x > 0 and `x2` at 0 (NaN stays NaN).
 *
 * Shape: broadcast of x1 and x2 (float).
 * @example heaviside(tensor([-1, 0, 2]), 0.5) // [0, 0.5, 1]
 */
export function heaviside(x1: TensorLike, x2: TensorLike): Tensor {
  const [x, h0] = floatPair(x1, x2, 'heaviside');
  const shape = broadcastShapes(x.shape, h0.shape, 'heaviside');
  const h = h0.broadcastTo(shape);
  const step = where(less(x, 0), 0, where(greater(x, 0), 1, h));
  return where(isNaNOp(x), x, step);
}

/**
 * Elementwise closeness (bool), numpy's rule: |a − b| ≤ atol + rtol · |b|; infinities are
 * close only to themselves; NaNs are close to each other only with `equalNan`.
 *
 * Shape: broadcast of a and b (bool).
 * @example isclose(tensor([1, 1.1]), tensor([1, 1])) // [true, false]
 */
export function isclose(
  a: TensorLike,
  b: TensorLike,
  rtol = 1e-5,
  atol = 1e-8,
  equalNan = false,
): Tensor {
  const [x, y] = floatPair(a, b, 'isclose');
  const close = lessEqual(abs(sub(x, y)), add(atol, mul(rtol, abs(y))));
  const finite = logicalAnd(isFiniteOp(x), isFiniteOp(y));
  const r = where(finite, close, equal(x, y));
  return equalNan ? logicalOr(r, logicalAnd(isNaNOp(x), isNaNOp(y))) : r;
}

/**
 * Whether every element pair is close (a scalar bool tensor); see {@link isclose}.
 *
 * Shape: `[]` (bool).
 * @example allclose(tensor([1, 2]), tensor([1, 2 + 1e-9])).item() // 1 (true)
 */
export function allclose(
  a: TensorLike,
  b: TensorLike,
  rtol = 1e-5,
  atol = 1e-8,
  equalNan = false,
): Tensor {
  return isclose(a, b, rtol, atol, equalNan).all();
}

/** ±∞ test (bool). Shape: same as x (bool). @example isinf(tensor([Infinity, -Infinity, NaN, 1])) // [true, true, false, false] */
export function isinf(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'isinf', 'x');
  return logicalAnd(logicalNot(isFiniteOp(t)), logicalNot(isNaNOp(t)));
}

/** +∞ test (bool). Shape: same as x (bool). @example isposinf(tensor([Infinity, -Infinity])) // [true, false] */
export function isposinf(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'isposinf', 'x');
  return isFloat(t.dtype) ? equal(t, Number.POSITIVE_INFINITY) : notEqual(t, t);
}

/** −∞ test (bool). Shape: same as x (bool). @example isneginf(tensor([Infinity, -Infinity])) // [false, true] */
export function isneginf(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'isneginf', 'x');
  return isFloat(t.dtype) ? equal(t, Number.NEGATIVE_INFINITY) : notEqual(t, t);
}

const F32_MAX = 3.4028234663852886e38;

/**
 * Replaces NaN by `nan`, +∞ by `posinf` and −∞ by `neginf` (by default the dtype's largest and
 * smallest finite values); ints pass through. The gradient flows where x was finite.
 *
 * Shape: same as x.
 * @example nanToNum(tensor([NaN, Infinity, 1]), 0, 9) // [0, 9, 1]
 */
export function nanToNum(x: TensorLike, nan = 0, posinf?: number, neginf?: number): Tensor {
  const t = convertToTensor(x, 'nanToNum', 'x');
  if (!isFloat(t.dtype)) return t;
  const big = t.dtype === 'float64' ? Number.MAX_VALUE : F32_MAX;
  const hi = posinf ?? big;
  const lo = neginf ?? -big;
  return where(
    isNaNOp(t),
    nan,
    where(equal(t, Number.POSITIVE_INFINITY), hi, where(equal(t, Number.NEGATIVE_INFINITY), lo, t)),
  );
}

// ---------------------------------------------------------------- reductions

/**
 * Peak to peak: max − min over `axis` (all axes when undefined).
 *
 * Shape: x's shape without the reduced axes (kept as 1 with `keepDims`).
 * @example ptp(tensor([[1, 5], [3, 2]]), 1) // [4, 1]
 */
export function ptp(x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = convertToTensor(x, 'ptp', 'x');
  if (t.dtype === 'bool') throw new DTypeError('ptp: bool tensors have no peak to peak');
  const axes = normalizeAxes(axis, t.rank, 'ptp');
  return sub(max(t, axes, keepDims), min(t, axes, keepDims));
}

/**
 * The number of nonzero elements over `axis` (int32).
 *
 * Shape: x's shape without the reduced axes (kept as 1 with `keepDims`).
 * @example countNonzero(tensor([[0, 1], [2, 3]]), 0) // [1, 2]
 */
export function countNonzero(
  x: TensorLike,
  axis?: number | readonly number[],
  keepDims = false,
): Tensor {
  const t = convertToTensor(x, 'countNonzero', 'x');
  const axes = normalizeAxes(axis, t.rank, 'countNonzero');
  return sum(cast(notEqual(t, 0), 'int32'), axes, keepDims);
}

/**
 * The weighted average over `axis` (numpy's `average`): Σ x·w / Σ w. Without weights it is the
 * mean; 1-D weights with an integer axis weigh that axis, otherwise weights broadcast against x.
 *
 * Shape: x's shape without the reduced axes (kept as 1 with `keepDims`); float.
 * @example average(tensor([1, 2, 4]), undefined, tensor([1, 1, 2])) // 2.75
 */
export function average(
  x: TensorLike,
  axis?: number | readonly number[] | null,
  weights?: TensorLike | null,
  keepDims = false,
): Tensor {
  const t = toFloat(x, 'average');
  const axes = normalizeAxes(axis, t.rank, 'average');
  if (weights === undefined || weights === null) return t.mean(axes, keepDims);
  let w = convertToTensor(weights, 'average', 'weights');
  if (w.dtype !== t.dtype) w = cast(w, t.dtype);
  if (w.rank === 1 && t.rank > 1 && typeof axis === 'number') {
    const ax = axes[0]!;
    if (w.shape[0] !== t.shape[ax])
      throw new ValueError(
        `average: 1-D weights of length ${w.shape[0]} do not match axis ${ax} of length ${t.shape[ax]}`,
      );
    w = w.reshape(t.shape.map((d, i) => (i === ax ? d : 1)));
  } else {
    try {
      broadcastShapes(t.shape, w.shape, 'average');
    } catch {
      throw new ValueError(
        `average: weights of shape [${w.shape.join(', ')}] do not broadcast against x [${t.shape.join(', ')}]`,
      );
    }
  }
  const shape = broadcastShapes(t.shape, w.shape, 'average');
  const num = sum(mul(t, w), axes, keepDims);
  const den = sum(w.broadcastTo(shape), axes, keepDims);
  return div(num, den);
}
