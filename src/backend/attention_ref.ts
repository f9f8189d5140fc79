/**
 * Reference fused attention, forward and backward, written in backend primitives (transpose,
 * batched matmul, where, softmax, reduce). Every backend has it through `BaseBackend`; on the
 * js backend it runs in float64 and is the oracle the fused kernels (native `attention.cc`)
 * are checked against.
 */
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import type { AttentionArgs, AttentionGrads, Backend, DataHandle } from './backend.js';

/** `[B, L, N, H]` ↔ `[B, N, L, H]` (the same permutation both ways). */
const SWAP = [0, 2, 1, 3] as const;

/** The combined mask (user mask and causal band) as bool, and its shape; null when none. */
function combinedMask(
  b: Backend,
  mask: DataHandle | null,
  a: AttentionArgs,
): { m: DataHandle; shape: Shape } | null {
  const { queryLen: T, keyLen: S } = a;
  let m: { m: DataHandle; shape: Shape } | null = mask
    ? { m: mask, shape: [a.maskBatch, a.maskHeads, T, S] }
    : null;
  if (a.causal) {
    const band = new Uint8Array(T * S);
    for (let t = 0; t < T; t++) for (let s = 0; s <= Math.min(t, S - 1); s++) band[t * S + s] = 1;
    const c = { m: b.fromArray(band, 'bool'), shape: [1, 1, T, S] as Shape };
    m = m
      ? {
          m: b.binary('logicalAnd', m.m, m.shape, c.m, c.shape, m.shape, 'bool', 'bool'),
          shape: m.shape,
        }
      : c;
  }
  return m;
}

/** The transposed operands `[B, N, L, H]` and the logits' shape. */
function heads(
  b: Backend,
  q: DataHandle,
  k: DataHandle,
  v: DataHandle,
  a: AttentionArgs,
  dt: DType,
) {
  const { batch: B, heads: N, queryLen: T, keyLen: S, dim: H, valueDim: Hv } = a;
  return {
    qh: b.transpose(q, [B, T, N, H], SWAP, dt),
    kh: b.transpose(k, [B, S, N, H], SWAP, dt),
    vh: b.transpose(v, [B, S, N, Hv], SWAP, dt),
    logitShape: [B, N, T, S] as Shape,
  };
}

/** Forward of {@link Backend.attention} in primitives: `[out, probs]`. */
export function attentionRef(
  b: Backend,
  q: DataHandle,
  k: DataHandle,
  v: DataHandle,
  mask: DataHandle | null,
  bias: DataHandle | null,
  a: AttentionArgs,
  dt: DType,
): [DataHandle, DataHandle] {
  const { batch: B, heads: N, queryLen: T, keyLen: S, dim: H, valueDim: Hv } = a;
  const { qh, kh, vh, logitShape } = heads(b, q, k, v, a, dt);
  const bn = B * N;
  let logits = b.matmul(
    qh,
    kh,
    { batch: bn, m: T, n: S, k: H, transA: false, transB: true, strideA: T * H, strideB: S * H },
    dt,
  );
  logits = b.binary('mul', logits, logitShape, b.fill(1, a.scale, dt), [], logitShape, dt, dt);
  if (bias) {
    const bs: Shape = [a.biasBatch, a.biasHeads, T, S];
    logits = b.binary('add', logits, logitShape, bias, bs, logitShape, dt, dt);
  }
  const m = combinedMask(b, mask, a);
  if (m)
    logits = b.where(
      m.m,
      m.shape,
      logits,
      logitShape,
      b.fill(1, a.maskedValue, dt),
      [],
      logitShape,
      dt,
    );
  const probs = b.softmax(logits, logitShape, 3, dt);
  const outH = b.matmul(
    probs,
    vh,
    { batch: bn, m: T, n: Hv, k: S, transA: false, transB: false, strideA: T * S, strideB: S * Hv },
    dt,
  );
  return [b.transpose(outH, [B, N, T, Hv], SWAP, dt), probs];
}

/** Backward of {@link Backend.attention} in primitives: `[dq, dk, dv]`. */
export function attentionGradRef(
  b: Backend,
  q: DataHandle,
  k: DataHandle,
  v: DataHandle,
  probs: DataHandle,
  mask: DataHandle | null,
  dOut: DataHandle,
  a: AttentionArgs,
  dt: DType,
): AttentionGrads {
  const { batch: B, heads: N, queryLen: T, keyLen: S, dim: H, valueDim: Hv } = a;
  const { qh, kh, vh, logitShape } = heads(b, q, k, v, a, dt);
  const bn = B * N;
  const doh = b.transpose(dOut, [B, T, N, Hv], SWAP, dt);
  // dV = Pᵀ·dO and dP = dO·Vᵀ per batch and head.
  const dvh = b.matmul(
    probs,
    doh,
    { batch: bn, m: S, n: Hv, k: T, transA: true, transB: false, strideA: T * S, strideB: T * Hv },
    dt,
  );
  const dp = b.matmul(
    doh,
    vh,
    { batch: bn, m: T, n: S, k: Hv, transA: false, transB: true, strideA: T * Hv, strideB: S * Hv },
    dt,
  );
  // The softmax's backward: dL = P ⊙ (dP − Σ_s P ⊙ dP), zero where the logit was replaced.
  const pdp = b.binary('mul', probs, logitShape, dp, logitShape, logitShape, dt, dt);
  const rowShape: Shape = [B, N, T, 1];
  const rows = b.reduce('sum', pdp, logitShape, [3], dt, dt);
  let dl = b.binary(
    'mul',
    probs,
    logitShape,
    b.binary('sub', dp, logitShape, rows, rowShape, logitShape, dt, dt),
    logitShape,
    logitShape,
    dt,
    dt,
  );
  const m = combinedMask(b, mask, a);
  if (m) dl = b.where(m.m, m.shape, dl, logitShape, b.fill(1, 0, dt), [], logitShape, dt);
  const dLogits = dl;
  dl = b.binary('mul', dl, logitShape, b.fill(1, a.scale, dt), [], logitShape, dt, dt);
  const dqh = b.matmul(
    dl,
    kh,
    { batch: bn, m: T, n: H, k: S, transA: false, transB: false, strideA: T * S, strideB: S * H },
    dt,
  );
  const dkh = b.matmul(
    dl,
    qh,
    { batch: bn, m: S, n: H, k: T, transA: true, transB: false, strideA: T * S, strideB: T * H },
    dt,
  );
  const grads: AttentionGrads = [
    b.transpose(dqh, [B, N, T, H], SWAP, dt),
    b.transpose(dkh, [B, N, S, H], SWAP, dt),
    b.transpose(dvh, [B, N, S, Hv], SWAP, dt),
  ];
  if (a.logitGrad) grads.push(dLogits);
  return grads;
}
