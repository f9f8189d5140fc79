/**
 * The numpy-style Keras ops of numpy_extra*.ts against numpy values and torch gradients of
 * Σ w·f (scripts/numpy_extra_golden.py), all in float64.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { grads } from '../autograd/grad.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import * as np1 from './numpy_extra.js';
import * as np2 from './numpy_extra2.js';
import * as np3 from './numpy_extra3.js';
import * as np4 from './numpy_extra4.js';

type Num = number | 'nan' | 'inf' | '-inf';
interface Arr {
  shape: number[];
  data: Num[];
}
interface Case {
  name: string;
  inputs: Arr[];
  out?: Arr;
  outs?: Arr[];
  w?: number[];
  grads?: number[][];
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/numpy_extra_golden.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const num = (v: Num): number =>
  v === 'nan'
    ? Number.NaN
    : v === 'inf'
      ? Number.POSITIVE_INFINITY
      : v === '-inf'
        ? Number.NEGATIVE_INFINITY
        : v;
const f64 = (a: Arr) => tensor(Float64Array.from(a.data.map(num)), a.shape, 'float64');
const vals = (t: Tensor) =>
  Array.from(t.dataSync() as ArrayLike<number | boolean>, (v) => Number(v));

const QS = [0, 0.3, 0.5, 0.9, 1];
const QM = [0, 0.1, 0.3, 0.5, 0.7, 1];
const ops: Record<string, (...xs: Tensor[]) => Tensor | Tensor[]> = {
  cosh: np1.cosh,
  sinh: np1.sinh,
  tan: np1.tan,
  arcsin: np1.arcsin,
  arccos: np1.arccos,
  arctan: np1.arctan,
  arctan2: np1.arctan2,
  arcsinh: np1.arcsinh,
  arccosh: np1.arccosh,
  arctanh: np1.arctanh,
  cbrt: np1.cbrt,
  exp2: np1.exp2,
  log2: np1.log2,
  log10: np1.log10,
  logaddexp: np1.logaddexp,
  logaddexp2: np1.logaddexp2,
  hypot: np1.hypot,
  deg2rad: np1.deg2rad,
  rad2deg: np1.rad2deg,
  sinc: np1.sinc,
  trunc: np1.trunc,
  fmod: np1.fmod,
  floorDivide: np1.floorDivide,
  signbit: np1.signbit,
  isinf: np1.isinf,
  isposinf: np1.isposinf,
  isneginf: np1.isneginf,
  nanToNum: (x) => np1.nanToNum(x.cast('float32')),
  heaviside: np1.heaviside,
  isclose: (a, b) => np1.isclose(a, b),
  isclose_nan: (a, b) => np1.isclose(a, b, 1e-3, 0, true),
  ptp: (x) => np1.ptp(x, -1),
  average: (x, w) => np1.average(x, 1, w),
  average_full: (x, w) => np1.average(x, 0, w),
  countNonzero: (x) => np1.countNonzero(x.cast('int32'), 0),
  celu: (x) => np4.celu(x, 0.7),
  glu: (x) => np4.glu(x),
  logSigmoid: np4.logSigmoid,
  hardSilu: np4.hardSilu,
  softShrink: (x) => np4.softShrink(x),
  tanhShrink: np4.tanhShrink,
  squareplus: (x) => np4.squareplus(x),
  mish: np4.mish,
  moveaxis: (x) => np2.moveaxis(x, [0, 2], [-1, 0]),
  rot90_1: (x) => np2.rot90(x, 1),
  rot90_3: (x) => np2.rot90(x, 3, [2, 0]),
  rot90_2: (x) => np2.rot90(x, -2),
  outer: np2.outer,
  inner: np2.inner,
  dot_nd: np2.dot,
  dot_v: np2.dot,
  kron: np2.kron,
  kron_rank: np2.kron,
  cross: (a, b) => np2.cross(a, b),
  cross_axis: (a, b) => np2.cross(a, b, 0, 0, 0),
  trace: (x) => np2.trace(x, 1, 0, 1),
  diagonal: (x) => np2.diagonal(x, -1, 2, 0),
  diag_k: (x) => np2.diag(x, -2),
  diff: (x) => np2.diff(x, 2, 1),
  tri: () => np2.tri(3, 5, 1, 'float64'),
  quantile: (x) => np3.quantile(x, QS, 1),
  quantile_keep: (x) => np3.quantile(x, 0.25, [0, 2], 'linear', true),
  quantile_lower: (x) => np3.quantile(x, QM, 1, 'lower'),
  quantile_higher: (x) => np3.quantile(x, QM, 1, 'higher'),
  quantile_midpoint: (x) => np3.quantile(x, QM, 1, 'midpoint'),
  quantile_nearest: (x) => np3.quantile(x, QM, 1, 'nearest'),
  percentile: (x) => np3.percentile(x, 37.5),
  median: (x) => np3.median(x, 0),
  median_nan: (x) => np3.median(x, 1),
  trapezoid: (y, x) => np3.trapezoid(y, x, 1, 1),
  trapezoid_dx: (y) => np3.trapezoid(y, null, 0.5, 0),
  searchsorted_left: (s, v) => np3.searchsorted(s, v, 'left'),
  searchsorted_right: (s, v) => np3.searchsorted(s, v, 'right'),
  digitize: (x, b) => np3.digitize(x, b),
  digitize_right: (x, b) => np3.digitize(x, b, true),
  digitize_dec: (x, b) => np3.digitize(x, b),
  logspace: () => np3.logspace(-1, 2, 7, false, 2, 'float64'),
  geomspace: () => np3.geomspace(-1000, -1, 5, true, 'float64'),
  vander: (x) => np3.vander(x, 4),
  unique: np3.unique,
  take: (x) =>
    np3.take(
      x,
      tensor(
        [
          [-1, 0],
          [2, 2],
        ],
        undefined,
        'int32',
      ),
      1,
    ),
};

describe('numpy-style ops against numpy and torch', () => {
  it('covers every golden case', () => {
    expect(golden.cases.map((c) => c.name).filter((n) => !(n in ops))).toEqual([]);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const xs = c.inputs.map(f64);
    const fn = ops[name]!;
    const y = fn(...xs);
    const outs = Array.isArray(y) ? y : [y];
    const want = c.outs ?? [c.out!];
    expect(outs.length).toBe(want.length);
    outs.forEach((o, i) => {
      expect(o.shape, `${name} shape`).toEqual(want[i]!.shape);
      expectClose(vals(o), want[i]!.data.map(num), { rtol: 1e-9, atol: 1e-12 });
    });
    if (c.grads) {
      const w = tensor(Float64Array.from(c.w!), (y as Tensor).shape, 'float64');
      const gs = grads((...ts: Tensor[]) => (fn(...ts) as Tensor).mul(w).sum())(xs);
      gs.forEach((g, i) => {
        expectClose(vals(g!), c.grads![i]!, { rtol: 1e-9, atol: 1e-12 });
      });
    }
  });
});
