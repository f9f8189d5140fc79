// Vector transcendental functions on f32x4 (Cephes single-precision polynomials, ~1–2 ulp).
// Special values follow Math.*: NaN propagates, exp(±∞) = ∞ / 0, log(0) = −∞, log(x < 0) = NaN.

// @ts-ignore: decorator
@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

// @ts-ignore: decorator
@inline function fma(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}

/** 2^n for i32 lanes n in [−126, 127], as f32 lanes. */
// @ts-ignore: decorator
@inline function pow2i(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/** e^x per lane. */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  // Clamping keeps the exponent arithmetic in range; beyond ±104 the two scale factors below
  // still overflow to ∞ or underflow to 0, as e^x does. min/max propagate NaN.
  x = f32x4.max(f32x4.min(x, splat(89.0)), splat(-104.0));
  const fx = f32x4.nearest(f32x4.mul(x, splat(1.44269504088896341)));
  // Cody–Waite: ln 2 split into an exactly representable head and a small tail.
  let r = f32x4.sub(x, f32x4.mul(fx, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, splat(-2.12194440e-4)));
  const z = f32x4.mul(r, r);
  let y = splat(1.9875691500e-4);
  y = fma(y, r, splat(1.3981999507e-3));
  y = fma(y, r, splat(8.3334519073e-3));
  y = fma(y, r, splat(4.1665795894e-2));
  y = fma(y, r, splat(1.6666665459e-1));
  y = fma(y, r, splat(5.0000001201e-1));
  y = f32x4.add(fma(y, z, r), splat(1.0));
  // 2^n as two factors so that n in [−150, 128] never leaves the normal exponent range.
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  return f32x4.mul(f32x4.mul(y, pow2i(n1)), pow2i(n2));
}

/** Natural log per lane. */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  // Subnormals: scale by 2^23 first so the exponent field is meaningful.
  const tiny = f32x4.lt(x, splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, splat(8388608.0)), x, tiny);
  const bits = xs;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  // m in [0.5, 1); fold to [√½, √2) − 1 for the polynomial.
  const small = f32x4.lt(m, splat(0.707106781186547524));
  e = i32x4.add(e, small); // mask lanes are −1
  m = f32x4.sub(f32x4.add(m, v128.and(m, small)), splat(1.0));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let y = splat(7.0376836292e-2);
  y = fma(y, m, splat(-1.1514610310e-1));
  y = fma(y, m, splat(1.1676998740e-1));
  y = fma(y, m, splat(-1.2420140846e-1));
  y = fma(y, m, splat(1.4249322787e-1));
  y = fma(y, m, splat(-1.6668057665e-1));
  y = fma(y, m, splat(2.0000714765e-1));
  y = fma(y, m, splat(-2.4999993993e-1));
  y = fma(y, m, splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = fma(ef, splat(-2.12194440e-4), y);
  y = fma(z, splat(-0.5), y);
  let r = f32x4.add(m, y);
  r = fma(ef, splat(0.693359375), r);
  r = v128.bitselect(splat(-Infinity), r, f32x4.eq(x, splat(0)));
  r = v128.bitselect(splat(NaN), r, v128.or(f32x4.lt(x, splat(0)), f32x4.ne(x, x)));
  return v128.bitselect(splat(Infinity), r, f32x4.eq(x, splat(Infinity)));
}

/** log(1 + u) for u ≥ 0, accurate for tiny u (Goldberg: log(w)·u/(w − 1) with w = 1 + u). */
// @ts-ignore: decorator
@inline export function vlog1pPos(u: v128): v128 {
  const w = f32x4.add(u, splat(1.0));
  const d = f32x4.sub(w, splat(1.0));
  const r = f32x4.mul(vlog(w), f32x4.div(u, d));
  // d = 0 (u below half an ulp of 1) → log1p(u) = u; u = ∞ → ∞ (∞/∞ would be NaN).
  const keep = v128.or(f32x4.eq(d, splat(0)), f32x4.eq(u, splat(Infinity)));
  return v128.bitselect(u, r, keep);
}

/** tanh per lane. */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| ≥ 0.625: 1 − 2/(e^{2|x|} + 1) with the sign of x; e^{2|x|} = ∞ gives exactly 1.
  const e = vexp(f32x4.add(ax, ax));
  const big = f32x4.sub(splat(1.0), f32x4.div(splat(2.0), f32x4.add(e, splat(1.0))));
  const bigS = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  // |x| < 0.625: odd polynomial, no cancellation near 0.
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = fma(p, z, splat(2.06390887954e-2));
  p = fma(p, z, splat(-5.37397155531e-2));
  p = fma(p, z, splat(1.33314422036e-1));
  p = fma(p, z, splat(-3.33332819422e-1));
  const poly = fma(f32x4.mul(p, z), x, x);
  // ±0 must keep its sign (the polynomial gives +0 for −0).
  const r = v128.bitselect(bigS, poly, f32x4.ge(ax, splat(0.625)));
  return v128.bitselect(x, r, f32x4.eq(x, splat(0)));
}

/** 1 / (1 + e^−x), with e^x / (1 + e^x) for x < 0 so neither side overflows. */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(splat(1.0), f32x4.add(splat(1.0), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, splat(0)));
}

/** e^x − 1 per lane, without cancellation near 0 (Taylor series for |x| < 0.35). */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  let p = splat(1.0 / 5040.0);
  p = fma(p, x, splat(1.0 / 720.0));
  p = fma(p, x, splat(1.0 / 120.0));
  p = fma(p, x, splat(1.0 / 24.0));
  p = fma(p, x, splat(1.0 / 6.0));
  p = fma(p, x, splat(0.5));
  const taylor = fma(f32x4.mul(p, x), x, x);
  const direct = f32x4.sub(vexp(x), splat(1.0));
  const r = v128.bitselect(taylor, direct, f32x4.lt(f32x4.abs(x), splat(0.35)));
  return v128.bitselect(x, r, f32x4.eq(x, splat(0)));
}

/** log(1 + e^x) without overflow: max(x, 0) + log1p(e^−|x|). */
// @ts-ignore: decorator
@inline export function vsoftplus(x: v128): v128 {
  const t = vlog1pPos(vexp(f32x4.neg(f32x4.abs(x))));
  return f32x4.add(f32x4.max(x, splat(0)), t);
}
