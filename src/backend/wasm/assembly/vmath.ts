// Vector transcendental functions on f32x4 (Cephes single-precision polynomials, ~1–2 ulp).
// Special values follow Math.*: NaN propagates, exp(±∞) = ∞ / 0, log(0) = −∞, log(x < 0) = NaN.
//
// Vector constants come from a table in linear memory rather than v128.const: V8 rebuilds a
// v128.const from general registers at every use (about four instructions), while a load from
// L1 is one. Measured: exp 35 % faster, log and tanh about 2× faster.

// Table slots (one 16-byte vector each).
// @ts-ignore: decorator
@inline const ONE = 0;
// @ts-ignore: decorator
@inline const TWO = 1;
// @ts-ignore: decorator
@inline const HALF = 2;
// @ts-ignore: decorator
@inline const SIX = 3;
// @ts-ignore: decorator
@inline const INF = 4;
// @ts-ignore: decorator
@inline const NEG_INF = 5;
// @ts-ignore: decorator
@inline const QNAN = 6;
// @ts-ignore: decorator
@inline const SIGN = 7;
// @ts-ignore: decorator
@inline const EXP_HI = 8;
// @ts-ignore: decorator
@inline const EXP_LO = 9;
// @ts-ignore: decorator
@inline const MAGIC = 10;
// @ts-ignore: decorator
@inline const LOG2E = 11;
// @ts-ignore: decorator
@inline const LN2_HI = 12;
// @ts-ignore: decorator
@inline const LN2_LO = 13;
// @ts-ignore: decorator
@inline const EXP_P0 = 14; // ..EXP_P0 + 5
// @ts-ignore: decorator
@inline const I127 = 20;
// @ts-ignore: decorator
@inline const MIN_NORMAL = 21;
// @ts-ignore: decorator
@inline const TWO23 = 22;
// @ts-ignore: decorator
@inline const I23 = 23;
// @ts-ignore: decorator
@inline const I126 = 24;
// @ts-ignore: decorator
@inline const MANT = 25;
// @ts-ignore: decorator
@inline const HALF_EXP = 26;
// @ts-ignore: decorator
@inline const SQRTHF = 27;
// @ts-ignore: decorator
@inline const LOG_P0 = 28; // ..LOG_P0 + 8
// @ts-ignore: decorator
@inline const NEG_HALF = 37;
// @ts-ignore: decorator
@inline const TANH_SMALL = 38;
// @ts-ignore: decorator
@inline const TANH_P0 = 39; // ..TANH_P0 + 4
// @ts-ignore: decorator
@inline const EXPM1_SMALL = 44;
// @ts-ignore: decorator
@inline const EXPM1_P0 = 45; // ..EXPM1_P0 + 5
// @ts-ignore: decorator
@inline const SLOTS = 51;

const TABLE = memory.data(SLOTS << 4, 16);

function setF(i: i32, v: f32): void {
  v128.store(TABLE + (<usize>i << 4), f32x4.splat(v));
}

function setI(i: i32, v: i32): void {
  v128.store(TABLE + (<usize>i << 4), i32x4.splat(v));
}

/** The constant vector in table slot i. */
// @ts-ignore: decorator
@inline export function kv(i: i32): v128 {
  return v128.load(TABLE + (<usize>i << 4));
}

// Filled once, by the module's start function.
setF(ONE, 1.0);
setF(TWO, 2.0);
setF(HALF, 0.5);
setF(SIX, 6.0);
setF(INF, Infinity);
setF(NEG_INF, -Infinity);
setF(QNAN, NaN);
setI(SIGN, 0x80000000);
setF(EXP_HI, 89.0);
setF(EXP_LO, -104.0);
setF(MAGIC, 12582912.0);
setF(LOG2E, 1.44269504088896341);
setF(LN2_HI, 0.693359375);
setF(LN2_LO, -2.12194440e-4);
setF(EXP_P0, 1.9875691500e-4);
setF(EXP_P0 + 1, 1.3981999507e-3);
setF(EXP_P0 + 2, 8.3334519073e-3);
setF(EXP_P0 + 3, 4.1665795894e-2);
setF(EXP_P0 + 4, 1.6666665459e-1);
setF(EXP_P0 + 5, 5.0000001201e-1);
setI(I127, 127);
setF(MIN_NORMAL, 1.17549435e-38);
setF(TWO23, 8388608.0);
setI(I23, 23);
setI(I126, 126);
setI(MANT, 0x007fffff);
setI(HALF_EXP, 0x3f000000);
setF(SQRTHF, 0.707106781186547524);
setF(LOG_P0, 7.0376836292e-2);
setF(LOG_P0 + 1, -1.1514610310e-1);
setF(LOG_P0 + 2, 1.1676998740e-1);
setF(LOG_P0 + 3, -1.2420140846e-1);
setF(LOG_P0 + 4, 1.4249322787e-1);
setF(LOG_P0 + 5, -1.6668057665e-1);
setF(LOG_P0 + 6, 2.0000714765e-1);
setF(LOG_P0 + 7, -2.4999993993e-1);
setF(LOG_P0 + 8, 3.3333331174e-1);
setF(NEG_HALF, -0.5);
setF(TANH_SMALL, 0.625);
setF(TANH_P0, -5.70498872745e-3);
setF(TANH_P0 + 1, 2.06390887954e-2);
setF(TANH_P0 + 2, -5.37397155531e-2);
setF(TANH_P0 + 3, 1.33314422036e-1);
setF(TANH_P0 + 4, -3.33332819422e-1);
setF(EXPM1_SMALL, 0.35);
setF(EXPM1_P0, 1.0 / 5040.0);
setF(EXPM1_P0 + 1, 1.0 / 720.0);
setF(EXPM1_P0 + 2, 1.0 / 120.0);
setF(EXPM1_P0 + 3, 1.0 / 24.0);
setF(EXPM1_P0 + 4, 1.0 / 6.0);
setF(EXPM1_P0 + 5, 0.5);

// Slots used by the elementwise kernels.
// @ts-ignore: decorator
@inline export const K_ONE = ONE;
// @ts-ignore: decorator
@inline export const K_SIX = SIX;
// @ts-ignore: decorator
@inline export const K_TWO = TWO;

// @ts-ignore: decorator
@inline function fma(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}

/** 2^n for i32 lanes n in [−126, 127], as f32 lanes. */
// @ts-ignore: decorator
@inline function pow2i(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, kv(I127)), 23);
}

/** e^x per lane. */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  // Clamping keeps the exponent arithmetic in range; beyond ±104 the two scale factors below
  // still overflow to ∞ or underflow to 0, as e^x does. pmin/pmax (one instruction each,
  // unlike min/max) keep a NaN x because it compares false.
  x = f32x4.pmax(f32x4.pmin(x, kv(EXP_HI)), kv(EXP_LO));
  // Adding 1.5·2^23 rounds to the nearest integer and leaves it in the low mantissa bits,
  // cheaper than nearest + trunc_sat (several instructions each on x64).
  const magic = kv(MAGIC);
  const t = f32x4.add(f32x4.mul(x, kv(LOG2E)), magic);
  const fx = f32x4.sub(t, magic);
  // Cody–Waite: ln 2 split into an exactly representable head and a small tail.
  let r = f32x4.sub(x, f32x4.mul(fx, kv(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(fx, kv(LN2_LO)));
  const z = f32x4.mul(r, r);
  let y = kv(EXP_P0);
  y = fma(y, r, kv(EXP_P0 + 1));
  y = fma(y, r, kv(EXP_P0 + 2));
  y = fma(y, r, kv(EXP_P0 + 3));
  y = fma(y, r, kv(EXP_P0 + 4));
  y = fma(y, r, kv(EXP_P0 + 5));
  y = f32x4.add(fma(y, z, r), kv(ONE));
  // 2^n as two factors so that n in [−150, 128] never leaves the normal exponent range.
  const n = i32x4.sub(t, magic);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  return f32x4.mul(f32x4.mul(y, pow2i(n1)), pow2i(n2));
}

/** Natural log per lane. */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  // Subnormals: scale by 2^23 first so the exponent field is meaningful.
  const tiny = f32x4.lt(x, kv(MIN_NORMAL));
  const bits = v128.bitselect(f32x4.mul(x, kv(TWO23)), x, tiny);
  let e = i32x4.sub(i32x4.shr_u(bits, 23), kv(I126));
  e = i32x4.sub(e, v128.and(tiny, kv(I23)));
  let m = v128.or(v128.and(bits, kv(MANT)), kv(HALF_EXP));
  // m in [0.5, 1); fold to [√½, √2) − 1 for the polynomial.
  const small = f32x4.lt(m, kv(SQRTHF));
  e = i32x4.add(e, small); // mask lanes are −1
  m = f32x4.sub(f32x4.add(m, v128.and(m, small)), kv(ONE));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let y = kv(LOG_P0);
  y = fma(y, m, kv(LOG_P0 + 1));
  y = fma(y, m, kv(LOG_P0 + 2));
  y = fma(y, m, kv(LOG_P0 + 3));
  y = fma(y, m, kv(LOG_P0 + 4));
  y = fma(y, m, kv(LOG_P0 + 5));
  y = fma(y, m, kv(LOG_P0 + 6));
  y = fma(y, m, kv(LOG_P0 + 7));
  y = fma(y, m, kv(LOG_P0 + 8));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = fma(ef, kv(LN2_LO), y);
  y = fma(z, kv(NEG_HALF), y);
  let r = f32x4.add(m, y);
  r = fma(ef, kv(LN2_HI), r);
  const zero = f32x4.splat(0);
  r = v128.bitselect(kv(NEG_INF), r, f32x4.eq(x, zero));
  r = v128.bitselect(kv(QNAN), r, v128.or(f32x4.lt(x, zero), f32x4.ne(x, x)));
  return v128.bitselect(kv(INF), r, f32x4.eq(x, kv(INF)));
}

/** log(1 + u) for u ≥ 0, accurate for tiny u (Goldberg: log(w)·u/(w − 1) with w = 1 + u). */
// @ts-ignore: decorator
@inline export function vlog1pPos(u: v128): v128 {
  const one = kv(ONE);
  const w = f32x4.add(u, one);
  const d = f32x4.sub(w, one);
  const r = f32x4.mul(vlog(w), f32x4.div(u, d));
  // d = 0 (u below half an ulp of 1) → log1p(u) = u; u = ∞ → ∞ (∞/∞ would be NaN).
  const keep = v128.or(f32x4.eq(d, f32x4.splat(0)), f32x4.eq(u, kv(INF)));
  return v128.bitselect(u, r, keep);
}

/** tanh per lane. */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const one = kv(ONE);
  // |x| ≥ 0.625: 1 − 2/(e^{2|x|} + 1) with the sign of x; e^{2|x|} = ∞ gives exactly 1.
  const e = vexp(f32x4.add(ax, ax));
  const big = f32x4.sub(one, f32x4.div(kv(TWO), f32x4.add(e, one)));
  const bigS = v128.or(big, v128.and(x, kv(SIGN)));
  // |x| < 0.625: odd polynomial, no cancellation near 0.
  const z = f32x4.mul(x, x);
  let p = kv(TANH_P0);
  p = fma(p, z, kv(TANH_P0 + 1));
  p = fma(p, z, kv(TANH_P0 + 2));
  p = fma(p, z, kv(TANH_P0 + 3));
  p = fma(p, z, kv(TANH_P0 + 4));
  const poly = fma(f32x4.mul(p, z), x, x);
  // ±0 must keep its sign (the polynomial gives +0 for −0).
  const r = v128.bitselect(bigS, poly, f32x4.ge(ax, kv(TANH_SMALL)));
  return v128.bitselect(x, r, f32x4.eq(x, f32x4.splat(0)));
}

/**
 * 1 − tanh|x| = 2e^{−2|x|} / (1 + e^{−2|x|}) per lane, without the cancellation of 1 − tanh
 * near saturation (0 for |x| = ∞, NaN for NaN). With it, tanh x = {@link vtanhFromComp} and
 * 1 − tanh² x = q·(2 − q), both accurate where tanh is close to ±1.
 */
// @ts-ignore: decorator
@inline export function vtanhComp(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = vexp(f32x4.neg(f32x4.add(ax, ax)));
  return f32x4.div(f32x4.add(e, e), f32x4.add(kv(ONE), e));
}

/** tanh per lane given q = {@link vtanhComp}(x): sign(x)·(1 − q), or the odd polynomial near 0. */
// @ts-ignore: decorator
@inline export function vtanhFromComp(x: v128, q: v128): v128 {
  const bigS = v128.or(f32x4.sub(kv(ONE), q), v128.and(x, kv(SIGN)));
  const z = f32x4.mul(x, x);
  let p = kv(TANH_P0);
  p = fma(p, z, kv(TANH_P0 + 1));
  p = fma(p, z, kv(TANH_P0 + 2));
  p = fma(p, z, kv(TANH_P0 + 3));
  p = fma(p, z, kv(TANH_P0 + 4));
  const poly = fma(f32x4.mul(p, z), x, x);
  const r = v128.bitselect(bigS, poly, f32x4.ge(f32x4.abs(x), kv(TANH_SMALL)));
  return v128.bitselect(x, r, f32x4.eq(x, f32x4.splat(0)));
}

/** 1 / (1 + e^−x), with e^x / (1 + e^x) for x < 0 so neither side overflows. */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  const one = kv(ONE);
  const e = vexp(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(one, f32x4.add(one, e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, f32x4.splat(0)));
}

/** e^x − 1 per lane, without cancellation near 0 (Taylor series for |x| < 0.35). */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  let p = kv(EXPM1_P0);
  p = fma(p, x, kv(EXPM1_P0 + 1));
  p = fma(p, x, kv(EXPM1_P0 + 2));
  p = fma(p, x, kv(EXPM1_P0 + 3));
  p = fma(p, x, kv(EXPM1_P0 + 4));
  p = fma(p, x, kv(EXPM1_P0 + 5));
  const taylor = fma(f32x4.mul(p, x), x, x);
  const direct = f32x4.sub(vexp(x), kv(ONE));
  const r = v128.bitselect(taylor, direct, f32x4.lt(f32x4.abs(x), kv(EXPM1_SMALL)));
  // ±0 keeps its sign (the series gives +0 for −0).
  return v128.bitselect(x, r, f32x4.eq(x, f32x4.splat(0)));
}

/** log(1 + e^x) without overflow: max(x, 0) + log1p(e^−|x|). */
// @ts-ignore: decorator
@inline export function vsoftplus(x: v128): v128 {
  const t = vlog1pPos(vexp(f32x4.neg(f32x4.abs(x))));
  return f32x4.add(f32x4.pmax(x, f32x4.splat(0)), t); // pmax keeps a NaN x
}
