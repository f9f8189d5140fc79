/**
 * The recurrent cells' gates as plain loops in double precision: the js backend's kernels and
 * the reference the fused native and wasm kernels are checked against (BaseBackend composes
 * the same formulas from primitives for backends without host access).
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { hostArray } from '../host_arena.js';
import { sigmoid } from './kernels.js';

/**
 * LSTM gates as one loop in double precision (the reference the fused kernels are checked
 * against; BaseBackend's version composes primitives).
 */
export function lstmCellRef(
  zv: TypedArray,
  cv: TypedArray,
  batch: number,
  units: number,
  dtype: DType,
): TypedArray {
  const out = hostArray(dtype, batch * 2 * units);
  const u = units;
  for (let b = 0; b < batch; b++) {
    const zr = b * 4 * u;
    for (let j = 0; j < u; j++) {
      const i = sigmoid(zv[zr + j]!);
      const f = sigmoid(zv[zr + u + j]!);
      const g = Math.tanh(zv[zr + 2 * u + j]!);
      const o = sigmoid(zv[zr + 3 * u + j]!);
      const c2 = f * cv[b * u + j]! + i * g;
      out[b * 2 * u + j] = o * Math.tanh(c2);
      out[b * 2 * u + u + j] = c2;
    }
  }
  return out;
}

export function lstmCellGradRef(
  zv: TypedArray,
  cv: TypedArray,
  hcv: TypedArray,
  dv: TypedArray,
  batch: number,
  units: number,
  dtype: DType,
): [TypedArray, TypedArray] {
  const u = units;
  const dz = hostArray(dtype, batch * 4 * u);
  const dc = hostArray(dtype, batch * u);
  for (let b = 0; b < batch; b++) {
    const zr = b * 4 * u;
    for (let j = 0; j < u; j++) {
      const i = sigmoid(zv[zr + j]!);
      const f = sigmoid(zv[zr + u + j]!);
      const g = Math.tanh(zv[zr + 2 * u + j]!);
      const o = sigmoid(zv[zr + 3 * u + j]!);
      const c2 = hcv[b * 2 * u + u + j]!;
      const tc = Math.tanh(c2);
      const dh = dv[b * 2 * u + j]!;
      // dc' collects the direct gradient of c' and the part flowing through h' = o·tanh(c').
      const dc2 = dv[b * 2 * u + u + j]! + dh * o * (1 - tc * tc);
      dz[zr + j] = dc2 * g * i * (1 - i);
      dz[zr + u + j] = dc2 * cv[b * u + j]! * f * (1 - f);
      dz[zr + 2 * u + j] = dc2 * i * (1 - g * g);
      dz[zr + 3 * u + j] = dh * tc * o * (1 - o);
      dc[b * u + j] = dc2 * f;
    }
  }
  return [dz, dc];
}

/** GRU gates (reset after the recurrent matmul) as one loop in double precision. */
export function gruCellRef(
  xv: TypedArray,
  rv: TypedArray,
  hv: TypedArray,
  batch: number,
  units: number,
  dtype: DType,
): TypedArray {
  const u = units;
  const out = hostArray(dtype, batch * u);
  for (let b = 0; b < batch; b++) {
    const o = b * 3 * u;
    for (let j = 0; j < u; j++) {
      const z = sigmoid(xv[o + j]! + rv[o + j]!);
      const rho = sigmoid(xv[o + u + j]! + rv[o + u + j]!);
      const hh = Math.tanh(xv[o + 2 * u + j]! + rho * rv[o + 2 * u + j]!);
      out[b * u + j] = hh + z * (hv[b * u + j]! - hh);
    }
  }
  return out;
}

export function gruCellGradRef(
  xv: TypedArray,
  rv: TypedArray,
  hv: TypedArray,
  dv: TypedArray,
  batch: number,
  units: number,
  dtype: DType,
): [TypedArray, TypedArray, TypedArray] {
  const u = units;
  const dx = hostArray(dtype, batch * 3 * u);
  const dr = hostArray(dtype, batch * 3 * u);
  const dh = hostArray(dtype, batch * u);
  for (let b = 0; b < batch; b++) {
    const o = b * 3 * u;
    for (let j = 0; j < u; j++) {
      const z = sigmoid(xv[o + j]! + rv[o + j]!);
      const rho = sigmoid(xv[o + u + j]! + rv[o + u + j]!);
      const rh = rv[o + 2 * u + j]!;
      const hh = Math.tanh(xv[o + 2 * u + j]! + rho * rh);
      const g = dv[b * u + j]!;
      const dz = g * (hv[b * u + j]! - hh) * z * (1 - z);
      const dhhPre = g * (1 - z) * (1 - hh * hh);
      const drho = dhhPre * rh * rho * (1 - rho);
      dx[o + j] = dz;
      dx[o + u + j] = drho;
      dx[o + 2 * u + j] = dhhPre;
      dr[o + j] = dz;
      dr[o + u + j] = drho;
      dr[o + 2 * u + j] = dhhPre * rho;
      dh[b * u + j] = g * z;
    }
  }
  return [dx, dr, dh];
}
