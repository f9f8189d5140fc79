/**
 * fusedAttention (one backend call forward, one backward) against the composite it replaces
 * (einsum, where, softmax, einsum; autograd's gradients), on every backend: the native
 * and wasm backends' kernels (attention.cc, assembly/attention.ts) and the reference in
 * primitives on js. Shapes cover key
 * lengths off the 8-lane blocks, head sizes off 16, masks shared over batch or heads, causal
 * bands with and without a mask, and a row masked whole. Float64 gradients of the reference.
 */
import { describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { grads } from '../autograd/grad.js';
import { getBackend } from '../backend/registry.js';
import { DTypeError, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { softmax } from './activation.js';
import { dotProductAttention, fusedAttention } from './attention.js';
import { tensor } from './creation.js';
import { einsum } from './einsum.js';
import { logicalAnd, where } from './elementwise.js';
import { randomNormal, randomUniform } from './random.js';

/** The composite: logits, mask, softmax, weighted values; autograd differentiates it. */
function composite(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | null,
  causal: boolean,
  masked: number,
  bias: Tensor | null = null,
): Tensor {
  const [, T] = q.shape as number[];
  const S = k.shape[1]!;
  let m = mask;
  if (causal) {
    const band = new Uint8Array(T! * S);
    for (let t = 0; t < T!; t++) for (let s = 0; s <= Math.min(t, S - 1); s++) band[t * S + s] = 1;
    const c = tensor(band, [1, 1, T!, S], 'bool');
    m = m ? logicalAnd(m, c) : c;
  }
  let logits = einsum('btnh,bsnh->bnts', q, k).mul(1 / Math.sqrt(q.shape[3]!));
  if (bias) logits = logits.add(bias);
  if (m) logits = where(m, logits, masked);
  return einsum('bnts,bsnh->btnh', softmax(logits, -1), v);
}

interface Case {
  name: string;
  /** batch, query length, key length, heads, dim, value dim */
  dims: [number, number, number, number, number, number];
  /** Mask extent over [batch, heads] (null: no mask). */
  mask: [number, number] | null;
  causal: boolean;
  /** Masks the whole of query row 1 (with a mask). */
  rowMaskedWhole?: boolean;
  /** An additive bias's shape (it broadcasts to [B, N, T, S]). */
  bias?: number[];
}

const CASES: Case[] = [
  { name: 'no mask, S = 200, H = 16', dims: [2, 7, 200, 2, 16, 16], mask: null, causal: false },
  { name: 'S off the 8-lane blocks, H = 5', dims: [3, 5, 13, 3, 5, 7], mask: null, causal: false },
  { name: 'causal, T = S = 37', dims: [2, 37, 37, 2, 16, 16], mask: null, causal: true },
  { name: 'causal, T > S', dims: [1, 9, 6, 1, 8, 8], mask: null, causal: true },
  {
    name: 'mask per batch (shared heads)',
    dims: [3, 6, 11, 2, 8, 24],
    mask: [3, 1],
    causal: false,
  },
  {
    name: 'mask per head (shared batch)',
    dims: [2, 4, 40, 3, 32, 40],
    mask: [1, 3],
    causal: false,
  },
  { name: 'mask and causal', dims: [2, 8, 8, 2, 4, 4], mask: [2, 2], causal: true },
  {
    name: 'bias per batch and head',
    dims: [2, 5, 11, 2, 8, 8],
    mask: null,
    causal: false,
    bias: [2, 2, 5, 11],
  },
  {
    name: 'bias shared, broadcast over queries, with causality and a mask',
    dims: [2, 6, 6, 3, 4, 4],
    mask: [2, 1],
    causal: true,
    bias: [3, 1, 6],
  },
  {
    name: 'a row masked whole',
    dims: [2, 4, 9, 2, 6, 6],
    mask: [2, 1],
    causal: false,
    rowMaskedWhole: true,
  },
];

function inputs(c: Case, seed: number) {
  const [B, T, S, N, H, Hv] = c.dims;
  const q = randomNormal([B, T, N, H], 0, 1, { seed });
  const k = randomNormal([B, S, N, H], 0, 1, { seed: seed + 1 });
  const v = randomNormal([B, S, N, Hv], 0, 1, { seed: seed + 2 });
  let mask: Tensor | null = null;
  if (c.mask) {
    const [mb, mn] = c.mask;
    const u = randomUniform([mb, mn, T, S], 0, 1, { seed: seed + 3 }).dataSync();
    const bytes = Uint8Array.from(u, (x, i) => {
      const t = Math.floor(i / S) % T;
      if (c.rowMaskedWhole && t === 1) return 0;
      // Keep key 0 so that only the chosen row is masked whole.
      return i % S === 0 || x < 0.7 ? 1 : 0;
    });
    mask = tensor(bytes, [mb, mn, T, S], 'bool');
  }
  const bias = c.bias ? randomNormal(c.bias, 0, 1, { seed: seed + 4 }) : null;
  return { q, k, v, mask, bias };
}

describeBackends('fusedAttention', (backend) => {
  it('reports a fused kernel only where one exists', () => {
    expect(getBackend().hasFusedAttention('float32')).toBe(backend !== 'js');
    expect(getBackend().hasFusedAttention('float64')).toBe(false);
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    'matches the composite and its gradients: %s',
    (_n, c) => {
      const { q, k, v, mask, bias } = inputs(c, 40);
      const xs = bias ? [q, k, v, bias] : [q, k, v];
      for (const masked of [-1e9, -0.7 * 3.38953e38]) {
        const f = (a: Tensor, b: Tensor, d: Tensor, e?: Tensor) =>
          fusedAttention(a, b, d, { mask, bias: e, isCausal: c.causal, maskedValue: masked })
            .output;
        const g = (a: Tensor, b: Tensor, d: Tensor, e?: Tensor) =>
          composite(a, b, d, mask, c.causal, masked, e ?? null);
        expectClose(f(q, k, v, bias ?? undefined), g(q, k, v, bias ?? undefined), {
          rtol: 1e-5,
          atol: 2e-6,
        });
        const dy = randomNormal([c.dims[0], c.dims[1], c.dims[3], c.dims[5]], 0, 1, { seed: 9 });
        const gf = grads(f)(xs, dy);
        const gc = grads(g)(xs, dy);
        expect(gf.map((t) => t.shape)).toEqual(xs.map((t) => t.shape));
        for (let i = 0; i < xs.length; i++) expectClose(gf[i]!, gc[i]!, { rtol: 1e-4, atol: 1e-5 });
      }
    },
  );

  it('returns the attention probabilities: rows sum to one, zero where masked', () => {
    const c = CASES[6]!;
    const { q, k, v, mask } = inputs(c, 7);
    const { probs } = fusedAttention(q, k, v, { mask, isCausal: true });
    const [B, T, S, N] = c.dims;
    expect(probs.shape).toEqual([B, N, T, S]);
    const p = probs.dataSync();
    const m = mask!.dataSync();
    for (let r = 0; r < B * N * T; r++) {
      const t = r % T;
      let sum = 0;
      for (let s = 0; s < S; s++) {
        // The mask is [B, N, T, S] here, so row r of the probabilities is row r of the mask.
        const allowed = s <= t && m[r * S + s] === 1;
        if (!allowed) expect(p[r * S + s]).toBe(0);
        sum += p[r * S + s]!;
      }
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('is what dotProductAttention computes, with a mask and a bias', () => {
    const { q, k, v, mask } = inputs(CASES[4]!, 3);
    const bias = randomNormal([3, 1, 6, 11], 0, 1, { seed: 4 });
    expectClose(
      dotProductAttention(q, k, v, { mask, bias }),
      composite(q, k, v, mask, false, -0.7 * 3.38953e38, bias),
      { rtol: 1e-5, atol: 2e-6 },
    );
  });
});

describe('fusedAttention (reference)', () => {
  it('passes a float64 gradient check with a batch mask, causality and a row masked whole', () => {
    const mask = tensor(
      Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) =>
        Math.floor(i / 4) % 3 === 1 ? 0 : i % 3 ? 1 : 0,
      ),
      [2, 1, 3, 4],
      'bool',
    );
    gradCheck(
      (q, k, v) => fusedAttention(q, k, v, { mask, isCausal: true }).output,
      [randomValues([2, 3, 2, 3], 1), randomValues([2, 4, 2, 3], 2), randomValues([2, 4, 2, 5], 3)],
    );
    gradCheck(
      (q, k, v, bias) => fusedAttention(q, k, v, { mask, bias, isCausal: true }).output,
      [
        randomValues([2, 3, 2, 3], 7),
        randomValues([2, 4, 2, 3], 8),
        randomValues([2, 4, 2, 2], 9),
        randomValues([2, 1, 3, 4], 10),
      ],
    );
    gradCheck(
      (q, k, v) => fusedAttention(q, k, v, { scale: 0.7 }).output,
      [randomValues([1, 5, 1, 2], 4), randomValues([1, 3, 1, 2], 5), randomValues([1, 3, 1, 2], 6)],
    );
  });

  it('names what does not fit', () => {
    const q = randomNormal([2, 3, 4, 5], 0, 1, { seed: 1 });
    expect(() => fusedAttention(q, q.reshape([2, 3, 20]), q)).toThrow(ShapeError);
    expect(() => fusedAttention(q, q, q.reshape([2, 3, 2, 10]))).toThrow(
      /fusedAttention: expected query \[B, T, N, H\]/,
    );
    expect(() => fusedAttention(q, q, q.cast('float64'))).toThrow(DTypeError);
    expect(() =>
      fusedAttention(q, q, q, { mask: tensor(new Uint8Array(32), [2, 1, 1, 4, 4], 'bool') }),
    ).toThrow(/mask must broadcast to \[2, 4, 3, 3\]/);
    expect(() => fusedAttention(q, q, q, { scale: Number.NaN })).toThrow(
      /scale and maskedValue must be finite/,
    );
  });
});
