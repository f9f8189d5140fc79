import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck } from '../../test/helpers/grad_check.js';
import { valueAndGrads } from '../autograd/grad.js';
import { tensor } from './creation.js';
import { concat, split } from './movement.js';
import { randomNormal } from './random.js';
import { gruGates, lstmGates } from './rnn_cell.js';

/** The unfused formula, written independently from the kernel. */
function reference(z: number[][], c: number[][]): [number[][], number[][]] {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const u = c[0]!.length;
  const h2: number[][] = [];
  const c2: number[][] = [];
  z.forEach((row, b) => {
    h2.push([]);
    c2.push([]);
    for (let j = 0; j < u; j++) {
      const cn = sig(row[u + j]!) * c[b]![j]! + sig(row[j]!) * Math.tanh(row[2 * u + j]!);
      c2[b]!.push(cn);
      h2[b]!.push(sig(row[3 * u + j]!) * Math.tanh(cn));
    }
  });
  return [h2, c2];
}

describeBackends('lstmGates', () => {
  it('computes h′ and c′ as the unfused formula, for small and kernel-sized batches', () => {
    for (const [batch, units] of [
      [2, 3],
      [70, 33],
    ] as const) {
      const z = randomNormal([batch, 4 * units], 0, 1, { seed: 3 });
      const c = randomNormal([batch, units], 0, 1, { seed: 4 });
      const [h2, c2] = lstmGates(z, c);
      const [rh, rc] = reference(z.arraySync() as number[][], c.arraySync() as number[][]);
      expectClose(h2, rh, { rtol: 1e-5, atol: 1e-6 });
      expectClose(c2, rc, { rtol: 1e-5, atol: 1e-6 });
    }
  });

  it('has the same gradient as the composite of sigmoid/tanh ops', () => {
    const z = randomNormal([5, 4 * 7], 0, 1, { seed: 5 });
    const c = randomNormal([5, 7], 0, 1, { seed: 6 });
    const w = randomNormal([5, 14], 0, 1, { seed: 7 });
    const fused = valueAndGrads((zz, cc) => concat(lstmGates(zz, cc), 1).mul(w).sum());
    const composite = valueAndGrads((zz, cc) => {
      const [zi, zf, zc, zo] = split(zz, 4, 1);
      const c2 = zf!.sigmoid().mul(cc).add(zi!.sigmoid().mul(zc!.tanh()));
      return concat([zo!.sigmoid().mul(c2.tanh()), c2], 1)
        .mul(w)
        .sum();
    });
    const a = fused([z, c]);
    const b = composite([z, c]);
    expectClose(a.value, b.value, { rtol: 1e-5 });
    expectClose(a.grads[0]!, b.grads[0]!, { rtol: 1e-4, atol: 1e-6 });
    expectClose(a.grads[1]!, b.grads[1]!, { rtol: 1e-4, atol: 1e-6 });
  });
});

describeBackends('gruGates', () => {
  it('has the value and gradients of the composite formula, small and kernel-sized', () => {
    for (const [batch, units] of [
      [3, 5],
      [40, 33],
    ] as const) {
      const x = randomNormal([batch, 3 * units], 0, 1, { seed: 11 });
      const r = randomNormal([batch, 3 * units], 0, 1, { seed: 12 });
      const h = randomNormal([batch, units], 0, 1, { seed: 13 });
      const w = randomNormal([batch, units], 0, 1, { seed: 14 });
      const fused = valueAndGrads((xx, rr, hh) => gruGates(xx!, rr!, hh!).mul(w).sum());
      const composite = valueAndGrads((xx, rr, hh) => {
        const [xz, xr, xh] = split(xx!, 3, 1);
        const [rz, rrr, rh] = split(rr!, 3, 1);
        const z = xz!.add(rz!).sigmoid();
        const rho = xr!.add(rrr!).sigmoid();
        const cand = xh!.add(rho.mul(rh!)).tanh();
        return cand
          .add(z.mul(hh!.sub(cand)))
          .mul(w)
          .sum();
      });
      const a = fused([x, r, h]);
      const b = composite([x, r, h]);
      expectClose(a.value, b.value, { rtol: 1e-5, atol: 1e-5 });
      for (let i = 0; i < 3; i++) expectClose(a.grads[i]!, b.grads[i]!, { rtol: 1e-4, atol: 1e-6 });
    }
  });
});

describe('gruGates', () => {
  it('passes a float64 gradient check', () => {
    const x = randomNormal([2, 9], 0, 1, { seed: 15 });
    const r = randomNormal([2, 9], 0, 1, { seed: 16 });
    const h = randomNormal([2, 3], 0, 1, { seed: 17 });
    gradCheck((xx, rr, hh) => gruGates(xx!, rr!, hh!), [x, r, h]);
  });

  it('names the shapes it expected and got', () => {
    expect(() => gruGates(tensor([[1, 2, 3]]), tensor([[1, 2, 3]]), tensor([[1, 2]]))).toThrow(
      /gruGates: expected x and r \[batch, 3·units\] and h \[batch, units\], got x \[1, 3\], r \[1, 3\] and h \[1, 2\]/,
    );
  });
});

describe('lstmGates', () => {
  it('passes a float64 gradient check', () => {
    const z = randomNormal([3, 8], 0, 1, { seed: 8 });
    const c = randomNormal([3, 2], 0, 1, { seed: 9 });
    gradCheck((zz, cc) => concat(lstmGates(zz!, cc!), 1), [z, c]);
  });

  it('names the shapes it expected and got', () => {
    expect(() => lstmGates(tensor([[1, 2, 3]]), tensor([[1]]))).toThrow(
      /lstmGates: expected z \[batch, 4·units\] and c \[batch, units\], got z \[1, 3\] and c \[1, 1\]/,
    );
  });
});
