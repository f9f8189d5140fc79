/**
 * dotProductAttention against Keras's `ops.dot_product_attention` (numpy backend; in
 * test/fixtures/attention_golden.json from scripts/attention_golden.py): plain, scale and bias,
 * masks, causal; grouped key/value heads against repeating them by hand; float64 gradients.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { ShapeError } from '../errors.js';
import { repeat } from './arrange.js';
import { dotProductAttention } from './attention.js';
import { tensor } from './creation.js';
import { randomNormal } from './random.js';

interface Arr {
  shape: number[];
  data: number[];
}
const golden = JSON.parse(
  readFileSync(new URL('../../test/fixtures/attention_golden.json', import.meta.url), 'utf8'),
) as {
  dpa: {
    name: string;
    query: Arr;
    key: Arr;
    value: Arr;
    bias: Arr | null;
    mask: Arr | null;
    scale: number | null;
    is_causal: boolean;
    output: Arr;
  }[];
};
const t = (a: Arr) => tensor(Float32Array.from(a.data), a.shape);

describe('dotProductAttention', () => {
  it.each(golden.dpa.map((c) => [c.name, c] as const))("matches Keras's: %s", (_n, c) => {
    const y = dotProductAttention(t(c.query), t(c.key), t(c.value), {
      bias: c.bias ? t(c.bias) : null,
      mask: c.mask ? t(c.mask).cast('bool') : null,
      scale: c.scale,
      isCausal: c.is_causal,
    });
    expectClose(y, t(c.output), { rtol: 1e-5, atol: 1e-5 });
  });

  it('serves several query heads from one key/value head (grouped attention)', () => {
    const q = randomNormal([2, 3, 4, 5], 0, 1, { seed: 1 });
    const k = randomNormal([2, 6, 2, 5], 0, 1, { seed: 2 });
    const v = randomNormal([2, 6, 2, 5], 0, 1, { seed: 3 });
    const grouped = dotProductAttention(q, k, v, { isCausal: true });
    const full = dotProductAttention(q, repeat(k, 2, 2), repeat(v, 2, 2), { isCausal: true });
    expect(Array.from(grouped.dataSync())).toEqual(Array.from(full.dataSync()));
  });

  it('passes a float64 gradient check with bias, mask and causality', () => {
    const mask = tensor(
      Uint8Array.from({ length: 12 }, (_, i) => (i % 4 === 3 ? 0 : 1)),
      [1, 1, 3, 4],
      'bool',
    );
    gradCheck(
      (q, k, v, b) => dotProductAttention(q, k, v, { bias: b, mask, isCausal: true }),
      [
        randomValues([1, 3, 2, 2], 1),
        randomValues([1, 4, 2, 2], 2),
        randomValues([1, 4, 2, 2], 3),
        randomValues([1, 2, 3, 4], 4),
      ],
    );
  });

  it('says which shapes do not fit', () => {
    const q = tensor(new Float32Array(2 * 3 * 4 * 5), [2, 3, 4, 5]);
    expect(() => dotProductAttention(q, q.reshape([2, 3, 20]), q)).toThrow(ShapeError);
    expect(() => dotProductAttention(q, q.reshape([2, 3, 20]), q)).toThrow(
      /key must be \[batch, length, heads, dim\], got \[2, 3, 20\]/,
    );
    const k3 = tensor(new Float32Array(2 * 3 * 3 * 5), [2, 3, 3, 5]);
    expect(() => dotProductAttention(q, k3, k3)).toThrow(
      /4 heads must be a multiple of the key's 3/,
    );
  });
});
