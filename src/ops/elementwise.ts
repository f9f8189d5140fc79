import { record } from '../autograd/tape.js';
/**
 * Elementwise ops with NumPy broadcasting: arithmetic, comparisons, logic, math functions,
 * `where`, `clip` and `cast`. Each op's backward is written beside its forward.
 */
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { DTypeError, ValueError } from '../errors.js';
import { type DType, isDType, isFloat, upcast } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertPair, convertToTensor } from '../tensor/tensor.js';
import { be, unbroadcast, wrap } from './util.js';

// ---------------------------------------------------------------- unary

type UnaryGrad = (x: Tensor, y: Tensor, dy: Tensor) => Tensor | null;

/**
 * Runs a unary primitive. Math functions (`toFloat`) compute int and bool inputs in float32,
 * as Keras does for `exp(int)`.
 * @internal
 */
export function unaryOp(
  op: UnaryOp,
  xIn: TensorLike,
  name: string,
  toFloat: boolean,
  grad: UnaryGrad | null,
  param?: number,
): Tensor {
  let x = convertToTensor(xIn, name, 'x');
  if (toFloat && !isFloat(x.dtype)) x = cast(x, 'float32');
  // Arithmetic on bool (neg, abs, square…) computes in int32, as −true is −1, not true.
  else if (x.dtype === 'bool' && op !== 'logicalNot' && op !== 'isNaN' && op !== 'isFinite')
    x = cast(x, 'int32');
  const b = be();
  const outDType = op === 'isNaN' || op === 'isFinite' || op === 'logicalNot' ? 'bool' : x.dtype;
  const y = wrap(b, b.unary(op, x.handleOn(b), x.size, x.dtype, param), x.shape, outDType);
  if (!grad) return y;
  return record(name, [x], y, (dy) => [grad(x, y, dy)]);
}

/** −x. @example neg(tensor([1, -2])) // [-1, 2] */
export function neg(x: TensorLike): Tensor {
  return unaryOp('neg', x, 'neg', false, (_x, _y, dy) => neg(dy));
}

/** |x|; d|x|/dx = sign(x). @example abs(tensor([-1, 2])) // [1, 2] */
export function abs(x: TensorLike): Tensor {
  return unaryOp('abs', x, 'abs', false, (xx, _y, dy) => mul(dy, sign(xx)));
}

/** sign(x) ∈ {−1, 0, 1}; zero gradient. @example sign(tensor([-3, 0, 2])) // [-1, 0, 1] */
export function sign(x: TensorLike): Tensor {
  return unaryOp('sign', x, 'sign', false, null);
}

/** x²; d/dx = 2x. @example square(tensor([3])) // [9] */
export function square(x: TensorLike): Tensor {
  return unaryOp('square', x, 'square', false, (xx, _y, dy) => mul(dy, mul(xx, 2)));
}

/** √x; d/dx = 1/(2√x). @example sqrt(tensor([4])) // [2] */
export function sqrt(x: TensorLike): Tensor {
  return unaryOp('sqrt', x, 'sqrt', true, (_x, y, dy) => div(dy, mul(y, 2)));
}

/** 1/√x; d/dx = −y³/2. @example rsqrt(tensor([4])) // [0.5] */
export function rsqrt(x: TensorLike): Tensor {
  return unaryOp('rsqrt', x, 'rsqrt', true, (_x, y, dy) => mul(dy, mul(pow(y, 3), -0.5)));
}

/** 1/x; d/dx = −y². @example reciprocal(tensor([4])) // [0.25] */
export function reciprocal(x: TensorLike): Tensor {
  return unaryOp('reciprocal', x, 'reciprocal', true, (_x, y, dy) => neg(mul(dy, square(y))));
}

/** eˣ; d/dx = eˣ. @example exp(tensor([0])) // [1] */
export function exp(x: TensorLike): Tensor {
  return unaryOp('exp', x, 'exp', true, (_x, y, dy) => mul(dy, y));
}

/** eˣ − 1, accurate near 0; d/dx = eˣ. @example expm1(tensor([0])) // [0] */
export function expm1(x: TensorLike): Tensor {
  return unaryOp('expm1', x, 'expm1', true, (_x, y, dy) => mul(dy, add(y, 1)));
}

/** ln x; d/dx = 1/x. @example log(tensor([1])) // [0] */
export function log(x: TensorLike): Tensor {
  return unaryOp('log', x, 'log', true, (xx, _y, dy) => div(dy, xx));
}

/** ln(1 + x), accurate near 0; d/dx = 1/(1 + x). @example log1p(tensor([0])) // [0] */
export function log1p(x: TensorLike): Tensor {
  return unaryOp('log1p', x, 'log1p', true, (xx, _y, dy) => div(dy, add(xx, 1)));
}

/** sin x; d/dx = cos x. @example sin(tensor([0])) // [0] */
export function sin(x: TensorLike): Tensor {
  return unaryOp('sin', x, 'sin', true, (xx, _y, dy) => mul(dy, cos(xx)));
}

/** cos x; d/dx = −sin x. @example cos(tensor([0])) // [1] */
export function cos(x: TensorLike): Tensor {
  return unaryOp('cos', x, 'cos', true, (xx, _y, dy) => neg(mul(dy, sin(xx))));
}

/** ⌊x⌋; zero gradient. @example floor(tensor([1.5])) // [1] */
export function floor(x: TensorLike): Tensor {
  return unaryOp('floor', x, 'floor', false, null);
}

/** ⌈x⌉; zero gradient. @example ceil(tensor([1.5])) // [2] */
export function ceil(x: TensorLike): Tensor {
  return unaryOp('ceil', x, 'ceil', false, null);
}

/** Rounds half to even (NumPy, TensorFlow); zero gradient. @example round(tensor([2.5])) // [2] */
export function round(x: TensorLike): Tensor {
  return unaryOp('round', x, 'round', false, null);
}

/** The error function; d/dx = 2/√π · e^(−x²). @example erf(tensor([0])) // [0] */
export function erf(x: TensorLike): Tensor {
  return unaryOp('erf', x, 'erf', true, (xx, _y, dy) =>
    mul(dy, mul(exp(neg(square(xx))), 2 / Math.sqrt(Math.PI))),
  );
}

/** Elementwise NaN test (bool). @example isNaN(tensor([NaN, 1])) // [true, false] */
// biome-ignore lint/suspicious/noShadowRestrictedNames: the op mirrors tf.isNaN / keras.ops.isnan; it is imported by name, never global.
export function isNaN(x: TensorLike): Tensor {
  return unaryOp('isNaN', x, 'isNaN', false, null);
}

/** Elementwise finiteness test (bool). @example isFinite(tensor([Infinity, 1])) // [false, true] */
// biome-ignore lint/suspicious/noShadowRestrictedNames: the op mirrors tf.isFinite / keras.ops.isfinite.
export function isFinite(x: TensorLike): Tensor {
  return unaryOp('isFinite', x, 'isFinite', false, null);
}

/** Logical not (bool). @example logicalNot(tensor([true, false])) // [false, true] */
export function logicalNot(x: TensorLike): Tensor {
  const t = convertToTensor(x, 'logicalNot', 'x');
  return unaryOp('logicalNot', t.dtype === 'bool' ? t : cast(t, 'bool'), 'logicalNot', false, null);
}

// ---------------------------------------------------------------- binary

type BinaryGrad = (a: Tensor, b: Tensor, y: Tensor, dy: Tensor) => [Tensor | null, Tensor | null];
type BinaryKind = 'arith' | 'float' | 'compare' | 'logic';

/**
 * Runs a broadcasting binary primitive. `arith` computes in the operands' common dtype (bool is
 * promoted to int32); `float` computes ints in float32 (true division); `compare` returns bool;
 * `logic` casts both to bool.
 * @internal
 */
export function binaryOp(
  op: BinaryOp,
  aIn: TensorLike,
  bIn: TensorLike,
  name: string,
  kind: BinaryKind,
  grad: BinaryGrad | null,
): Tensor {
  let [a, b] = convertPair(aIn, bIn, name);
  const outShape = broadcastShapes(a.shape, b.shape, name);
  let dt = kind === 'logic' ? 'bool' : upcast(a.dtype, b.dtype);
  if (kind === 'arith' && dt === 'bool') dt = 'int32';
  if (kind === 'float' && !isFloat(dt)) dt = 'float32';
  if (a.dtype !== dt) a = cast(a, dt);
  if (b.dtype !== dt) b = cast(b, dt);
  const outDType: DType = kind === 'compare' || kind === 'logic' ? 'bool' : dt;
  const be_ = be();
  const h = be_.binary(
    op,
    a.handleOn(be_),
    a.shape,
    b.handleOn(be_),
    b.shape,
    outShape,
    dt,
    outDType,
  );
  const y = wrap(be_, h, outShape, outDType);
  if (!grad) return y;
  return record(name, [a, b], y, (dy) => {
    const [ga, gb] = grad(a, b, y, dy);
    return [ga && unbroadcast(ga, a.shape), gb && unbroadcast(gb, b.shape)];
  });
}

/** a + b, broadcast. @example add(tensor([1, 2]), 10) // [11, 12] */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('add', a, b, 'add', 'arith', (_a, _b, _y, dy) => [dy, dy]);
}

/** a − b, broadcast. @example sub(tensor([1, 2]), 1) // [0, 1] */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('sub', a, b, 'sub', 'arith', (_a, _b, _y, dy) => [dy, neg(dy)]);
}

/** a · b elementwise, broadcast. @example mul(tensor([1, 2]), 3) // [3, 6] */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('mul', a, b, 'mul', 'arith', (x, z, _y, dy) => [mul(dy, z), mul(dy, x)]);
}

/** a / b, true division (ints give float32); ∂/∂b = −a/b². @example div(tensor([1, 2]), 2) // [0.5, 1] */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('div', a, b, 'div', 'float', (_x, z, y, dy) => {
    const ga = div(dy, z);
    return [ga, neg(mul(ga, y))];
  });
}

/** ⌊a / b⌋; no gradient. @example floorDiv(tensor([7, -7]), 2) // [3, -4] */
export function floorDiv(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('floorDiv', a, b, 'floorDiv', 'arith', null);
}

/** a mod b with the sign of b (Python); ∂/∂a = 1, ∂/∂b = −⌊a/b⌋. @example mod(tensor([-1]), 3) // [2] */
export function mod(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('mod', a, b, 'mod', 'arith', (x, z, _y, dy) => [
    dy,
    neg(mul(dy, floorDiv(x, z))),
  ]);
}

/**
 * aᵇ; ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a (taken as 0 where a ≤ 0, as TensorFlow does).
 * @example pow(tensor([2, 3]), 2) // [4, 9]
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('pow', a, b, 'pow', 'arith', (x, z, y, dy) => {
    const ga = mul(dy, mul(z, pow(x, sub(z, 1))));
    const pos = greater(x, 0);
    const safeLog = where(pos, log(where(pos, x, 1)), 0);
    return [ga, mul(dy, mul(y, safeLog))];
  });
}

/** Elementwise max; NaN propagates; ties send the gradient to a. @example maximum(tensor([1, 5]), 3) // [3, 5] */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('maximum', a, b, 'maximum', 'arith', (x, z, _y, dy) => {
    const m = greaterEqual(x, z);
    return [where(m, dy, 0), where(m, 0, dy)];
  });
}

/** Elementwise min; NaN propagates; ties send the gradient to a. @example minimum(tensor([1, 5]), 3) // [1, 3] */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('minimum', a, b, 'minimum', 'arith', (x, z, _y, dy) => {
    const m = lessEqual(x, z);
    return [where(m, dy, 0), where(m, 0, dy)];
  });
}

/** (a − b)²; ∂/∂a = 2(a − b). @example squaredDifference(tensor([3]), 1) // [4] */
export function squaredDifference(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('squaredDifference', a, b, 'squaredDifference', 'arith', (x, z, _y, dy) => {
    const g = mul(dy, mul(sub(x, z), 2));
    return [g, neg(g)];
  });
}

/** atan2(a, b), the angle of (b, a); ∂/∂a = b/(a²+b²), ∂/∂b = −a/(a²+b²). @example atan2(tensor([1]), 1) // [π/4] */
export function atan2(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('atan2', a, b, 'atan2', 'float', (x, z, _y, dy) => {
    const r = div(dy, add(square(x), square(z)));
    return [mul(r, z), neg(mul(r, x))];
  });
}

/** a == b (bool). @example equal(tensor([1, 2]), 2) // [false, true] */
export function equal(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('equal', a, b, 'equal', 'compare', null);
}
/** a != b (bool). @example notEqual(tensor([1, 2]), 2) // [true, false] */
export function notEqual(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('notEqual', a, b, 'notEqual', 'compare', null);
}
/** a < b (bool). @example less(tensor([1, 2]), 2) // [true, false] */
export function less(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('less', a, b, 'less', 'compare', null);
}
/** a <= b (bool). @example lessEqual(tensor([1, 3]), 2) // [true, false] */
export function lessEqual(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('lessEqual', a, b, 'lessEqual', 'compare', null);
}
/** a > b (bool). @example greater(tensor([1, 3]), 2) // [false, true] */
export function greater(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('greater', a, b, 'greater', 'compare', null);
}
/** a >= b (bool). @example greaterEqual(tensor([1, 2]), 2) // [false, true] */
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('greaterEqual', a, b, 'greaterEqual', 'compare', null);
}
/** a AND b (bool). @example logicalAnd(tensor([true, true]), tensor([true, false])) // [true, false] */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('logicalAnd', a, b, 'logicalAnd', 'logic', null);
}
/** a OR b (bool). @example logicalOr(tensor([false, true]), false) // [false, true] */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('logicalOr', a, b, 'logicalOr', 'logic', null);
}

// ---------------------------------------------------------------- where, clip, cast

/**
 * Picks `a` where `cond` is true and `b` elsewhere; all three broadcast together. The gradient
 * goes to `a` where cond holds and to `b` elsewhere.
 *
 * Shape: broadcast of the three shapes.
 * @example where(tensor([true, false]), tensor([1, 2]), 0) // [1, 0]
 */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  let c = convertToTensor(cond, 'where', 'cond');
  if (c.dtype !== 'bool') c = cast(c, 'bool');
  let [x, z] = convertPair(a, b, 'where');
  const dt = upcast(x.dtype, z.dtype);
  if (x.dtype !== dt) x = cast(x, dt);
  if (z.dtype !== dt) z = cast(z, dt);
  const outShape = broadcastShapes(broadcastShapes(c.shape, x.shape, 'where'), z.shape, 'where');
  const b_ = be();
  const h = b_.where(
    c.handleOn(b_),
    c.shape,
    x.handleOn(b_),
    x.shape,
    z.handleOn(b_),
    z.shape,
    outShape,
    dt,
  );
  const y = wrap(b_, h, outShape, dt);
  return record('where', [x, z], y, (dy) => [
    unbroadcast(where(c, dy, 0), x.shape),
    unbroadcast(where(c, 0, dy), z.shape),
  ]);
}

/**
 * Clamps every element to `[lo, hi]`; NaN passes through. The gradient flows where
 * `lo ≤ x ≤ hi`.
 * @example clip(tensor([-2, 0.5, 3]), 0, 1) // [0, 0.5, 1]
 */
export function clip(x: TensorLike, lo: number, hi: number): Tensor {
  const t = convertToTensor(x, 'clip', 'x');
  if (
    typeof lo !== 'number' ||
    typeof hi !== 'number' ||
    Number.isNaN(lo) ||
    Number.isNaN(hi) ||
    lo > hi
  ) {
    throw new ValueError(`clip: need numbers lo <= hi, got lo=${lo}, hi=${hi}`);
  }
  if (t.dtype === 'bool') throw new DTypeError('clip: bool tensors cannot be clipped');
  const b = be();
  const y = wrap(b, b.clip(t.handleOn(b), t.size, lo, hi, t.dtype), t.shape, t.dtype);
  return record('clip', [t], y, (dy) => [
    where(logicalAnd(greaterEqual(t, lo), lessEqual(t, hi)), dy, 0),
  ]);
}

/**
 * Converts to another dtype with NumPy/TensorFlow semantics, identical on every backend:
 * - float → int32 truncates toward zero (`1.7 → 1`, `-1.7 → -1`). NaN, ±Infinity and values
 *   whose truncation lies outside [−2³¹, 2³¹ − 1] give −2147483648 (INT32_MIN), which is what
 *   `np.array([np.nan, 3e9]).astype(np.int32)` and `tf.cast` return on x86 (C leaves it
 *   undefined; Tessera fixes the x86 result rather than wrapping). Note that float32 cannot hold
 *   2147483647: it rounds to 2³¹, so a float32 2147483647 casts to INT32_MIN, as in NumPy.
 * - anything → bool: nonzero is true, zero is false; NaN is true (NumPy's rule).
 * - bool → number: 1 and 0. int32 → float32 rounds above 2²⁴; float64 → float32 rounds to nearest.
 *
 * Gradients pass between float dtypes only. Creating an int32 tensor from JS numbers
 * (`tensor([3e9], undefined, 'int32')`) does not cast: it throws, naming the value.
 * @example cast(tensor([1.7, -1.7, NaN]), 'int32') // [1, -1, -2147483648]
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  const t = convertToTensor(x, 'cast', 'x');
  if (!isDType(dtype)) throw new DTypeError(`cast: unknown dtype '${String(dtype)}'`);
  if (t.dtype === dtype) return t;
  const b = be();
  const y = wrap(b, b.cast(t.handleOn(b), t.size, t.dtype, dtype), t.shape, dtype);
  if (!isFloat(t.dtype)) return y;
  return record('cast', [t], y, (dy) => [cast(dy, t.dtype)]);
}

/** tanh x; d/dx = 1 − y². @example tanh(tensor([0])) // [0] */
export function tanh(x: TensorLike): Tensor {
  return unaryOp('tanh', x, 'tanh', true, (_x, y, dy) => mul(dy, sub(1, square(y))));
}
