import { expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { grads } from '../autograd/grad.js';
import { getBackend } from '../backend/registry.js';
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { relu } from './activation.js';
import { biasAdd } from './conv.js';
import { tensor } from './creation.js';
import { biasActivation } from './fused.js';

/** Values in [-1, 1) with a NaN, ±0 and a value that rounds when the bias is added. */
function data(rows: number, cols: number) {
  const v = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 1.7));
  v[3] = Number.NaN;
  v[4] = -0;
  v[5] = 1e-8;
  return tensor(v, [rows, cols]);
}

describeBackends('biasActivation (the fused layer epilogue)', () => {
  // 4×5 stays under every backend's fused-kernel threshold; 200×33 runs the fused kernels.
  for (const [rows, cols] of [
    [4, 5],
    [200, 33],
  ] as const) {
    it(`equals biasAdd then relu / linear exactly, with and without a bias (${rows}×${cols})`, () => {
      const x = data(rows, cols);
      const b = tensor(
        Float32Array.from({ length: cols }, (_, j) => (j - cols / 2) / cols),
        [cols],
      );
      for (const act of ['relu', 'linear'] as const) {
        const want = (t: Tensor) => (act === 'relu' ? relu(t) : t);
        expect(Array.from(biasActivation(x, b, act).dataSync())).toEqual(
          Array.from(want(biasAdd(x, b)).dataSync()),
        );
        expect(Array.from(biasActivation(x, null, act).dataSync())).toEqual(
          Array.from(want(x).dataSync()),
        );
      }
    });
  }

  it('gradients equal those of the composed ops (float32, fused kernel size)', () => {
    const x = data(64, 24);
    const b = tensor(
      Float32Array.from({ length: 24 }, (_, j) => j / 48 - 0.25),
      [24],
    );
    const dy = tensor(
      Float32Array.from({ length: 64 * 24 }, (_, i) => Math.cos(i)),
      [64, 24],
    );
    const fused = grads((xx: Tensor, bb: Tensor) => biasActivation(xx, bb, 'relu'))([x, b], dy);
    const plain = grads((xx: Tensor, bb: Tensor) => relu(biasAdd(xx, bb)))([x, b], dy);
    fused.forEach((g, i) => {
      const a = Array.from(g.dataSync());
      const e = Array.from(plain[i]!.dataSync());
      if (i === 0) expect(a).toEqual(e);
      else a.forEach((v, j) => expect(Math.abs(v - e[j]!)).toBeLessThan(1e-5));
    });
  });

  it('rejects a bias that is not [channels], naming the op', () => {
    expect(() => biasActivation(data(2, 3), tensor([1, 2]), 'relu')).toThrow(ShapeError);
    expect(() => biasActivation(data(2, 3), tensor([1, 2]), 'relu')).toThrow(/biasActivation/);
  });
});

it('float64 gradient check of the fused path (js kernel), relu and linear', () => {
  expect(getBackend()).toBeDefined();
  for (const act of ['relu', 'linear'] as const) {
    // Inputs kept 0.05 from relu's kink after the bias is added.
    const xs = randomValues([6, 4], 3, -1, 1);
    const bs = randomValues([4], 4, -0.5, 0.5);
    for (let i = 0; i < xs.values.length; i++) {
      const s = xs.values[i]! + bs.values[i % 4]!;
      if (Math.abs(s) < 0.05) xs.values[i] = xs.values[i]! + 0.1;
    }
    gradCheck((x: Tensor, b: Tensor) => biasActivation(x, b, act), [xs, bs]);
    gradCheck((x: Tensor) => biasActivation(x, null, act), [xs]);
  }
});
