/**
 * `dotProductAttention`: Keras's `ops.dot_product_attention` in the `[batch, length, heads,
 * dim]` layout, written in einsum, softmax and where, so its gradient is theirs. Grouped
 * key/value heads (fewer than the query's) are repeated to the query's heads, as JAX does.
 */
import { record } from '../autograd/tape.js';
import type { AttentionArgs } from '../backend/backend.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { softmax } from './activation.js';
import { repeat } from './arrange.js';
import { tensor } from './creation.js';
import { einsum } from './einsum.js';
import { add, logicalAnd, where } from './elementwise.js';
import { broadcastTo } from './movement.js';
import { be, unbroadcast, wrap } from './util.js';

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
  let mask: Tensor | null = opts.mask == null ? null : convertToTensor(opts.mask, op, 'mask');
  if (mask && mask.dtype !== 'bool') mask = mask.cast('bool');
  const bias = opts.bias == null ? null : convertToTensor(opts.bias, op, 'bias');
  if (be().hasFusedAttention(q.dtype))
    return fusedAttention(q, k, v, {
      mask,
      bias,
      scale,
      isCausal: opts.isCausal,
      maskedValue: MASKED,
    }).output;
  let logits = einsum('BTNH,BSNH->BNTS', q, k).mul(scale);
  if (bias) logits = add(logits, bias);
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

/** Options of {@link fusedAttention}. */
export interface FusedAttentionOptions {
  /** Bool (or 0/1), broadcasting to `[batch, heads, T, S]`: true where attention is allowed. */
  mask?: Tensor | null;
  /** Added to the scaled logits (an additive mask); broadcasts to `[batch, heads, T, S]`. */
  bias?: Tensor | null;
  /** Logit scale (default `1 / √dim`). */
  scale?: number;
  /** Each query position attends only to key positions at or before it. */
  isCausal?: boolean;
  /** What masked logits become (default Keras's float32 large negative, `−0.7·3.39e38`). */
  maskedValue?: number;
}

/**
 * Scaled dot-product attention as one backend call forward and one backward (the fused
 * kernel where the backend has one, see `Backend.hasFusedAttention`; elsewhere the reference
 * in primitives). Returns the attention probabilities as well; they carry no gradient (use
 * the composite when a loss reads them).
 *
 * Formula: `probs = softmax(mask(scale · q·kᵀ + bias))`, `output = probs · v` per batch and
 * head.
 *
 * Shape: query `[B, T, N, H]`, key `[B, S, N, H]`, value `[B, S, N, Hv]` → output
 * `[B, T, N, Hv]`, probs `[B, N, T, S]`.
 * @example const { output } = fusedAttention(q, k, v, { isCausal: true });
 */
export function fusedAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: FusedAttentionOptions = {},
): { output: Tensor; probs: Tensor } {
  const op = 'fusedAttention';
  const [B, T, N, H] = q.shape as [number, number, number, number];
  const [, S, , Hv] = v.shape as [number, number, number, number];
  if (
    q.rank !== 4 ||
    k.rank !== 4 ||
    v.rank !== 4 ||
    k.shape[0] !== B ||
    k.shape[2] !== N ||
    k.shape[3] !== H ||
    v.shape[0] !== B ||
    k.shape[1] !== S ||
    v.shape[2] !== N
  )
    throw new ShapeError(
      `${op}: expected query [B, T, N, H], key [B, S, N, H] and value [B, S, N, Hv], got ${fmtShape(q.shape)}, ${fmtShape(k.shape)} and ${fmtShape(v.shape)}`,
    );
  const dt = q.dtype;
  if (!isFloat(dt) || k.dtype !== dt || v.dtype !== dt)
    throw new DTypeError(
      `${op}: query, key and value must share a float dtype, got ${q.dtype}, ${k.dtype} and ${v.dtype}`,
    );
  const scale = opts.scale ?? 1 / Math.sqrt(H);
  const maskedValue = opts.maskedValue ?? MASKED;
  if (!Number.isFinite(scale) || !Number.isFinite(maskedValue))
    throw new ValueError(
      `${op}: scale and maskedValue must be finite, got ${scale} and ${maskedValue}`,
    );
  const mask = opts.mask ? planes(op, 'mask', opts.mask.detach(), 'bool', B, N, T, S) : null;
  const bias = opts.bias ? planes(op, 'bias', opts.bias, dt, B, N, T, S) : null;
  const args: AttentionArgs = {
    batch: B,
    heads: N,
    queryLen: T,
    keyLen: S,
    dim: H,
    valueDim: Hv,
    scale,
    causal: opts.isCausal === true,
    maskedValue,
    maskBatch: mask ? mask.shape[0]! : 1,
    maskHeads: mask ? mask.shape[1]! : 1,
    biasBatch: bias ? bias.shape[0]! : 1,
    biasHeads: bias ? bias.shape[1]! : 1,
    logitGrad: false,
  };
  const b = be();
  const mh = mask ? mask.handleOn(b) : null;
  const bh = bias ? bias.handleOn(b) : null;
  const [oh, ph] = b.attention(q.handleOn(b), k.handleOn(b), v.handleOn(b), mh, bh, args, dt);
  const probs = wrap(b, ph, [B, N, T, S], dt);
  const inputs = opts.bias ? [q, k, v, opts.bias] : [q, k, v];
  const output = record(op, inputs, wrap(b, oh, [B, T, N, Hv], dt), (dy) => {
    const biasGrad = opts.bias?.requiresGrad === true;
    const [dq, dk, dv, dl] = b.attentionGrad(
      q.handleOn(b),
      k.handleOn(b),
      v.handleOn(b),
      ph,
      mh,
      dy.handleOn(b),
      { ...args, logitGrad: biasGrad },
      dt,
    );
    return [
      q.requiresGrad ? wrap(b, dq, q.shape, dt) : null,
      k.requiresGrad ? wrap(b, dk, k.shape, dt) : null,
      v.requiresGrad ? wrap(b, dv, v.shape, dt) : null,
      ...(opts.bias
        ? [biasGrad ? unbroadcast(wrap(b, dl!, [B, N, T, S], dt), opts.bias.shape) : null]
        : []),
    ];
  });
  return { output, probs };
}

/**
 * A mask or bias as `[1 | B, 1 | N, T, S]` in `dtype`: left-padded to rank 4, the query and key
 * axes broadcast to full size (the kernels walk whole planes), batch and heads left shared.
 */
function planes(
  op: string,
  name: string,
  x: Tensor,
  dtype: Tensor['dtype'],
  B: number,
  N: number,
  T: number,
  S: number,
): Tensor {
  if (x.rank > 4)
    throw new ShapeError(
      `${op}: the ${name} must broadcast to [${B}, ${N}, ${T}, ${S}], got ${fmtShape(x.shape)}`,
    );
  let m = x.dtype === dtype ? x : x.cast(dtype);
  while (m.rank < 4) m = m.expandDims(0);
  const [mb, mn] = m.shape as [number, number];
  const target = [mb === 1 ? 1 : B, mn === 1 ? 1 : N, T, S];
  return m.shape.every((d, i) => d === target[i]) ? m : broadcastTo(m, target);
}
