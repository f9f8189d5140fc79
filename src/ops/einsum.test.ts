/**
 * einsum against numpy (values) and torch (gradients of Σ w·einsum) on 21 equations
 * (scripts/einsum_golden.py → test/fixtures/einsum_golden.json), hand-derived cases, float64
 * gradient checks, and its errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { grads } from '../autograd/grad.js';
import { ShapeError, ValueError } from '../errors.js';
import { tensor } from './creation.js';
import { einsum } from './einsum.js';

interface Golden {
  equation: string;
  inputs: { shape: number[]; data: number[] }[];
  output: { shape: number[]; data: number[] };
  w: number[];
  grads: number[][];
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/einsum_golden.json', import.meta.url), 'utf8'),
) as { cases: Golden[] };

describe('einsum', () => {
  it('computes hand-derived products, transposes, sums and outer products', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([
      [5, 6],
      [7, 8],
    ]);
    expect(einsum('ij,jk->ik', a, b).arraySync()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(einsum('ij->ji', a).arraySync()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(einsum('ij->', a).arraySync()).toEqual(10);
    expect(einsum('ij->j', a).arraySync()).toEqual([4, 6]);
    expect(einsum('i,j->ij', tensor([1, 2]), tensor([3, 4, 5])).arraySync()).toEqual([
      [3, 4, 5],
      [6, 8, 10],
    ]);
    expect(einsum('ij,ij->', a, b).arraySync()).toEqual(70);
    // Implicit output: labels used once, alphabetically: 'ba,cb' → 'ac'.
    expect(einsum('ba,cb', a, b).arraySync()).toEqual(einsum('ba,cb->ac', a, b).arraySync());
  });

  it.each(golden.cases.map((c) => [c.equation, c] as const))(
    "matches numpy's values and torch's gradients: %s",
    (eq, c) => {
      const xs = c.inputs.map((x) => tensor(Float64Array.from(x.data), x.shape, 'float64'));
      const y = einsum(eq, ...xs);
      expect(y.shape).toEqual(c.output.shape);
      expectClose(Array.from(y.dataSync()), c.output.data, { rtol: 1e-12, atol: 1e-12 });
      const w = tensor(Float64Array.from(c.w), c.output.shape, 'float64');
      const g = grads((...ts) =>
        einsum(eq, ...ts)
          .mul(w)
          .sum(),
      )(xs);
      g.forEach((gi, i) =>
        expectClose(Array.from(gi.dataSync()), c.grads[i]!, { rtol: 1e-12, atol: 1e-12 }),
      );
      // And in float32.
      const y32 = einsum(
        eq,
        ...c.inputs.map((x) => tensor(Float32Array.from(x.data), x.shape, 'float32')),
      );
      expectClose(Array.from(y32.dataSync()), c.output.data, { rtol: 1e-4, atol: 1e-4 });
    },
  );

  it('passes float64 gradient checks (attention-shaped and broadcast equations)', () => {
    gradCheck(
      (q, k) => einsum('aecd,abcd->acbe', q, k),
      [randomValues([2, 3, 2, 2], 1), randomValues([2, 4, 2, 2], 2)],
    );
    gradCheck(
      (x, w) => einsum('...b,bc->...c', x, w),
      [randomValues([2, 3, 4], 3), randomValues([4, 2], 4)],
    );
    gradCheck(
      (a, b, c) => einsum('ij,jk,kl->il', a, b, c),
      [randomValues([2, 3], 5), randomValues([3, 2], 6), randomValues([2, 2], 7)],
    );
  });

  it('refuses bad equations and operands, naming the equation', () => {
    const a = tensor([[1, 2]]);
    expect(() => einsum('ij,jk->ik', a)).toThrow(ValueError);
    expect(() => einsum('ij,jk->ik', a)).toThrow(/einsum\('ij,jk->ik'\): the equation has 2/);
    expect(() => einsum('ijk->i', a)).toThrow(ShapeError);
    expect(() =>
      einsum(
        'ii->i',
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toThrow(/repeats label 'i'/);
    expect(() => einsum('ij,jk->iz', a, tensor([[1], [2]]))).toThrow(/'z' appears in no operand/);
    expect(() => einsum('ij,jk->ik', a, tensor([[1], [2], [3]]))).toThrow(
      /label 'j' is 2 in one operand and 3 in operand 1/,
    );
    expect(() => einsum('i1->i', a)).toThrow(/labels are letters/);
    expect(() =>
      einsum(
        '...i->i',
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toThrow(/must keep '\.\.\.'/);
  });
});
