// Fused LSTM gate kernels (Keras gate order i, f, c, o; sigmoid gates, tanh cell), one row of
// the batch at a time, four units per vector.
//
// Rows are `units` long, which need not be a multiple of 4: the last vector of each gate may
// read up to 3 lanes past it (into the next gate, the next row or the host's slack after the
// buffer, all readable), but only its valid lanes are stored.
import { K_ONE, K_TWO, kv, vexp, vsigmoid, vtanh, vtanhComp, vtanhFromComp } from './vmath';

/** Stores the first r lanes of v at p (r = 4: the whole vector). */
// @ts-ignore: decorator
@inline function storeN(p: usize, v: v128, r: i32): void {
  if (r == 4) {
    v128.store(p, v);
  } else if (r == 3) {
    v128.store64_lane(p, v, 0);
    v128.store32_lane(p, v, 2, 8);
  } else if (r == 2) {
    v128.store64_lane(p, v, 0);
  } else {
    v128.store32_lane(p, v, 0);
  }
}

// @ts-ignore: decorator
@inline function cellAt(z: usize, c: usize, h: usize, u: usize, r: i32): void {
  const i = vsigmoid(v128.load(z));
  const f = vsigmoid(v128.load(z + u));
  const g = vtanh(v128.load(z + 2 * u));
  const o = vsigmoid(v128.load(z + 3 * u));
  const c2 = f32x4.add(f32x4.mul(f, v128.load(c)), f32x4.mul(i, g));
  storeN(h, f32x4.mul(o, vtanh(c2)), r);
  storeN(h + u, c2, r);
}

/**
 * hc[b] = [h', c'] from z[b] = [z_i, z_f, z_c, z_o] and c[b], for b < batch:
 * c' = σ(z_f)·c + σ(z_i)·tanh(z_c), h' = σ(z_o)·tanh(c'). hc may not alias the inputs.
 */
export function lstmCell(z: usize, c: usize, hc: usize, batch: i32, units: i32): void {
  const u = <usize>units << 2;
  const full = <usize>(units & ~3) << 2;
  const rem = units & 3;
  for (let b = 0; b < batch; b++) {
    const zr = z + <usize>b * (u << 2);
    const cr = c + <usize>b * u;
    const hr = hc + <usize>b * (u << 1);
    let o: usize = 0;
    for (; o < full; o += 16) cellAt(zr + o, cr + o, hr + o, u, 4);
    if (rem == 3) cellAt(zr + o, cr + o, hr + o, u, 3);
    else if (rem == 2) cellAt(zr + o, cr + o, hr + o, u, 2);
    else if (rem == 1) cellAt(zr + o, cr + o, hr + o, u, 1);
  }
}

// σ(x) and 1 − σ(x) from e = e^−|x| and r = 1/(1 + e): r and e·r, swapped for x < 0, so that
// neither loses precision where the gate saturates.
// @ts-ignore: decorator
@inline function sigE(x: v128): v128 {
  return vexp(f32x4.neg(f32x4.abs(x)));
}

// @ts-ignore: decorator
@inline function sigOf(x: v128, e: v128, r: v128): v128 {
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline function sigCompOf(x: v128, e: v128, r: v128): v128 {
  return v128.bitselect(f32x4.mul(e, r), r, f32x4.ge(x, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline function gradAt(
  z: usize,
  c: usize,
  h: usize,
  d: usize,
  dz: usize,
  dc: usize,
  u: usize,
  r: i32,
): void {
  const one = kv(K_ONE);
  const two = kv(K_TWO);
  const zi = v128.load(z);
  const zf = v128.load(z + u);
  const zc = v128.load(z + 2 * u);
  const zo = v128.load(z + 3 * u);
  const ei = sigE(zi);
  const ri = f32x4.div(one, f32x4.add(one, ei));
  const ef = sigE(zf);
  const rf = f32x4.div(one, f32x4.add(one, ef));
  const eo = sigE(zo);
  const ro = f32x4.div(one, f32x4.add(one, eo));
  const i = sigOf(zi, ei, ri);
  const f = sigOf(zf, ef, rf);
  const o = sigOf(zo, eo, ro);
  // 1 − tanh² = q·(2 − q) with q = 1 − tanh|x|.
  const qg = vtanhComp(zc);
  const g = vtanhFromComp(zc, qg);
  const c2 = v128.load(h + u);
  const qc = vtanhComp(c2);
  const tc = vtanhFromComp(c2, qc);
  const dh = v128.load(d);
  const dc2 = f32x4.add(
    v128.load(d + u),
    f32x4.mul(f32x4.mul(dh, o), f32x4.mul(qc, f32x4.sub(two, qc))),
  );
  storeN(dz, f32x4.mul(f32x4.mul(f32x4.mul(dc2, g), i), sigCompOf(zi, ei, ri)), r);
  storeN(dz + u, f32x4.mul(f32x4.mul(f32x4.mul(dc2, v128.load(c)), f), sigCompOf(zf, ef, rf)), r);
  storeN(dz + 2 * u, f32x4.mul(f32x4.mul(dc2, i), f32x4.mul(qg, f32x4.sub(two, qg))), r);
  storeN(dz + 3 * u, f32x4.mul(f32x4.mul(f32x4.mul(dh, tc), o), sigCompOf(zo, eo, ro)), r);
  storeN(dc, f32x4.mul(dc2, f), r);
}

/**
 * The gradient of {@link lstmCell}: from dhc[b] = [dh', dc'] and the forward output hc,
 * dc'' = dc' + dh'·σ(z_o)·(1 − tanh² c') and
 * dz = [dc''·tanh(z_c)·σ'(z_i), dc''·c·σ'(z_f), dc''·σ(z_i)·(1 − tanh² z_c), dh'·tanh(c')·σ'(z_o)],
 * dc = dc''·σ(z_f). The outputs may not alias the inputs.
 */
export function lstmCellGrad(
  z: usize,
  c: usize,
  hc: usize,
  dhc: usize,
  dz: usize,
  dc: usize,
  batch: i32,
  units: i32,
): void {
  const u = <usize>units << 2;
  const full = <usize>(units & ~3) << 2;
  const rem = units & 3;
  for (let b = 0; b < batch; b++) {
    const zr = z + <usize>b * (u << 2);
    const cr = c + <usize>b * u;
    const hr = hc + <usize>b * (u << 1);
    const dr = dhc + <usize>b * (u << 1);
    const dzr = dz + <usize>b * (u << 2);
    const dcr = dc + <usize>b * u;
    let o: usize = 0;
    for (; o < full; o += 16) gradAt(zr + o, cr + o, hr + o, dr + o, dzr + o, dcr + o, u, 4);
    if (rem == 3) gradAt(zr + o, cr + o, hr + o, dr + o, dzr + o, dcr + o, u, 3);
    else if (rem == 2) gradAt(zr + o, cr + o, hr + o, dr + o, dzr + o, dcr + o, u, 2);
    else if (rem == 1) gradAt(zr + o, cr + o, hr + o, dr + o, dzr + o, dcr + o, u, 1);
  }
}
