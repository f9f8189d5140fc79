/**
 * The ops of numpy_extra5.ts, numpy_nan.ts and numpy_extra6.ts: golden values from real Keras 3.15.1 on its
 * numpy backend (scripts/numpy_extra5_golden.py), float64 gradient checks of every
 * differentiable op, hand-computed edge cases and typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from './creation.js';
import { segmentProd } from './math_extra.js';
import * as np5Ops from './numpy_extra5.js';
import * as np6 from './numpy_extra6.js';
import * as nanOps from './numpy_nan.js';

const np5 = { ...np5Ops, ...nanOps };

type Num = number | 'nan' | 'inf' | '-inf';
interface Arr {
  shape: number[];
  dtype: DType;
  data: Num[];
}
interface Case {
  name: string;
  inputs: Arr[];
  out?: Arr;
  outs?: Arr[];
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/numpy_extra5_golden.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const num = (v: Num): number =>
  v === 'nan'
    ? Number.NaN
    : v === 'inf'
      ? Number.POSITIVE_INFINITY
      : v === '-inf'
        ? Number.NEGATIVE_INFINITY
        : v;
const input = (a: Arr): Tensor => {
  const d = a.data.map(num);
  if (a.dtype === 'bool') return tensor(Uint8Array.from(d), a.shape, 'bool');
  if (a.dtype === 'int32') return tensor(Int32Array.from(d), a.shape, 'int32');
  return tensor(
    a.dtype === 'float32' ? Float32Array.from(d) : Float64Array.from(d),
    a.shape,
    a.dtype,
  );
};
const vals = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number>, Number);
const i32 = (v: number[], shape?: number[]) =>
  tensor(Int32Array.from(v), shape ?? [v.length], 'int32');
const f64 = (v: number[], shape?: number[]) =>
  tensor(Float64Array.from(v), shape ?? [v.length], 'float64');
const r = randomValues;

type Op = (...xs: Tensor[]) => Tensor | Tensor[];
const ops: Record<string, Op> = {
  erfc: np5.erfc,
  fabs: np5.fabs,
  fabs_int: np5.fabs,
  fmax: np5.fmax,
  fmin: np5.fmin,
  fmax_bcast: np5.fmax,
  ldexp: np5.ldexp,
  nextafter: np5.nextafter,
  i0: np5.i0,
  gcd: np5.gcd,
  lcm: np5.lcm,
  bitwise_and: np5.bitwiseAnd,
  bitwise_or: np5.bitwiseOr,
  bitwise_xor: np5.bitwiseXor,
  bitwise_not: np5.bitwiseNot,
  bitwise_and_bool: np5.bitwiseAnd,
  bitwise_left_shift: np5.bitwiseLeftShift,
  bitwise_right_shift: np5.bitwiseRightShift,
  angle: np5.angle,
  real: np5.real,
  imag: np5.imag,
  conj: np5.conj,
  isreal: np5.isreal,
  copy: np5.copy,
  corrcoef: np5.corrcoef,
  corrcoef_1d: np5.corrcoef,
  cdist: np5.cdist,
  histogram: (x) => np5.histogram(x!, 4),
  histogram_range: (x) => np5.histogram(x!, 3, [0, 1]),
  isin: (a, b) => np5.isin(a!, b!),
  isin_invert: (a, b) => np5.isin(a!, b!, false, true),
  select: (c1, c2, a, b) => np5.select([c1!, c2!], [a!, b!], 0.5),
  unravel_index: (i) => np5.unravelIndex(i!, [3, 4]),
  nancumsum: (x) => np5.nancumsum(x!, 1),
  nancumprod: (x) => np5.nancumprod(x!, 0),
  nancumsum_flat: (x) => np5.nancumsum(x!),
  nanquantile_allnan: (x) => np5.nanquantile(x!, 0.4, 1),
  nanpercentile: (x) => np5.nanpercentile(x!, 30, 0, 'linear', true),
  depth_to_space: (x) => np6.depthToSpace(x!, 2),
  depth_to_space_cf: (x) => np6.depthToSpace(x!.transpose([0, 3, 1, 2]), 2, 'channels_first'),
  space_to_depth: (x) => np6.spaceToDepth(x!, 2),
  space_to_depth_cf: (x) => np6.spaceToDepth(x!.transpose([0, 3, 1, 2]), 2, 'channels_first'),
  extract_sequences: (x) => np6.extractSequences(x!, 4, 3),
  multi_hot: (x) => np6.multiHot(x!, 5),
  multi_hot_1d: (x) => np6.multiHot(x!, 4),
  psnr: (a, b) => np6.psnr(a!, b!, 1),
  rms_normalization: (x, s) => np6.rmsNormalization(x!, s!),
  rms_normalization_axis0: (x) => np6.rmsNormalization(x!, null, 0, 1e-3),
  binary_crossentropy: (t, o) => np6.binaryCrossentropy(t!, o!),
  binary_crossentropy_logits: (t, o) => np6.binaryCrossentropy(t!, o!, true),
  segment_min: (d, s) => np6.segmentMin(d!, s!, 4),
  segment_prod: (d, s) => segmentProd(d!, s!, 4),
  in_top_k: (t, p) => np6.inTopK(t!, p!, 1),
  in_top_k2: (t, p) => np6.inTopK(t!, p!, 2),
  slogdet: np6.slogdet,
  logdet: np6.logdet,
  scatter: (i, v) => np6.scatter(i!, v!, [3, 2]),
  scatter_rows: (i, v) => np6.scatter(i!, v!, [4, 3]),
  scatter_update: (x, i, v) => np6.scatterUpdate(x!, i!, v!),
  scatter_update_add: (x, i, v) => np6.scatterUpdate(x!, i!, v!, 'add'),
  slice_update: (x, v) => np6.sliceUpdate(x!, [1, 2], v!),
  saturate_cast: (x) => np6.saturateCast(x!, 'int32'),
  view: (x) => np6.view(x!, 'int32'),
  sparsemax: (x) => np6.sparsemax(x!),
  sparsemax_axis0: (x) => np6.sparsemax(x!, 0),
};
for (const w of ['bartlett', 'blackman', 'hamming', 'hanning'] as const)
  for (const m of [0, 1, 2, 5, 8]) ops[`${w}_${m}`] = () => np5[w](m);
for (const [m, beta] of [
  [1, 3],
  [6, 0],
  [7, 5],
  [10, 14],
] as const)
  ops[`kaiser_${m}_${beta.toFixed(1)}`] = () => np5.kaiser(m, beta);
for (const mode of ['valid', 'same', 'full'] as const)
  for (const suffix of ['', '_long_v', '_even'])
    ops[`correlate_${mode}${suffix}`] = (a, v) => np5.correlate(a!, v!, mode);
for (const name of [
  'nansum',
  'nanmean',
  'nanmax',
  'nanmin',
  'nanprod',
  'nanvar',
  'nanstd',
  'nanmedian',
] as const) {
  const fn = np5[name];
  ops[`${name}_all`] = (x) => fn(x!);
  ops[`${name}_ax1`] = (x) => fn(x!, 1);
  ops[`${name}_ax0_keep`] = (x) => fn(x!, 0, true);
}
for (const name of ['nanargmax', 'nanargmin'] as const) {
  ops[`${name}_all`] = (x) => np5[name](x!);
  ops[`${name}_ax1`] = (x) => np5[name](x!, 1);
  ops[`${name}_allnan`] = (x) => np5[name](x!, 1);
}
for (const method of ['linear', 'lower', 'higher', 'midpoint', 'nearest'] as const)
  ops[`nanquantile_${method}`] = (x) => np5.nanquantile(x!, [0, 0.3, 0.5, 1], 1, method);

/** Cases whose float64 goldens Keras computed partly in float32. */
const F32_INSIDE = new Set([
  'corrcoef',
  'rms_normalization',
  'rms_normalization_axis0',
  'binary_crossentropy_logits',
]);

describe('golden values (Keras 3.15.1, numpy backend)', () => {
  it('covers every golden case', () => {
    expect(golden.cases.map((c) => c.name).filter((n) => !(n in ops))).toEqual([]);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const y = ops[name]!(...c.inputs.map(input));
    const outs = Array.isArray(y) ? y : [y];
    const want = c.outs ?? [c.out!];
    expect(outs.length).toBe(want.length);
    outs.forEach((o, i) => {
      const w = want[i]!;
      expect(o.shape, `${name} shape`).toEqual(w.shape);
      if (w.dtype === 'bool' || w.dtype === 'int32') expect(o.dtype, `${name} dtype`).toBe(w.dtype);
      else expect(o.dtype === 'float32' || o.dtype === 'float64', `${name} float`).toBe(true);
      // Keras rounds some results to float32 (and the windows are float32 in Tessera), and
      // computes some float64 ones through float32 (F32_INSIDE).
      const loose = w.dtype === 'float32' || o.dtype === 'float32' || F32_INSIDE.has(name);
      expectClose(
        vals(o),
        w.data.map(num),
        loose ? { rtol: 2e-6, atol: 1e-6 } : { rtol: 1e-9, atol: 1e-12 },
      );
    });
  });
});

describe('gradients (float64, central differences)', () => {
  it('elementwise', () => {
    const x = r([2, 3], 1, -2, 2);
    gradCheck(np5.erfc, [x]);
    gradCheck(np5.erfc, [r([4], 2, 2.5, 4)]);
    gradCheck(np5.fabs, [x]);
    gradCheck(np5.i0, [r([2, 3], 3, -12, 12)]);
    gradCheck(np5.i0, [r([3], 4, 8.5, 20)], { rtol: 1e-5, atol: 1e-4 });
    gradCheck((a, b) => np5.fmax(a, b), [x, r([3], 5, -2, 2)]);
    gradCheck((a, b) => np5.fmin(a, b), [x, r([3], 6, -2, 2)]);
    gradCheck((a) => np5.ldexp(a, i32([1, -2, 3])), [x]);
    for (const f of [np5.real, np5.conj, np5.conjugate, np5.copy, np5.imag, np5.angle])
      gradCheck(f, [x]);
  });

  it('statistics and selection', () => {
    gradCheck(np5.corrcoef, [r([3, 5], 7)]);
    gradCheck(np5.cdist, [r([2, 3, 4], 8), r([2, 2, 4], 9)]);
    for (const mode of ['valid', 'same', 'full'] as const) {
      gradCheck((a, v) => np5.correlate(a, v, mode), [r([6], 10), r([3], 11)]);
      gradCheck((a, v) => np5.correlate(a, v, mode), [r([3], 12), r([5], 13)]);
    }
    const c = tensor([true, false, false, true, false, true], [2, 3], 'bool');
    gradCheck((a, b) => np5.select([c, c.logicalNot()], [a, b]), [r([2, 3], 14), r([2, 3], 15)]);
  });

  it('NaN-ignoring reductions', () => {
    const v = Float64Array.from(r([3, 4], 16).values);
    v[1] = Number.NaN;
    v[6] = Number.NaN;
    const x = { values: v, shape: [3, 4] };
    gradCheck((t) => np5.nansum(t, 1), [x]);
    gradCheck((t) => np5.nanmean(t, 0, true), [x]);
    gradCheck((t) => np5.nanmax(t, 1), [x]);
    gradCheck((t) => np5.nanmin(t), [x]);
    gradCheck((t) => np5.nanprod(t, 1), [x]);
    gradCheck((t) => np5.nanvar(t, 1), [x]);
    gradCheck((t) => np5.nanstd(t, 0), [x]);
    gradCheck((t) => np5.nancumsum(t, 1), [x]);
    gradCheck((t) => np5.nancumprod(t, 1), [x]);
    gradCheck((t) => np5.nanquantile(t, [0.2, 0.7], 1), [x]);
    gradCheck((t) => np5.nanmedian(t, 0), [x]);
  });

  it('nn, linalg and core', () => {
    gradCheck((t) => np6.depthToSpace(t, 2), [r([1, 2, 2, 8], 17)]);
    gradCheck((t) => np6.spaceToDepth(t, 2, 'channels_first'), [r([1, 2, 4, 2], 18)]);
    gradCheck((t) => np6.extractSequences(t, 3, 2), [r([2, 7], 19)]);
    gradCheck((a, b) => np6.psnr(a, b, 2), [r([2, 3], 20), r([2, 3], 21)]);
    gradCheck((t, s) => np6.rmsNormalization(t, s), [r([2, 4], 22), r([4], 23)]);
    gradCheck((t) => np6.sparsemax(t), [r([3, 5], 24, -2, 2)]);
    gradCheck(
      (t, o) => np6.binaryCrossentropy(t, o),
      [r([2, 3], 25, 0, 1), r([2, 3], 26, 0.1, 0.9)],
    );
    gradCheck((t, o) => np6.binaryCrossentropy(t, o, true), [r([2, 3], 27, 0, 1), r([2, 3], 28)]);
    gradCheck((d) => np6.segmentMin(d, i32([0, 1, 0, 1]), 2), [r([4, 2], 29)]);
    // segmentProd, with a zero in one segment (prod's rule) and an empty segment.
    gradCheck(
      (d) => segmentProd(d, i32([0, 1, 0, 1, 0, -1]), 3),
      [{ values: [0.5, -1, 0, 2, 1.5, 0.7, -0.3, 1.2, 2, -0.5, 4, 4], shape: [6, 2] }],
    );
    gradCheck((m) => np6.logdet(m), [r([2, 3, 3], 30, -2, 2)]);
    gradCheck((m) => np6.slogdet(m)[1], [r([3, 3], 31, -2, 2)]);
    gradCheck((v) => np6.scatter(i32([0, 1, 1, 0, 0, 1], [3, 2]), v, [2, 2]), [r([3], 32)]);
    gradCheck(
      (x, u) => np6.scatterUpdate(x, i32([0, 1, 2, 0, 0, 1], [3, 2]), u),
      [r([3, 2], 33), r([3], 34)],
    );
    gradCheck((x, u) => np6.sliceUpdate(x, [1, 0], u), [r([3, 3], 35), r([2, 2], 36)]);
  });
});

describe('edge cases', () => {
  it('erfc keeps precision in the tail', () => {
    expectClose(
      vals(np5.erfc(f64([10, 26, -10]))),
      [2.088487583762545e-45, 5.663192408856143e-296, 2],
      {
        rtol: 1e-13,
        atol: 0,
      },
    );
  });

  it('nextafter in float64, saturateCast from float64, argpartition', () => {
    expect(vals(np5.nextafter(f64([1, 0]), f64([2, -1])))).toEqual([1 + 2 ** -52, -(2 ** -1074)]);
    expect(
      vals(np6.saturateCast(f64([1e10, -1e300, 3.7, Number.NaN]), 'int32')).slice(0, 3),
    ).toEqual([2147483647, -2147483648, 3]);
    const x = f64([5, 1, 4, 2, 3, 0]);
    const idx = vals(np5.argpartition(x, 2));
    const xs = vals(x);
    const kthVal = xs[idx[2]!]!;
    expect(kthVal).toBe(2);
    for (let i = 0; i < 6; i++)
      expect(i < 2 ? xs[idx[i]!]! <= kthVal : xs[idx[i]!]! >= kthVal).toBe(true);
    expect([...idx].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('introspection and conversion', () => {
    const t = tensor([[1, 2, 3]]);
    expect(np6.isTensor(t)).toBe(true);
    expect(np6.isTensor([1])).toBe(false);
    expect(np6.shape(t)).toEqual([1, 3]);
    expect(np6.ndim([[1], [2]])).toBe(2);
    expect(np6.size(t)).toBe(3);
    expect(np6.dtype(t)).toBe('float32');
    expect(np6.convertToTensor(t)).toBe(t);
    expect(np6.convertToTensor([[1, 2]], 'int32').dtype).toBe('int32');
    const a = np6.array(t);
    expect(a).not.toBe(t);
    expect(vals(a)).toEqual([1, 2, 3]);
    expect(vals(np6.view(np6.view(tensor([1.5, -2]), 'int32'), 'float32'))).toEqual([1.5, -2]);
    expect(vals(np5.bitwiseInvert(i32([0, 5])))).toEqual([-1, -6]);
    expect(vals(np5.leftShift(i32([1]), i32([3])))).toEqual([8]);
    expect(vals(np5.rightShift(i32([-8]), i32([40])))).toEqual([-1]);
    expect(np5.bitwiseOr(tensor([true], [1], 'bool'), tensor([false], [1], 'bool')).dtype).toBe(
      'bool',
    );
  });
});

describe('errors name the function', () => {
  it('rejects bad inputs with typed errors', () => {
    expect(() => np5.gcd(f64([1.5]), i32([2]))).toThrow(DTypeError);
    expect(() => np5.bitwiseAnd(f64([1]), i32([2]))).toThrow(/bitwiseAnd: x1 must be int32/);
    expect(() => np5.bitwiseNot(f64([1]))).toThrow(DTypeError);
    expect(() => np5.ldexp(f64([1]), f64([2]))).toThrow(/ldexp: the exponent/);
    expect(() => np5.hamming(2.5)).toThrow(ValueError);
    expect(() => np5.corrcoef(zeros([2, 2, 2]))).toThrow(ShapeError);
    expect(() => np5.cdist(zeros([3]), zeros([2, 3]))).toThrow(/cdist: inputs must have rank >= 2/);
    expect(() => np5.cdist(zeros([2, 3]), zeros([2, 4]))).toThrow(ShapeError);
    expect(() => np5.correlate(zeros([2, 2]), zeros([2]))).toThrow(/correlate:/);
    expect(() => np5.correlate(zeros([3]), zeros([2]), 'bad' as 'valid')).toThrow(ValueError);
    expect(() => np5.histogram(zeros([2, 2]))).toThrow(/histogram: x must be 1-D/);
    expect(() => np5.histogram(zeros([2]), 0)).toThrow(ValueError);
    expect(() => np5.histogram(f64([1, Number.NaN]))).toThrow(/histogram: the range/);
    expect(() => np5.select([tensor([true])], [])).toThrow(/select:/);
    expect(() => np5.select([f64([1])], [f64([1])])).toThrow(DTypeError);
    expect(() => np5.unravelIndex(i32([12]), [3, 4])).toThrow(/unravelIndex: index 12/);
    expect(() => np5.argpartition(f64([1, 2]), 2)).toThrow(/argpartition: kth 2/);
    expect(() => np5.nanquantile(f64([1]), 2)).toThrow(/nanquantile: q must be in \[0, 1\]/);
    expect(() => np5.nanpercentile(f64([1, Number.NaN]), 120)).toThrow(
      /nanpercentile: q must be in \[0, 100\]/,
    );
    expect(() => np6.depthToSpace(zeros([1, 2, 2, 3]), 2)).toThrow(/depthToSpace: the channels/);
    expect(() => np6.spaceToDepth(zeros([1, 3, 2, 1]), 2)).toThrow(ShapeError);
    expect(() => np6.depthToSpace(zeros([2, 2]), 2)).toThrow(/depthToSpace: x must be 4-D/);
    expect(() => np6.extractSequences(zeros([3]), 4, 1)).toThrow(
      /extractSequences: sequenceLength/,
    );
    expect(() => np6.psnr(zeros([2]), zeros([3]), 1)).toThrow(/psnr:/);
    expect(() => np6.binaryCrossentropy(zeros([2]), zeros([3]))).toThrow(ShapeError);
    expect(() => np6.inTopK(f64([1]), zeros([1, 3]), 1)).toThrow(DTypeError);
    expect(() => np6.slogdet(zeros([2, 3]))).toThrow(/slogdet: x must be/);
    expect(() => np6.scatter(i32([5], [1, 1]), f64([1]), [3])).toThrow(/scatter: index 5/);
    expect(() => np6.scatterUpdate(zeros([3]), i32([0], [1, 1]), f64([1]), 'max' as 'add')).toThrow(
      /scatterUpdate: reduction/,
    );
    expect(() => np6.sliceUpdate(zeros([3]), [2], f64([1, 2]))).toThrow(/sliceUpdate:/);
    expect(() => np6.view(f64([1]), 'int32')).toThrow(DTypeError);
    expect(() => np6.multiHot(i32([1]), 0)).toThrow(/multiHot: numClasses/);
    expect(() => np6.saturateCast(f64([1]), 'int8' as DType)).toThrow(DTypeError);
    expect(() => np6.convertToTensor([1], 'x' as DType)).toThrow(/convertToTensor: unknown dtype/);
  });
});
