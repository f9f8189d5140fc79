/**
 * `dotProductAttention`: Keras's `ops.dot_product_attention` in the `[batch, length, heads,
 * dim]` layout, written in einsum, softmax and where, so its gradient is theirs. Grouped
 * key/value heads (fewer than the query's) are repeated to the query's heads, as JAX does.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { softmax } from './activation.js';
import { repeat } from './arrange.js';
import { tensor } from './creation.js';
import { einsum } from './einsum.js';
import { add, logicalAnd, where } from './elementwise.js';

/** Options of {@link dotProductAttention}, Keras's names. */
export interface DotProductAttentionOptions {
  /** Added to the logits; broadcasts to `[batch, heads, T, S]`. */
  bias?: TensorLike | null;
  /** Boolean (or 0/1), broadcasting to `[batch, heads, T, S]`: true where attention is allowed. */
  mask?: TensorLike | null;
  /** Logit scale (default `1 / √dim`). */
  scale?: number | null;
  /** Each query position attends only to key positions at or before it. */
  isCausal?: boolean;
}

/** What masked logits become: Keras's large negative for float32 (softmax gives them 0). */
const MASKED = -0.7 * 3.38953e38;

/**
 * Scaled dot-product attention.
 *
 * Formula: `out = softmax(mask(q·kᵀ · scale + bias)) · v` per batch and head, masked logits
 * set to a large negative number.
 *
 * Shape: query `[B, T, N, H]`, key and value `[B, S, K, H]` (K divides N; each key/value
 * head serves N/K query heads) → `[B, T, N, H]`.
 * @example dotProductAttention(q, k, v, { isCausal: true })
 */
export function dotProductAttention(
  queryIn: TensorLike,
  keyIn: TensorLike,
  valueIn: TensorLike,
  opts: DotProductAttentionOptions = {},
): Tensor {
  const op = 'dotProductAttention';
  const q = convertToTensor(queryIn, op, 'query');
  let k = convertToTensor(keyIn, op, 'key');
  let v = convertToTensor(valueIn, op, 'value');
  for (const [name, t] of [
    ['query', q],
    ['key', k],
    ['value', v],
  ] as const)
    if (t.rank !== 4)
      throw new ShapeError(
        `${op}: ${name} must be [batch, length, heads, dim], got ${fmtShape(t.shape)}`,
      );
  const [b, tLen, n, h] = q.shape as [number, number, number, number];
  const [bk, sLen, kh, hk] = k.shape as [number, number, number, number];
  if (bk !== b || hk !== h || v.shape[0] !== b || v.shape[1] !== sLen || v.shape[2] !== kh)
    throw new ShapeError(
      `${op}: query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} do not fit [B, T, N, H], [B, S, K, H], [B, S, K, Hv]`,
    );
  if (n % kh !== 0)
    throw new ShapeError(
      `${op}: the query's ${n} heads must be a multiple of the key's ${kh} heads`,
    );
  if (kh !== n) {
    k = repeat(k, n / kh, 2);
    v = repeat(v, n / kh, 2);
  }
  const scale = opts.scale ?? 1 / Math.sqrt(h);
  if (!Number.isFinite(scale)) throw new ValueError(`${op}: scale must be finite, got ${scale}`);
  let logits = einsum('BTNH,BSNH->BNTS', q, k).mul(scale);
  if (opts.bias != null) logits = add(logits, convertToTensor(opts.bias, op, 'bias'));
  let mask: Tensor | null = opts.mask == null ? null : convertToTensor(opts.mask, op, 'mask');
  if (mask && mask.dtype !== 'bool') mask = mask.cast('bool');
  if (opts.isCausal) {
    const data = new Uint8Array(tLen * sLen);
    for (let i = 0; i < tLen; i++)
      for (let j = 0; j <= Math.min(i, sLen - 1); j++) data[i * sLen + j] = 1;
    const causal = tensor(data, [1, 1, tLen, sLen], 'bool');
    mask = mask ? logicalAnd(mask, causal) : causal;
  }
  if (mask) logits = where(mask, logits, MASKED);
  const probs = softmax(logits, -1);
  return einsum('BNTS,BSNH->BTNH', probs, v);
}
