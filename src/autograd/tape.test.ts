import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import {
  customGrad,
  grad,
  grads,
  noGrad,
  tensor,
  valueAndGrad,
  variable,
  variableGrads,
  zeros,
} from '../index.js';

describe('autograd', () => {
  it('accumulates gradients where a tensor is used twice', () => {
    // f(x) = x·x + x  →  f'(x) = 2x + 1
    const g = grad((x) => x.mul(x).add(x).sum())(tensor([1, -2, 3]));
    expectClose(g, [3, -3, 7]);
  });

  it('reduces gradients over broadcast axes', () => {
    // f(a, b) = Σ (a + b) with a [2,3], b [3] → ∂/∂b = [2, 2, 2]
    const [ga, gb] = grads((a, b) => a.add(b).sum())([zeros([2, 3]), zeros([3])]);
    expectClose(ga!, [
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expectClose(gb!, [2, 2, 2]);
  });

  it('backward() fills .grad of trainable variables and accumulates across calls', () => {
    const w = variable(tensor([1, 2]));
    w.mul(w).sum().backward();
    expectClose(w.grad!, [2, 4]);
    w.sum().backward();
    expectClose(w.grad!, [3, 5]);
  });

  it('noGrad records nothing', () => {
    const w = variable(tensor([1, 2]));
    const y = noGrad(() => w.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
  });

  it('non-trainable variables get no gradient', () => {
    const w = variable(tensor([1, 2]), { trainable: false });
    const v = variable(tensor([3, 4]));
    const { grads: gs } = variableGrads(() => w.mul(v).sum(), [w, v]);
    expect(gs[0]).toBeNull();
    expectClose(gs[1]!, [1, 2]);
  });

  it('valueAndGrad returns the value', () => {
    const { value, grad: g } = valueAndGrad((x) => x.square().sum())(tensor([3]));
    expectClose(value, 9);
    expectClose(g, [6]);
  });

  it('customGrad uses the given backward', () => {
    // A clipped-gradient identity: forward x, backward clips dy to [-1, 1].
    const f = customGrad((x) => ({ value: x.mul(1), gradFunc: (dy) => [dy.clip(-1, 1)] }));
    const g = grad((x) => f(x).mul(5).sum())(tensor([1, 2]));
    expectClose(g, [1, 1]);
  });

  it('handles deep graphs without recursion limits', () => {
    const g = grad((x) => {
      let y = x;
      for (let i = 0; i < 20000; i++) y = y.add(1);
      return y.sum();
    })(tensor([0]));
    expectClose(g, [1]);
  });

  it('gradCheck helper catches a wrong gradient', () => {
    const wrong = customGrad((x) => ({ value: x.square(), gradFunc: (dy) => [dy.mul(x).mul(3)] }));
    expect(() => gradCheck((x) => wrong(x), [randomValues([3])])).toThrow(/gradCheck/);
  });

  it('the forward pass of the study notes: (10,2)·(2,4)+b → sigmoid → ·(4,3)+b', () => {
    // Hand-computed small case on the first two rows; shape checked on all ten.
    const x = tensor(
      Array.from({ length: 10 }, (_, i) => [i === 0 ? 1 : 0.1 * i, i === 1 ? 1 : -0.05 * i]),
    );
    const w1 = tensor([
      [1, 0, -1, 0.5],
      [0, 1, 2, -0.5],
    ]);
    const b1 = tensor([0, 0.5, -0.5, 0]);
    const w2 = tensor([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 1, 1],
    ]);
    const b2 = tensor([0.1, 0.2, 0.3]);
    const out = x.matmul(w1).add(b1).sigmoid().matmul(w2).add(b2);
    expect(out.shape).toEqual([10, 3]);
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    // Row 0: x = [1, 0] → h = [1, 0.5, -1.5, 0.5] → σ(h)
    const h0 = [s(1), s(0.5), s(-1.5), s(0.5)];
    // Row 1: x = [0.1, 1] → h = [0.1, 1.5, 1.4, -0.45]
    const h1 = [s(0.1), s(1.5), s(1.4), s(-0.45)];
    const row = (h: number[]) => [h[0]! + h[3]! + 0.1, h[1]! + h[3]! + 0.2, h[2]! + h[3]! + 0.3];
    expectClose(out.slice([0, 0], [2, 3]), [row(h0), row(h1)], { rtol: 1e-6 });
  });
});
