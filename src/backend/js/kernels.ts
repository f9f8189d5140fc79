/**
 * Scalar element functions and index helpers of the reference backend. Plain loops over typed
 * arrays: simple and exact first; the fast backends override the hot paths.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import { type Shape, sizeOf, stridesOf } from '../../tensor/shape.js';
import type { BinaryOp, UnaryOp } from '../backend.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_PI = Math.sqrt(2 / Math.PI);

/**
 * erf(x) by the Abramowitz–Stegun 7.1.26-style rational approximation refined to double
 * accuracy (W. J. Cody's erf, max relative error ≈ 1e-15), so float64 gradient checks of gelu
 * see a smooth function.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // Taylor-like rational fit for small |x| (Cody, region 1).
    const t = x * x;
    const num =
      (((0.185777706184603153 * t + 3.1611237438705656) * t + 113.864154151050156) * t +
        377.485237685302021) *
        t +
      3209.37758913846947;
    const den =
      (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t +
      2844.23683343917062;
    return (x * num) / den;
  }
  return x > 0 ? 1 - erfc(ax) : erfc(ax) - 1;
}

/** Complementary error function for x ≥ 0.5 (Cody's regions 2 and 3). */
function erfc(x: number): number {
  if (x > 27) return 0;
  if (x < 4) {
    const num =
      (((((((2.15311535474403846e-8 * x + 0.564188496988670089) * x + 8.88314979438837594) * x +
        66.1191906371416295) *
        x +
        298.635138197400131) *
        x +
        881.95222124176909) *
        x +
        1712.04761263407058) *
        x +
        2051.07837782607147) *
        x +
      1230.33935479799725;
    const den =
      (((((((x + 15.7449261107098347) * x + 117.693950891312499) * x + 537.181101862009858) * x +
        1621.38957456669019) *
        x +
        3290.79923573345963) *
        x +
        4362.61909014324716) *
        x +
        3439.36767414372164) *
        x +
      1230.33935480374942;
    return (Math.exp(-x * x) * num) / den;
  }
  const z = 1 / (x * x);
  const num =
    ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z +
      0.125781726111229246) *
      z +
      0.0160837851487422766) *
      z +
    0.000658749161529837803;
  const den =
    ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z +
      0.0605183413124413191) *
      z +
    0.00233520497626869185;
  const r = (z * num) / den;
  return (Math.exp(-x * x) / x) * (1 / Math.sqrt(Math.PI) - r);
}

/** log(1 + exp(x)) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** σ(x) without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** The scalar function of each unary op. */
export function unaryFn(op: UnaryOp, alpha: number): (x: number) => number {
  switch (op) {
    case 'neg':
      return (x) => -x;
    case 'abs':
      return Math.abs;
    case 'sign':
      return (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : Number.NaN);
    case 'square':
      return (x) => x * x;
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'reciprocal':
      return (x) => 1 / x;
    case 'exp':
      return Math.exp;
    case 'expm1':
      return Math.expm1;
    case 'log':
      return Math.log;
    case 'log1p':
      return Math.log1p;
    case 'sin':
      return Math.sin;
    case 'cos':
      return Math.cos;
    case 'floor':
      return Math.floor;
    case 'ceil':
      return Math.ceil;
    case 'round':
      // Banker's rounding, as NumPy and TensorFlow round half to even.
      return (x) => {
        const r = Math.round(x);
        return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
      };
    case 'erf':
      return erf;
    case 'relu':
      return (x) => (x > 0 ? x : x === x ? 0 : x);
    case 'relu6':
      return (x) => (x > 6 ? 6 : x > 0 ? x : x === x ? 0 : x);
    case 'leakyRelu':
      return (x) => (x > 0 ? x : alpha * x);
    case 'elu':
      return (x) => (x > 0 ? x : alpha * Math.expm1(x));
    case 'selu':
      return (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x));
    case 'sigmoid':
      return sigmoid;
    case 'tanh':
      return Math.tanh;
    case 'softplus':
      return softplus;
    case 'softsign':
      return (x) => x / (1 + Math.abs(x));
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x * SQRT1_2));
    case 'geluTanh':
      return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_PI * (x + 0.044715 * x * x * x)));
    case 'silu':
      return (x) => x * sigmoid(x);
    case 'step':
      return (x) => (x > 0 ? 1 : x === x ? 0 : x);
    case 'logicalNot':
      return (x) => (x ? 0 : 1);
    case 'isNaN':
      return (x) => (Number.isNaN(x) ? 1 : 0);
    case 'isFinite':
      return (x) => (Number.isFinite(x) ? 1 : 0);
  }
}

/** The scalar function of each binary op (used off the fast paths). */
export function binaryFn(op: BinaryOp, isInt: boolean): (a: number, b: number) => number {
  switch (op) {
    case 'add':
      return (a, b) => a + b;
    case 'sub':
      return (a, b) => a - b;
    case 'mul':
      return (a, b) => a * b;
    case 'div':
      // Integer division truncates like TensorFlow's int div would floor; keep NumPy's true div
      // for floats. Division of ints is routed to float by the op layer.
      return (a, b) => a / b;
    case 'floorDiv':
      return (a, b) => Math.floor(a / b);
    case 'mod':
      // Python/NumPy modulo: the result has the sign of the divisor.
      return (a, b) => {
        const r = a % b;
        return r !== 0 && r < 0 !== b < 0 ? r + b : r;
      };
    case 'pow':
      return isInt ? (a, b) => Math.trunc(a ** b) : (a, b) => a ** b;
    case 'maximum':
      return (a, b) => (a > b || a !== a ? a : b);
    case 'minimum':
      return (a, b) => (a < b || a !== a ? a : b);
    case 'squaredDifference':
      return (a, b) => (a - b) * (a - b);
    case 'reluGrad':
      // relu's backward: dy (b) where x (a) > 0, else 0 (NaN in x gives 0).
      return (a, b) => (a > 0 ? b : 0);
    case 'atan2':
      return Math.atan2;
    case 'equal':
      return (a, b) => (a === b ? 1 : 0);
    case 'notEqual':
      return (a, b) => (a !== b ? 1 : 0);
    case 'less':
      return (a, b) => (a < b ? 1 : 0);
    case 'lessEqual':
      return (a, b) => (a <= b ? 1 : 0);
    case 'greater':
      return (a, b) => (a > b ? 1 : 0);
    case 'greaterEqual':
      return (a, b) => (a >= b ? 1 : 0);
    case 'logicalAnd':
      return (a, b) => (a && b ? 1 : 0);
    case 'logicalOr':
      return (a, b) => (a || b ? 1 : 0);
  }
}

/**
 * Copies `src` into a fresh contiguous `dst` of `outShape`, reading element `i` (multi-index
 * `(i₀…iₙ)`) at `offset + Σ iₖ·strides[k]`. Zero strides broadcast, permuted strides
 * transpose, scaled strides slice: one loop serves all three movement primitives.
 */
export function stridedCopy(
  src: TypedArray,
  offset: number,
  strides: readonly number[],
  outShape: Shape,
  dst: TypedArray,
): void {
  const size = sizeOf(outShape);
  if (size === 0) return;
  if (outShape.length === 0) {
    dst[0] = src[offset]!;
    return;
  }
  // Merge axes that walk memory as one run (axis d steps exactly over the whole of d + 1), so a
  // row slice of a [n, 784] batch is one contiguous copy, not 128 rows of 784.
  const shp: number[] = [];
  const st: number[] = [];
  for (let d = 0; d < outShape.length; d++) {
    const k = shp.length - 1;
    if (outShape[d] === 1) continue;
    if (k >= 0 && st[k] === strides[d]! * outShape[d]!) {
      shp[k]! *= outShape[d];
      st[k] = strides[d]!;
    } else {
      shp.push(outShape[d]!);
      st.push(strides[d]!);
    }
  }
  if (shp.length === 0) {
    dst[0] = src[offset]!;
    return;
  }
  const last = shp.length - 1;
  const n = shp[last]!;
  const s = st[last]!;
  // Long contiguous runs go through the engine's memcpy (typed-array set).
  const bulk = s === 1 && n >= 64 && src.constructor === dst.constructor;
  const idx = new Array<number>(shp.length).fill(0);
  let base = offset;
  for (let o = 0; o < size; o += n) {
    if (bulk) {
      (dst as Float32Array).set((src as Float32Array).subarray(base, base + n), o);
    } else if (s === 1) {
      for (let j = 0; j < n; j++) dst[o + j] = src[base + j]!;
    } else {
      for (let j = 0, p = base; j < n; j++, p += s) dst[o + j] = src[p]!;
    }
    // Advance the odometer over all axes but the last.
    for (let d = last - 1; d >= 0; d--) {
      idx[d]!++;
      base += st[d]!;
      if (idx[d]! < shp[d]!) break;
      base -= st[d]! * shp[d]!;
      idx[d] = 0;
    }
  }
}

/** Strides of `inShape` aligned to `outShape` for broadcasting: 0 on broadcast axes. */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const st = stridesOf(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((_, i) => {
    const j = i - off;
    return j < 0 || inShape[j] === 1 ? 0 : st[j]!;
  });
}

/**
 * For each element of `outShape`, the flat index of the `inShape` element that broadcasts onto
 * it.
 */
export function broadcastIndex(inShape: Shape, outShape: Shape): Int32Array {
  const size = sizeOf(outShape);
  const out = new Int32Array(size);
  const rank = outShape.length;
  if (size === 0) return out;
  const st = broadcastStrides(inShape, outShape);
  const idx = new Array<number>(rank).fill(0);
  let p = 0;
  for (let i = 0; i < size; i++) {
    out[i] = p;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      p += st[d]!;
      if (idx[d]! < outShape[d]!) break;
      p -= st[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
