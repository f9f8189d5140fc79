/**
 * Reference whole-sequence LSTM and GRU, forward and backpropagation through time, written in
 * backend primitives (slice, matmul, add, the fused cell gates, concat). Every backend has them
 * through `BaseBackend`; on the js backend they run in float64 and are the oracle the fused
 * sequence kernels (native `lstm_seq.cc`, `gru_seq.cc`) are checked against.
 */
import { ValueError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import type {
  Backend,
  DataHandle,
  GruSequenceArgs,
  GruSequenceResult,
  LstmSequenceArgs,
  LstmSequenceResult,
  MatmulArgs,
} from './backend.js';

/** What the reference LSTM sequence keeps for its backward. */
interface RefLstmSaved {
  readonly kind: 'reference';
  U: DataHandle;
  /** h and c before each step (index k) and after the last (index steps). */
  hs: DataHandle[];
  cs: DataHandle[];
  /** Each step's pre-activations and `lstmCell` output. */
  zs: DataHandle[];
  hcs: DataHandle[];
  /** The sequence mask, or null. */
  mask: DataHandle | null;
}

/** What the reference GRU sequence keeps for its backward. */
interface RefGruSaved {
  readonly kind: 'reference';
  U: DataHandle;
  /** h before each step (index k) and after the last (index steps). */
  hs: DataHandle[];
  /** Each step's input and recurrent projections. */
  xs: DataHandle[];
  rs: DataHandle[];
  /** The sequence mask, or null. */
  mask: DataHandle | null;
}

/** `[m, k]·[k, n]` with the operands transposed as asked. */
function mm(m: number, n: number, k: number, transA = false, transB = false): MatmulArgs {
  return { batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0 };
}

/** Step k's slice `[B, g]` of a `[B, T, g]` sequence. */
function stepOf(
  b: Backend,
  seq: DataHandle,
  B: number,
  T: number,
  g: number,
  t: number,
  dt: DType,
) {
  return b.slice(seq, [B, T, g], [0, t, 0], [1, 1, 1], [B, 1, g], dt);
}

/** `[B, g]` steps joined along time into `[B, T, g]`. */
function joinSteps(b: Backend, steps: DataHandle[], B: number, g: number, dt: DType): DataHandle {
  return b.concat(
    steps,
    steps.map(() => [B, 1, g]),
    1,
    dt,
  );
}

/** Step t's mask `[B, 1]` (bool), or null without a mask. */
function keepOf(
  b: Backend,
  a: LstmSequenceArgs,
  mask: DataHandle | null,
  t: number,
): DataHandle | null {
  if (!mask) return null;
  return b.slice(mask, [a.batch, a.steps], [0, t], [1, 1], [a.batch, 1], 'bool');
}

/** `keep ? x : y` over `[B, n]` rows (keep `[B, 1]`). */
function pick(
  b: Backend,
  keep: DataHandle,
  x: DataHandle,
  y: DataHandle,
  B: number,
  n: number,
  dt: DType,
) {
  const s: Shape = [B, n];
  return b.where(keep, [B, 1], x, s, y, s, s, dt);
}

/**
 * The masked-step bookkeeping of both recurrences: rows whose mask is off keep their previous
 * states, and output the previous output (zeros before the first step, or with
 * `zeroOutputForMask`).
 */
function maskStep(
  b: Backend,
  a: LstmSequenceArgs,
  keep: DataHandle,
  fresh: DataHandle[],
  prev: DataHandle[],
  h: DataHandle,
  prevOut: DataHandle,
  dt: DType,
): { states: DataHandle[]; out: DataHandle } {
  const { batch: B, units: u } = a;
  const states = fresh.map((f, i) => pick(b, keep, f, prev[i]!, B, u, dt));
  const other = a.zeroOutputForMask ? b.fill(B * u, 0, dt) : prevOut;
  return { states, out: pick(b, keep, h, other, B, u, dt) };
}

/**
 * The LSTM recurrence of {@link Backend.lstmSequence} in primitives.
 *
 * Formula: `z = xProj_t + h·U`; `[h', c'] = lstmCell(z, c)`.
 * Shape: xProj `[B, T, 4u]`, U `[u, 4u]`, h0, c0 `[B, u]` → h `[B, T, u]`, hLast, cLast `[B, u]`.
 * @example
 * const r = lstmSequenceRef(backend, xProj, U, h0, c0, { batch, steps, units, goBackwards }, 'float64');
 */
export function lstmSequenceRef(
  b: Backend,
  xProj: DataHandle,
  U: DataHandle,
  h0: DataHandle,
  c0: DataHandle,
  a: LstmSequenceArgs,
  dtype: DType,
  mask: DataHandle | null = null,
): LstmSequenceResult {
  const { batch: B, steps: T, units: u } = a;
  const g: Shape = [B, 4 * u];
  const hs = [h0];
  const cs = [c0];
  const zs: DataHandle[] = [];
  const hcs: DataHandle[] = [];
  const outs: DataHandle[] = [];
  let prevOut = mask ? b.fill(B * u, 0, dtype) : h0;
  for (let k = 0; k < T; k++) {
    const t = a.goBackwards ? T - 1 - k : k;
    const xt = stepOf(b, xProj, B, T, 4 * u, t, dtype);
    const r = b.matmul(hs[k]!, U, mm(B, 4 * u, u), dtype);
    const z = b.binary('add', xt, g, r, g, g, dtype, dtype);
    const hc = b.lstmCell(z, cs[k]!, B, u, dtype);
    zs.push(z);
    hcs.push(hc);
    let h = b.slice(hc, [B, 2 * u], [0, 0], [1, 1], [B, u], dtype);
    let c = b.slice(hc, [B, 2 * u], [0, u], [1, 1], [B, u], dtype);
    let out = h;
    const keep = keepOf(b, a, mask, t);
    if (keep) {
      const m = maskStep(b, a, keep, [h, c], [hs[k]!, cs[k]!], h, prevOut, dtype);
      [h, c] = m.states as [DataHandle, DataHandle];
      out = m.out;
    }
    hs.push(h);
    cs.push(c);
    outs.push(out);
    prevOut = out;
  }
  const h = joinSteps(b, outs, B, u, dtype);
  const saved: RefLstmSaved = { kind: 'reference', U, hs, cs, zs, hcs, mask };
  return { h, hLast: hs[T]!, cLast: cs[T]!, saved };
}

/**
 * Backpropagation through time for {@link lstmSequenceRef}.
 *
 * Formula: per step back, `[dz, dc] = lstmCellGrad(…)`, `dU += hᵀ·dz`, `dh = dz·Uᵀ`.
 * Shape: dh `[B, T, u]`, dhLast, dcLast `[B, u]` (null = 0) → dxProj, dU, dh0, dc0.
 * @example
 * const [dx, dU, dh0, dc0] = lstmSequenceGradRef(backend, r.saved, dh, null, null, args, 'float64');
 */
export function lstmSequenceGradRef(
  b: Backend,
  saved: LstmSequenceResult['saved'],
  dh: DataHandle | null,
  dhLast: DataHandle | null,
  dcLast: DataHandle | null,
  a: LstmSequenceArgs,
  dtype: DType,
): [DataHandle, DataHandle, DataHandle, DataHandle] {
  const { batch: B, steps: T, units: u } = a;
  const s = saved as RefLstmSaved;
  if (s.kind !== 'reference') {
    throw new ValueError(`lstmSequenceGrad: state saved by another kernel (${s.kind})`);
  }
  const su: Shape = [B, u];
  const sU: Shape = [u, 4 * u];
  const zero = b.fill(B * u, 0, dtype);
  const mask = s.mask;
  let dhk = dhLast ?? zero;
  let dck = dcLast ?? zero;
  let dU = b.fill(u * 4 * u, 0, dtype);
  // With a mask: the gradient of the previous output, which a masked step repeats.
  let doCarry = zero;
  const dzs: DataHandle[] = new Array(T);
  for (let k = T - 1; k >= 0; k--) {
    const t = a.goBackwards ? T - 1 - k : k;
    const keep = keepOf(b, a, mask, t);
    let dOut = dh ? stepOf(b, dh, B, T, u, k, dtype) : zero;
    if (keep) dOut = b.binary('add', dOut, su, doCarry, su, su, dtype, dtype);
    // A masked row's step gets no gradient (its gate gradients are then zero); its states'
    // gradients pass through.
    const dhIn = b.binary('add', dhk, su, dOut, su, su, dtype, dtype);
    const dhStep = keep ? pick(b, keep, dhIn, zero, B, u, dtype) : dhIn;
    const dcStep = keep ? pick(b, keep, dck, zero, B, u, dtype) : dck;
    const dhc = b.concat([dhStep, dcStep], [su, su], 1, dtype);
    const [dz, dcPrev] = b.lstmCellGrad(s.zs[k]!, s.cs[k]!, s.hcs[k]!, dhc, B, u, dtype);
    const gU = b.matmul(s.hs[k]!, dz, mm(u, 4 * u, B, true), dtype);
    dU = b.binary('add', dU, sU, gU, sU, sU, dtype, dtype);
    const back = b.matmul(dz, s.U, mm(B, u, 4 * u, false, true), dtype);
    dhk = keep ? pick(b, keep, back, dhk, B, u, dtype) : back;
    dck = keep ? pick(b, keep, dcPrev, dck, B, u, dtype) : dcPrev;
    if (keep) doCarry = a.zeroOutputForMask ? zero : pick(b, keep, zero, dOut, B, u, dtype);
    dzs[t] = dz;
  }
  return [joinSteps(b, dzs, B, 4 * u, dtype), dU, dhk, dck];
}

/**
 * The GRU recurrence of {@link Backend.gruSequence} in primitives.
 *
 * Formula: `rp = h·U + bRec`; `h' = gruCell(xProj_t, rp, h)`.
 * Shape: xProj `[B, T, 3u]`, U `[u, 3u]`, bRec `[3u]` or null, h0 `[B, u]` → h `[B, T, u]`,
 * hLast `[B, u]`.
 * @example
 * const r = gruSequenceRef(backend, xProj, U, bRec, h0, { batch, steps, units, goBackwards }, 'float64');
 */
export function gruSequenceRef(
  b: Backend,
  xProj: DataHandle,
  U: DataHandle,
  bRec: DataHandle | null,
  h0: DataHandle,
  a: GruSequenceArgs,
  dtype: DType,
  mask: DataHandle | null = null,
): GruSequenceResult {
  const { batch: B, steps: T, units: u } = a;
  const g: Shape = [B, 3 * u];
  const hs = [h0];
  const xs: DataHandle[] = [];
  const rs: DataHandle[] = [];
  const outs: DataHandle[] = [];
  let prevOut = mask ? b.fill(B * u, 0, dtype) : h0;
  for (let k = 0; k < T; k++) {
    const t = a.goBackwards ? T - 1 - k : k;
    const xt = stepOf(b, xProj, B, T, 3 * u, t, dtype);
    let r = b.matmul(hs[k]!, U, mm(B, 3 * u, u), dtype);
    if (bRec) r = b.binary('add', r, g, bRec, [3 * u], g, dtype, dtype);
    xs.push(xt);
    rs.push(r);
    let h = b.gruCell(xt, r, hs[k]!, B, u, dtype);
    let out = h;
    const keep = keepOf(b, a, mask, t);
    if (keep) {
      const m = maskStep(b, a, keep, [h], [hs[k]!], h, prevOut, dtype);
      h = m.states[0]!;
      out = m.out;
    }
    hs.push(h);
    outs.push(out);
    prevOut = out;
  }
  const saved: RefGruSaved = { kind: 'reference', U, hs, xs, rs, mask };
  return { h: joinSteps(b, outs, B, u, dtype), hLast: hs[T]!, saved };
}

/**
 * Backpropagation through time for {@link gruSequenceRef}.
 *
 * Formula: per step back, `[dx, dr, dhDirect] = gruCellGrad(…)`, `dU += hᵀ·dr`,
 * `dbRec += Σ_batch dr`, `dh = dhDirect + dr·Uᵀ`.
 * Shape: dh `[B, T, u]`, dhLast `[B, u]` (null = 0) → dxProj `[B, T, 3u]`, dU `[u, 3u]`,
 * dbRec `[3u]`, dh0 `[B, u]`.
 * @example
 * const [dx, dU, dbRec, dh0] = gruSequenceGradRef(backend, r.saved, dh, null, args, 'float64');
 */
export function gruSequenceGradRef(
  b: Backend,
  saved: GruSequenceResult['saved'],
  dh: DataHandle | null,
  dhLast: DataHandle | null,
  a: GruSequenceArgs,
  dtype: DType,
): [DataHandle, DataHandle, DataHandle, DataHandle] {
  const { batch: B, steps: T, units: u } = a;
  const s = saved as RefGruSaved;
  if (s.kind !== 'reference') {
    throw new ValueError(`gruSequenceGrad: state saved by another kernel (${s.kind})`);
  }
  const su: Shape = [B, u];
  const sU: Shape = [u, 3 * u];
  const sb: Shape = [3 * u];
  const zero = b.fill(B * u, 0, dtype);
  const mask = s.mask;
  let dhk = dhLast ?? zero;
  let dU = b.fill(u * 3 * u, 0, dtype);
  let db = b.fill(3 * u, 0, dtype);
  // With a mask: the gradient of the previous output, which a masked step repeats.
  let doCarry = zero;
  const dxs: DataHandle[] = new Array(T);
  for (let k = T - 1; k >= 0; k--) {
    const t = a.goBackwards ? T - 1 - k : k;
    const keep = keepOf(b, a, mask, t);
    let dOut = dh ? stepOf(b, dh, B, T, u, k, dtype) : zero;
    if (keep) dOut = b.binary('add', dOut, su, doCarry, su, su, dtype, dtype);
    const dhIn = b.binary('add', dhk, su, dOut, su, su, dtype, dtype);
    // A masked row's step gets no gradient; its state's gradient passes through.
    const dhStep = keep ? pick(b, keep, dhIn, zero, B, u, dtype) : dhIn;
    const [dx, dr, dhDirect] = b.gruCellGrad(s.xs[k]!, s.rs[k]!, s.hs[k]!, dhStep, B, u, dtype);
    const gU = b.matmul(s.hs[k]!, dr, mm(u, 3 * u, B, true), dtype);
    dU = b.binary('add', dU, sU, gU, sU, sU, dtype, dtype);
    db = b.binary(
      'add',
      db,
      sb,
      b.reduce('sum', dr, [B, 3 * u], [0], dtype, dtype),
      sb,
      sb,
      dtype,
      dtype,
    );
    const back = b.matmul(dr, s.U, mm(B, u, 3 * u, false, true), dtype);
    const dPrev = b.binary('add', dhDirect, su, back, su, su, dtype, dtype);
    dhk = keep ? pick(b, keep, dPrev, dhk, B, u, dtype) : dPrev;
    if (keep) doCarry = a.zeroOutputForMask ? zero : pick(b, keep, zero, dOut, B, u, dtype);
    dxs[t] = dx;
  }
  return [joinSteps(b, dxs, B, 3 * u, dtype), dU, db, dhk];
}
