/**
 * The numpy-style Keras ops of numpy_extra*.ts: float64 gradient checks of every
 * differentiable op, hand-computed values for the aliases and shape ops, and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { grad } from '../autograd/grad.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { concat, reshape } from './movement.js';
import * as np1 from './numpy_extra.js';
import * as np2 from './numpy_extra2.js';
import * as np3 from './numpy_extra3.js';
import * as np4 from './numpy_extra4.js';

const r = randomValues;
const flat = (ts: Tensor[]) => concat(ts.map((t) => reshape(t, [-1])));
const list = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number | boolean>, Number);

describe('gradients (float64, central differences)', () => {
  it('elementwise math', () => {
    const x = r([2, 3], 1);
    const pos = r([2, 3], 2, 0.2, 3);
    const unit = r([2, 3], 3, -0.9, 0.9);
    const y = r([3], 4);
    for (const f of [
      np1.absolute,
      np1.negative,
      np1.cosh,
      np1.sinh,
      np1.tan,
      np1.arctan,
      np1.arcsinh,
      np1.exp2,
      np1.deg2rad,
      np1.rad2deg,
      np1.sinc,
      (t: Tensor) => np1.nanToNum(t),
      np4.hardSilu,
      np4.hardSwish,
      np4.hardTanh,
      np4.logSigmoid,
      (t: Tensor) => np4.celu(t, 0.5),
      (t: Tensor) => np4.softShrink(t, 0.3),
      (t: Tensor) => np4.hardShrink(t, 0.3),
      np4.tanhShrink,
      (t: Tensor) => np4.squareplus(t, 2),
      np4.sparsePlus,
      np4.sparseSigmoid,
      (t: Tensor) => np4.threshold(t, 0.1, -2),
    ])
      gradCheck(f, [x]);
    for (const f of [np1.arcsin, np1.arccos, np1.arctanh]) gradCheck(f, [unit]);
    for (const f of [np1.log2, np1.log10, np1.cbrt]) gradCheck(f, [pos]);
    gradCheck(np1.arccosh, [r([2, 3], 5, 1.2, 4)]);
    gradCheck(np1.cbrt, [r([2, 3], 6, -3, -0.2)]);
    for (const f of [
      np1.multiply,
      np1.divide,
      np1.trueDivide,
      np1.subtract,
      np1.arctan2,
      np1.logaddexp,
      np1.logaddexp2,
      np1.hypot,
      np1.divideNoNan,
    ])
      gradCheck(f, [x, y]);
    gradCheck(np1.power, [pos, y]);
    gradCheck(np1.fmod, [r([2, 3], 7, -3, 3), tensor([0.7, -1.3, 2.1], [3], 'float64')]);
    gradCheck((t) => np4.glu(t), [r([2, 4], 8)]);
  });

  it('reductions', () => {
    const x = r([3, 4], 9);
    gradCheck((t) => np1.amax(t, 1), [x]);
    gradCheck((t) => np1.amin(t, [0, 1]), [x]);
    gradCheck((t) => np1.ptp(t, 0, true), [x]);
    gradCheck((t, w) => np1.average(t, -1, w), [x, r([4], 10, 0.5, 2)]);
    gradCheck((t, w) => np1.average(t, null, w), [x, r([3, 4], 11, 0.5, 2)]);
    gradCheck((t) => np3.quantile(t, [0.1, 0.5, 1], -1), [x]);
    gradCheck((t) => np3.percentile(t, 80, [0, 1], 'linear', true), [x]);
    gradCheck((t) => np3.median(t, 0), [x]);
    gradCheck((t) => np3.quantile(t, [0.2, 0.5], 1, 'midpoint'), [x]);
    gradCheck((t) => np3.quantile(t, 0.7, 1, 'nearest'), [x]);
    gradCheck((t, s) => np3.trapezoid(t, s, 1, 0), [x, r([3], 12, 0, 2)]);
    gradCheck((t, s) => np3.trapezoid(t, s), [x, r([3, 4], 13)]);
  });

  it('shapes, products and diagonals', () => {
    const x = r([2, 3, 4], 14);
    const m = r([3, 4], 15);
    const v = r([4], 16);
    gradCheck((t) => np2.swapaxes(t, 0, -1), [x]);
    gradCheck((t) => np2.moveaxis(t, 0, 2), [x]);
    gradCheck(np2.ravel, [x]);
    gradCheck((a, b) => np2.hstack([a, b]), [m, r([3, 2], 17)]);
    gradCheck((a, b) => np2.vstack([a, b]), [v, m]);
    gradCheck((a, b) => np2.dstack([a, b]), [m, m]);
    gradCheck((t) => flat(np2.hsplit(t, [1, 3])), [m]);
    gradCheck((t) => flat(np2.vsplit(t, 3)), [m]);
    gradCheck((t) => flat(np2.dsplit(t, 2)), [x]);
    gradCheck((t) => flat(np2.arraySplit(t, 3, 1)), [m]);
    gradCheck((t) => flat(np2.unstack(t, 3, 1)), [x]);
    gradCheck((a, b) => np2.append(a, b), [m, v]);
    gradCheck(
      (a, b) => np2.append(a, b, 0),
      [m, reshape(tensor(Float64Array.from(v.values), [4], 'float64'), [1, 4])],
    );
    gradCheck(np2.fliplr, [m]);
    gradCheck(np2.flipud, [m]);
    gradCheck((t) => np2.rot90(t, 1, [1, 2]), [x]);
    gradCheck(np2.outer, [m, v]);
    gradCheck(np2.inner, [m, x]);
    gradCheck(np2.dot, [m, r([2, 4, 3], 18)]);
    gradCheck(np2.dot, [x, v]);
    gradCheck(np2.dot, [v, v]);
    gradCheck(np2.vdot, [m, r([12], 19)]);
    gradCheck(np2.kron, [r([2, 2], 20), r([3], 21)]);
    gradCheck((a, b) => np2.cross(a, b), [r([2, 3], 22), r([3], 23)]);
    gradCheck((a, b) => np2.cross(a, b), [r([2, 2], 24), r([2, 3], 25)]);
    gradCheck((a, b) => np2.cross(a, b), [r([2, 2], 26), r([2, 2], 27)]);
    gradCheck((t) => np2.trace(t, -1, 2, 1), [x]);
    gradCheck((t) => np2.diagonal(t, 1, 1, 2), [x]);
    gradCheck((t) => np2.diag(t, 1), [v]);
    gradCheck((t) => np2.diag(t, -1), [m]);
    gradCheck((t) => np2.diagflat(t, -2), [m]);
    gradCheck((t) => np2.diff(t, 2, 0), [m]);
    gradCheck(
      (t) =>
        np3.take(
          t,
          tensor(
            [
              [3, -1],
              [0, 0],
            ],
            undefined,
            'int32',
          ),
          1,
        ),
      [m],
    );
    gradCheck((t) => np3.take(t, tensor([5, -2], undefined, 'int32')), [m]);
    gradCheck((w) => np3.bincount(tensor([0, 2, 2, 4], undefined, 'int32'), w, 6), [v]);
    gradCheck((t) => np3.vander(t, 3, true), [v]);
  });

  it('stopGradient blocks the gradient', () => {
    const g = grad((x) => np1.stopGradient(x).mul(x).sum())(tensor([3, 4]));
    expect(list(g)).toEqual([3, 4]);
  });
});

describe('values', () => {
  it('aliases and simple composites', () => {
    expect(list(np1.absolute(tensor([-1, 2])))).toEqual([1, 2]);
    expect(list(np1.floorDivide(tensor([7, -7], undefined, 'int32'), 2))).toEqual([3, -4]);
    expect(list(np1.fmod(tensor([-7, 7, 6], undefined, 'int32'), 3))).toEqual([-1, 1, 0]);
    expect(list(np1.divideNoNan(tensor([1, 2]), tensor([0, 4])))).toEqual([0, 0.5]);
    expect(list(np1.isnan(tensor([Number.NaN, 1])))).toEqual([1, 0]);
    expect(list(np1.isfinite(tensor([Number.POSITIVE_INFINITY, 1])))).toEqual([0, 1]);
    expect(list(np1.logsumexp(tensor([0, 0])))[0]).toBeCloseTo(Math.LN2, 6);
    expect(np1.allclose(tensor([1, 2]), tensor([1, 2 + 1e-9])).item()).toBe(1);
    expect(np1.allclose(tensor([1, 2]), tensor([1, 2.1])).item()).toBe(0);
    expect(np1.isclose(tensor([1]), tensor([1])).dtype).toBe('bool');
    expect(
      list(
        np1.countNonzero(
          tensor([
            [0, 1],
            [2, 3],
          ]),
        ),
      ),
    ).toEqual([3]);
    expect(np1.countNonzero(tensor([0, 1])).dtype).toBe('int32');
    expect(
      list(
        np1.logaddexp(
          tensor([Number.NEGATIVE_INFINITY, 1000]),
          tensor([Number.NEGATIVE_INFINITY, 1000]),
        ),
      ),
    ).toEqual([Number.NEGATIVE_INFINITY, 1000 + Math.LN2].map((v) => Math.fround(v)));
    expect(
      list(
        np1.hypot(tensor([3e30], undefined, 'float32'), tensor([4e30], undefined, 'float32')),
      )[0],
    ).toBeCloseTo(5e30, -25);
    expect(list(np1.trunc(tensor([1, -2], undefined, 'int32')))).toEqual([1, -2]);
    expect(np1.cosh(tensor([1], undefined, 'int32')).dtype).toBe('float32');
    expect(list(np4.sparsePlus(tensor([-2, 0, 2])))).toEqual([0, 0.25, 2]);
    expect(list(np4.hardTanh(tensor([-2, 0.5])))).toEqual([-1, 0.5]);
    expect(list(np4.threshold(tensor([1, 3]), 2, 0))).toEqual([0, 3]);
  });

  it('stacking, splitting and creation', () => {
    expect(list(np2.hstack([tensor([1, 2]), tensor([3])]))).toEqual([1, 2, 3]);
    expect(np2.vstack([tensor([1, 2]), tensor([3, 4])]).shape).toEqual([2, 2]);
    expect(np2.dstack([tensor([1, 2]), tensor([3, 4])]).shape).toEqual([1, 2, 2]);
    expect(np2.arraySplit(tensor([1, 2, 3, 4, 5]), 3).map(list)).toEqual([[1, 2], [3, 4], [5]]);
    expect(np2.arraySplit(tensor([1, 2, 3, 4, 5]), [2, 1, 9]).map(list)).toEqual([
      [1, 2],
      [],
      [2, 3, 4, 5],
      [],
    ]);
    expect(
      np2
        .hsplit(
          tensor([
            [1, 2],
            [3, 4],
          ]),
          2,
        )
        .map((p) => p.shape),
    ).toEqual([
      [2, 1],
      [2, 1],
    ]);
    expect(
      np2
        .unstack(
          tensor([
            [1, 2],
            [3, 4],
          ]),
        )
        .map(list),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(list(np2.append(tensor([1, 2]), tensor([[3], [4]])))).toEqual([1, 2, 3, 4]);
    expect(list(np2.diagflat(tensor([[1, 2]])))).toEqual([1, 0, 0, 2]);
    expect(list(np2.identity(2))).toEqual([1, 0, 0, 1]);
    expect(np2.diagonal(tensor([[1, 2]]), 5).shape).toEqual([0]);
    expect(list(np2.diff(tensor([true, false, false])))).toEqual([1, 0]);
    expect(list(np3.fullLike(tensor([1, 2], undefined, 'int32'), 7))).toEqual([7, 7]);
    expect(np3.fullLike(tensor([1, 2], undefined, 'int32'), 7).dtype).toBe('int32');
    expect(list(np3.empty([2]))).toEqual([0, 0]);
    expect(np3.emptyLike(tensor([1, 2]), 'int32').dtype).toBe('int32');
    expect(list(np3.bincount(tensor([0, 1, 1, 3], undefined, 'int32')))).toEqual([1, 2, 0, 1]);
    expect(
      list(
        np3.bincount(
          tensor(
            [
              [0, 1],
              [1, 1],
            ],
            undefined,
            'int32',
          ),
          null,
          3,
        ),
      ),
    ).toEqual([1, 1, 0, 0, 2, 0]);
    expect(
      np3
        .nonzero(
          tensor([
            [0, 1],
            [2, 0],
          ]),
        )
        .map(list),
    ).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(list(np3.vander(tensor([2, 3], undefined, 'int32')))).toEqual([2, 1, 3, 1]);
  });
});

describe('errors name the function', () => {
  const m = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  it.each([
    ['swapaxes', () => np2.swapaxes(m, 0, 2), ValueError],
    ['moveaxis', () => np2.moveaxis(m, [0, 1], [0]), ValueError],
    ['vsplit', () => np2.vsplit(tensor([1, 2]), 2), ValueError],
    ['hsplit', () => np2.hsplit(m, 2), ShapeError],
    ['dsplit', () => np2.dsplit(m, 2), ValueError],
    ['unstack', () => np2.unstack(m, 3), ValueError],
    ['rot90', () => np2.rot90(m, 1, [0, 0]), ValueError],
    ['inner', () => np2.inner(m, tensor([1, 2])), ShapeError],
    ['dot', () => np2.dot(m, m), ShapeError],
    ['vdot', () => np2.vdot(m, tensor([1])), ShapeError],
    ['cross', () => np2.cross(tensor([[1, 2, 3, 4]]), tensor([1, 2, 3, 4])), ShapeError],
    ['diagonal', () => np2.diagonal(tensor([1, 2])), ValueError],
    ['diag', () => np2.diag(tensor([[[1]]])), ValueError],
    ['diff', () => np2.diff(m, 1, 3), ValueError],
    ['tri', () => np2.tri(-1), ValueError],
    ['glu', () => np4.glu(m), ValueError],
    ['average', () => np1.average(m, 1, tensor([1, 2])), ValueError],
    ['ptp', () => np1.ptp(tensor([true])), DTypeError],
    ['ptp', () => np1.ptp(m, 2), ValueError],
    ['countNonzero', () => np1.countNonzero(m, -3), ValueError],
    ['arraySplit', () => np2.arraySplit(m, 0), ValueError],
    ['celu', () => np4.celu(m, 0), ValueError],
    ['quantile', () => np3.quantile(m, 1.5), ValueError],
    ['percentile', () => np3.percentile(m, 150), ValueError],
    ['quantile', () => np3.quantile(m, 0.5, null, 'cubic' as never), ValueError],
    ['median', () => np3.median(m, 2), ValueError],
    ['take', () => np3.take(m, tensor([0], undefined, 'int32'), 2), ValueError],
    ['searchsorted', () => np3.searchsorted(m, m), ValueError],
    ['digitize', () => np3.digitize(m, tensor([1, 3, 2])), ValueError],
    ['bincount', () => np3.bincount(tensor([-1, 0], undefined, 'int32')), ValueError],
    ['bincount', () => np3.bincount(tensor([1.5])), DTypeError],
    ['trapezoid', () => np3.trapezoid(m, tensor([1, 2])), ShapeError],
    ['geomspace', () => np3.geomspace(-1, 1, 3), ValueError],
    ['logspace', () => np3.logspace(0, 1, -1), ValueError],
    ['vander', () => np3.vander(m), ValueError],
    ['nonzero', () => np3.nonzero(tensor(1)), ValueError],
  ] as const)('%s', (name, f, cls) => {
    expect(f).toThrow(cls);
    expect(f).toThrow(new RegExp(`^${name}:`));
  });
});

describe('public exports', () => {
  it('exports every op from the package index', async () => {
    const tessera = (await import('../index.js')) as unknown as Record<string, unknown>;
    const names =
      'absolute negative multiply divide trueDivide subtract power floorDivide logsumexp isnan isfinite isinf isposinf isneginf amax amin stopGradient fmod divideNoNan cosh sinh tan arctan arcsin arccos arctan2 arcsinh arccosh arctanh cbrt exp2 log2 log10 logaddexp logaddexp2 hypot deg2rad rad2deg sinc trunc signbit heaviside isclose allclose nanToNum ptp countNonzero average hardSilu hardSwish hardTanh logSigmoid celu glu softShrink hardShrink tanhShrink squareplus sparsePlus sparseSigmoid threshold hardSigmoid swish swapaxes moveaxis ravel hstack vstack dstack arraySplit hsplit vsplit dsplit append unstack fliplr flipud rot90 outer inner dot vdot kron cross diagonal trace diag diagflat tri identity diff take searchsorted digitize bincount unique nonzero quantile percentile median trapezoid logspace geomspace vander fullLike empty emptyLike';
    expect(names.split(' ').filter((n) => typeof tessera[n] !== 'function')).toEqual([]);
  });
});
