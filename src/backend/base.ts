/**
 * `BaseBackend`: default implementations of the composite primitives (softmax, logSoftmax,
 * logSumExp) written with the other primitives, so a new backend works as soon as its
 * primitives do and overrides only the hot paths. Convolution and pooling also have reference
 * defaults here (windows gathered as im2col rows, then matmul / reduce / scatterAdd); they are
 * correct but slow, and meant to be overridden (the js backend does).
 */
import { ValueError } from '../errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import type {
  AdamStepArgs,
  ArgReduceOp,
  Backend,
  BinaryOp,
  ConvArgs,
  DataHandle,
  FusedActivation,
  IndexCheckMessages,
  LstmSequenceArgs,
  LstmSequenceResult,
  MatmulArgs,
  PoolArgs,
  ReduceOp,
  RmspropStepArgs,
  UnaryOp,
} from './backend.js';
import { hostArray } from './host_arena.js';
import { sigmoid } from './js/kernels.js';

/** What the reference {@link BaseBackend.lstmSequence} keeps for its backward. */
interface RefLstmSaved {
  readonly kind: 'reference';
  U: DataHandle;
  /** h and c before each step (index k) and after the last (index steps). */
  hs: DataHandle[];
  cs: DataHandle[];
  /** Each step's pre-activations and `lstmCell` output. */
  zs: DataHandle[];
  hcs: DataHandle[];
}

/** Shape with the listed axes set to 1 (the keepDims shape of a reduction). */
function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

export abstract class BaseBackend implements Backend {
  abstract readonly name: string;
  abstract supportsDType(dtype: DType): boolean;
  abstract fromArray(values: TypedArray, dtype: DType): DataHandle;
  abstract read(h: DataHandle, dtype: DType, size: number): Promise<TypedArray>;
  abstract readSync(h: DataHandle, dtype: DType, size: number): TypedArray;
  abstract fill(size: number, value: number, dtype: DType): DataHandle;
  abstract cast(x: DataHandle, size: number, from: DType, to: DType): DataHandle;
  abstract unary(
    op: UnaryOp,
    x: DataHandle,
    size: number,
    dtype: DType,
    param?: number,
  ): DataHandle;
  abstract binary(
    op: BinaryOp,
    a: DataHandle,
    aShape: Shape,
    b: DataHandle,
    bShape: Shape,
    outShape: Shape,
    inDType: DType,
    outDType: DType,
  ): DataHandle;
  abstract where(
    cond: DataHandle,
    condShape: Shape,
    a: DataHandle,
    aShape: Shape,
    b: DataHandle,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): DataHandle;
  abstract clip(x: DataHandle, size: number, lo: number, hi: number, dtype: DType): DataHandle;
  abstract reduce(
    op: ReduceOp,
    x: DataHandle,
    shape: Shape,
    axes: readonly number[],
    dtype: DType,
    outDType: DType,
  ): DataHandle;
  abstract argReduce(
    op: ArgReduceOp,
    x: DataHandle,
    shape: Shape,
    axis: number,
    dtype: DType,
  ): DataHandle;
  abstract matmul(a: DataHandle, b: DataHandle, args: MatmulArgs, dtype: DType): DataHandle;
  abstract transpose(
    x: DataHandle,
    shape: Shape,
    perm: readonly number[],
    dtype: DType,
  ): DataHandle;
  abstract broadcastTo(x: DataHandle, shape: Shape, outShape: Shape, dtype: DType): DataHandle;
  abstract slice(
    x: DataHandle,
    shape: Shape,
    begin: readonly number[],
    step: readonly number[],
    outShape: Shape,
    dtype: DType,
  ): DataHandle;
  abstract concat(
    xs: readonly DataHandle[],
    shapes: readonly Shape[],
    axis: number,
    dtype: DType,
  ): DataHandle;
  abstract pad(
    x: DataHandle,
    shape: Shape,
    paddings: readonly (readonly [number, number])[],
    value: number,
    dtype: DType,
  ): DataHandle;
  abstract gather(
    x: DataHandle,
    shape: Shape,
    indices: DataHandle,
    numIndices: number,
    axis: number,
    dtype: DType,
  ): DataHandle;
  abstract scatterAdd(
    updates: DataHandle,
    indices: DataHandle,
    numIndices: number,
    outShape: Shape,
    axis: number,
    dtype: DType,
  ): DataHandle;
  abstract oneHot(
    indices: DataHandle,
    numIndices: number,
    depth: number,
    on: number,
    off: number,
    dtype: DType,
  ): DataHandle;

  /** softmax(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x) along `axis`. */
  softmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle {
    const kept = keptShape(shape, [axis]);
    const m = this.reduce('max', x, shape, [axis], dtype, dtype);
    const shifted = this.binary('sub', x, shape, m, kept, shape, dtype, dtype);
    const e = this.unary('exp', shifted, sizeOf(shape), dtype);
    const s = this.reduce('sum', e, shape, [axis], dtype, dtype);
    return this.binary('div', e, shape, s, kept, shape, dtype, dtype);
  }

  /** logSoftmax(x)ᵢ = (xᵢ − max x) − log Σⱼ exp(xⱼ − max x) along `axis`. */
  logSoftmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle {
    const kept = keptShape(shape, [axis]);
    const m = this.reduce('max', x, shape, [axis], dtype, dtype);
    const shifted = this.binary('sub', x, shape, m, kept, shape, dtype, dtype);
    const e = this.unary('exp', shifted, sizeOf(shape), dtype);
    const s = this.reduce('sum', e, shape, [axis], dtype, dtype);
    const ls = this.unary('log', s, sizeOf(kept), dtype);
    return this.binary('sub', shifted, shape, ls, kept, shape, dtype, dtype);
  }

  /**
   * Reference LSTM gates on plain arrays (read, loop in double precision, write back), so every
   * backend has them; fast backends override with a kernel.
   */
  lstmCell(z: DataHandle, c: DataHandle, batch: number, units: number, dtype: DType): DataHandle {
    const zv = this.readSync(z, dtype, batch * 4 * units);
    const cv = this.readSync(c, dtype, batch * units);
    const out = hostArray(dtype, batch * 2 * units);
    const u = units;
    for (let b = 0; b < batch; b++) {
      const zr = b * 4 * u;
      for (let j = 0; j < u; j++) {
        const i = sigmoid(zv[zr + j]!);
        const f = sigmoid(zv[zr + u + j]!);
        const g = Math.tanh(zv[zr + 2 * u + j]!);
        const o = sigmoid(zv[zr + 3 * u + j]!);
        const c2 = f * cv[b * u + j]! + i * g;
        out[b * 2 * u + j] = o * Math.tanh(c2);
        out[b * 2 * u + u + j] = c2;
      }
    }
    return this.fromArray(out, dtype);
  }

  lstmCellGrad(
    z: DataHandle,
    c: DataHandle,
    hc: DataHandle,
    dhc: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): [DataHandle, DataHandle] {
    const u = units;
    const zv = this.readSync(z, dtype, batch * 4 * u);
    const cv = this.readSync(c, dtype, batch * u);
    const hcv = this.readSync(hc, dtype, batch * 2 * u);
    const dv = this.readSync(dhc, dtype, batch * 2 * u);
    const dz = hostArray(dtype, batch * 4 * u);
    const dc = hostArray(dtype, batch * u);
    for (let b = 0; b < batch; b++) {
      const zr = b * 4 * u;
      for (let j = 0; j < u; j++) {
        const i = sigmoid(zv[zr + j]!);
        const f = sigmoid(zv[zr + u + j]!);
        const g = Math.tanh(zv[zr + 2 * u + j]!);
        const o = sigmoid(zv[zr + 3 * u + j]!);
        const c2 = hcv[b * 2 * u + u + j]!;
        const tc = Math.tanh(c2);
        const dh = dv[b * 2 * u + j]!;
        // dc' collects the direct gradient of c' and the part flowing through h' = o·tanh(c').
        const dc2 = dv[b * 2 * u + u + j]! + dh * o * (1 - tc * tc);
        dz[zr + j] = dc2 * g * i * (1 - i);
        dz[zr + u + j] = dc2 * cv[b * u + j]! * f * (1 - f);
        dz[zr + 2 * u + j] = dc2 * i * (1 - g * g);
        dz[zr + 3 * u + j] = dh * tc * o * (1 - o);
        dc[b * u + j] = dc2 * f;
      }
    }
    return [this.fromArray(dz, dtype), this.fromArray(dc, dtype)];
  }

  /** No fused sequence kernel: the LSTM layer keeps its per-step path. */
  hasFusedLstmSequence(_dtype: DType): boolean {
    return false;
  }

  /**
   * Reference whole-sequence LSTM written in primitives (slice, matmul, add, {@link lstmCell},
   * concat), so every backend has it and the js backend checks the fused kernels' contract in
   * float64.
   */
  lstmSequence(
    xProj: DataHandle,
    U: DataHandle,
    h0: DataHandle,
    c0: DataHandle,
    a: LstmSequenceArgs,
    dtype: DType,
  ): LstmSequenceResult {
    const { batch: B, steps: T, units: u } = a;
    const mm: MatmulArgs = {
      batch: 1,
      m: B,
      n: 4 * u,
      k: u,
      transA: false,
      transB: false,
      strideA: 0,
      strideB: 0,
    };
    const hs = [h0];
    const cs = [c0];
    const zs: DataHandle[] = [];
    const hcs: DataHandle[] = [];
    for (let k = 0; k < T; k++) {
      const t = a.goBackwards ? T - 1 - k : k;
      const xt = this.slice(xProj, [B, T, 4 * u], [0, t, 0], [1, 1, 1], [B, 1, 4 * u], dtype);
      const r = this.matmul(hs[k]!, U, mm, dtype);
      const z = this.binary('add', xt, [B, 4 * u], r, [B, 4 * u], [B, 4 * u], dtype, dtype);
      const hc = this.lstmCell(z, cs[k]!, B, u, dtype);
      zs.push(z);
      hcs.push(hc);
      hs.push(this.slice(hc, [B, 2 * u], [0, 0], [1, 1], [B, u], dtype));
      cs.push(this.slice(hc, [B, 2 * u], [0, u], [1, 1], [B, u], dtype));
    }
    const h = this.concat(
      hs.slice(1),
      hs.slice(1).map(() => [B, 1, u]),
      1,
      dtype,
    );
    const saved: RefLstmSaved = { kind: 'reference', U, hs, cs, zs, hcs };
    return { h, hLast: hs[T]!, cLast: cs[T]!, saved };
  }

  /** Reference BPTT in primitives ({@link lstmCellGrad} per step, matmuls for dU and dh). */
  lstmSequenceGrad(
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
    let dhk = dhLast ?? this.fill(B * u, 0, dtype);
    let dck = dcLast ?? this.fill(B * u, 0, dtype);
    let dU = this.fill(u * 4 * u, 0, dtype);
    const dzs: DataHandle[] = new Array(T);
    const base = { batch: 1, strideA: 0, strideB: 0 };
    for (let k = T - 1; k >= 0; k--) {
      const t = a.goBackwards ? T - 1 - k : k;
      if (dh) {
        const step = this.slice(dh, [B, T, u], [0, k, 0], [1, 1, 1], [B, 1, u], dtype);
        dhk = this.binary('add', dhk, su, step, su, su, dtype, dtype);
      }
      const dhc = this.concat([dhk, dck], [su, su], 1, dtype);
      const [dz, dcPrev] = this.lstmCellGrad(s.zs[k]!, s.cs[k]!, s.hcs[k]!, dhc, B, u, dtype);
      const gU = this.matmul(
        s.hs[k]!,
        dz,
        { ...base, m: u, n: 4 * u, k: B, transA: true, transB: false },
        dtype,
      );
      dU = this.binary('add', dU, [u, 4 * u], gU, [u, 4 * u], [u, 4 * u], dtype, dtype);
      dhk = this.matmul(
        dz,
        s.U,
        { ...base, m: B, n: u, k: 4 * u, transA: false, transB: true },
        dtype,
      );
      dck = dcPrev;
      dzs[t] = dz;
    }
    const dx = this.concat(
      dzs,
      dzs.map(() => [B, 1, 4 * u]),
      1,
      dtype,
    );
    return [dx, dU, dhk, dck];
  }

  /** Reference GRU gates (reset after the recurrent matmul) on plain arrays. */
  gruCell(
    x: DataHandle,
    r: DataHandle,
    h: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): DataHandle {
    const u = units;
    const xv = this.readSync(x, dtype, batch * 3 * u);
    const rv = this.readSync(r, dtype, batch * 3 * u);
    const hv = this.readSync(h, dtype, batch * u);
    const out = hostArray(dtype, batch * u);
    for (let b = 0; b < batch; b++) {
      const o = b * 3 * u;
      for (let j = 0; j < u; j++) {
        const z = sigmoid(xv[o + j]! + rv[o + j]!);
        const rho = sigmoid(xv[o + u + j]! + rv[o + u + j]!);
        const hh = Math.tanh(xv[o + 2 * u + j]! + rho * rv[o + 2 * u + j]!);
        out[b * u + j] = hh + z * (hv[b * u + j]! - hh);
      }
    }
    return this.fromArray(out, dtype);
  }

  gruCellGrad(
    x: DataHandle,
    r: DataHandle,
    h: DataHandle,
    dy: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle] {
    const u = units;
    const xv = this.readSync(x, dtype, batch * 3 * u);
    const rv = this.readSync(r, dtype, batch * 3 * u);
    const hv = this.readSync(h, dtype, batch * u);
    const dv = this.readSync(dy, dtype, batch * u);
    const dx = hostArray(dtype, batch * 3 * u);
    const dr = hostArray(dtype, batch * 3 * u);
    const dh = hostArray(dtype, batch * u);
    for (let b = 0; b < batch; b++) {
      const o = b * 3 * u;
      for (let j = 0; j < u; j++) {
        const z = sigmoid(xv[o + j]! + rv[o + j]!);
        const rho = sigmoid(xv[o + u + j]! + rv[o + u + j]!);
        const rh = rv[o + 2 * u + j]!;
        const hh = Math.tanh(xv[o + 2 * u + j]! + rho * rh);
        const g = dv[b * u + j]!;
        const dz = g * (hv[b * u + j]! - hh) * z * (1 - z);
        const dhhPre = g * (1 - z) * (1 - hh * hh);
        const drho = dhhPre * rh * rho * (1 - rho);
        dx[o + j] = dz;
        dx[o + u + j] = drho;
        dx[o + 2 * u + j] = dhhPre;
        dr[o + j] = dz;
        dr[o + u + j] = drho;
        dr[o + 2 * u + j] = dhhPre * rho;
        dh[b * u + j] = g * z;
      }
    }
    return [this.fromArray(dx, dtype), this.fromArray(dr, dtype), this.fromArray(dh, dtype)];
  }

  /** No fused Adam kernel here: the optimizer runs its tensor formula. */
  adamStep(
    _p: DataHandle,
    _g: DataHandle,
    _m: DataHandle,
    _v: DataHandle,
    _size: number,
    _hyper: AdamStepArgs,
    _dtype: DType,
  ): [DataHandle, DataHandle, DataHandle] | null {
    return null;
  }

  /** No fused epilogue here: the op composes the bias add and the activation. */
  biasActivation(
    _x: DataHandle,
    _rows: number,
    _cols: number,
    _bias: DataHandle | null,
    _act: FusedActivation,
    _dtype: DType,
  ): DataHandle | null {
    return null;
  }

  /** No fused RMSprop kernel here: the optimizer runs its tensor formula. */
  rmspropStep(
    _p: DataHandle,
    _g: DataHandle,
    _v: DataHandle,
    _size: number,
    _hyper: RmspropStepArgs,
    _dtype: DType,
  ): [DataHandle, DataHandle] | null {
    return null;
  }

  /**
   * log Σ exp(x) = m + log Σ exp(x − m) with m = max x; an infinite max is replaced by 0 so
   * that all −∞ rows give −∞ and +∞ rows give +∞ rather than NaN.
   */
  logSumExp(x: DataHandle, shape: Shape, axes: readonly number[], dtype: DType): DataHandle {
    const kept = keptShape(shape, axes);
    const outSize = sizeOf(kept);
    const m = this.reduce('max', x, shape, axes, dtype, dtype);
    const finite = this.unary('isFinite', m, outSize, dtype);
    const zero = this.fill(1, 0, dtype);
    const mSafe = this.where(finite, kept, m, kept, zero, [], kept, dtype);
    const shifted = this.binary('sub', x, shape, mSafe, kept, shape, dtype, dtype);
    const e = this.unary('exp', shifted, sizeOf(shape), dtype);
    const s = this.reduce('sum', e, shape, axes, dtype, dtype);
    const ls = this.unary('log', s, outSize, dtype);
    return this.binary('add', ls, kept, mSafe, kept, kept, dtype, dtype);
  }

  // --- convolution and pooling: reference defaults built from pad, gather, matmul, scatterAdd.
  // Each window position becomes a gathered row (im2col), so a backend gets correct (if not
  // fast) convolutions and pools from its other primitives; the js backend overrides them all.

  /** conv2d as im2col (pad + gather) then one matmul per group. */
  conv2d(
    x: DataHandle,
    xShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle {
    const g = convGeometry(xShape, filterShape, args);
    const cols = gatherWindows(this, x, xShape, g, 0, dtype).cols;
    const { rows, kk, cg, coutG, groups: G } = g;
    if (G === 1)
      return this.matmul(cols, filter, mm(1, rows, g.cout, kk * cg, false, false), dtype);
    const colsG = this.transpose(cols, [rows, kk, G, cg], [2, 0, 1, 3], dtype);
    const fG = this.transpose(filter, [kk, cg, G, coutG], [2, 0, 1, 3], dtype);
    const y = this.matmul(colsG, fG, mm(G, rows, coutG, kk * cg, false, false), dtype);
    return this.transpose(y, [G, rows, coutG], [1, 0, 2], dtype);
  }

  /** dx = col2im(dy · filterᵀ): a matmul per group, then scatterAdd of the window rows. */
  conv2dBackpropInput(
    dy: DataHandle,
    _dyShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    xShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle {
    const g = convGeometry(xShape, filterShape, args);
    const { rows, kk, cg, coutG, groups: G } = g;
    let dcols: DataHandle;
    if (G === 1) {
      dcols = this.matmul(dy, filter, mm(1, rows, kk * cg, g.cout, false, true), dtype);
    } else {
      const dyG = this.transpose(dy, [rows, G, coutG], [1, 0, 2], dtype);
      const fG = this.transpose(filter, [kk, cg, G, coutG], [2, 0, 1, 3], dtype);
      const d = this.matmul(dyG, fG, mm(G, rows, kk * cg, coutG, false, true), dtype);
      dcols = this.transpose(d, [G, rows, kk, cg], [1, 2, 0, 3], dtype);
    }
    return scatterWindows(this, dcols, xShape, g, dtype);
  }

  /** dfilter = im2col(x)ᵀ · dy, per group. */
  conv2dBackpropFilter(
    x: DataHandle,
    xShape: Shape,
    dy: DataHandle,
    _dyShape: Shape,
    filterShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle {
    const g = convGeometry(xShape, filterShape, args);
    const cols = gatherWindows(this, x, xShape, g, 0, dtype).cols;
    const { rows, kk, cg, coutG, groups: G } = g;
    if (G === 1) return this.matmul(cols, dy, mm(1, kk * cg, g.cout, rows, true, false), dtype);
    const colsG = this.transpose(cols, [rows, kk, G, cg], [2, 0, 1, 3], dtype);
    const dyG = this.transpose(dy, [rows, G, coutG], [1, 0, 2], dtype);
    const d = this.matmul(colsG, dyG, mm(G, kk * cg, coutG, rows, true, false), dtype);
    return this.transpose(d, [G, kk, cg, coutG], [1, 2, 0, 3], dtype);
  }

  /** Windows gathered from an input padded with −∞, then a max over each window. */
  maxPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, dtype: DType): DataHandle {
    const g = poolGeometry(xShape, args);
    const { cols } = gatherWindows(this, x, xShape, g, Number.NEGATIVE_INFINITY, dtype);
    return this.reduce('max', cols, [g.n, g.p, g.kk, g.c], [2], dtype, dtype);
  }

  /** dy routed through a one-hot of each window's argmax, then scattered back. */
  maxPool2dBackward(
    dy: DataHandle,
    _dyShape: Shape,
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): DataHandle {
    const g = poolGeometry(xShape, args);
    const { n, p, kk, c } = g;
    const { cols } = gatherWindows(this, x, xShape, g, Number.NEGATIVE_INFINITY, dtype);
    const am = this.argReduce('argmax', cols, [n, p, kk, c], 2, dtype);
    const hot = this.oneHot(am, n * p * c, kk, 1, 0, dtype);
    const hotT = this.transpose(hot, [n, p, c, kk], [0, 1, 3, 2], dtype);
    const full = [n, p, kk, c];
    const contrib = this.binary('mul', hotT, full, dy, [n, p, 1, c], full, dtype, dtype);
    return scatterWindows(this, contrib, xShape, g, dtype);
  }

  /** Reads the indices inside the backend (not a host read of the step), checks, copies. */
  checkIndices(
    indices: DataHandle,
    size: number,
    n: number,
    dtype: DType,
    messages: IndexCheckMessages,
  ): DataHandle {
    const v = this.readSync(indices, dtype, size);
    for (let i = 0; i < size; i++) {
      const k = v[i]!;
      if (Number.isInteger(k) && k >= 0 && k < n) continue;
      const msg = Number.isInteger(k) ? messages.outOfRange : messages.notInteger;
      throw new ValueError(
        msg.replaceAll('{value}', String(k)).replaceAll('{position}', String(i)),
      );
    }
    // readSync returned a copy, so an int32 one becomes the new storage as it is.
    return this.fromArray(v instanceof Int32Array ? v : Int32Array.from(v), 'int32');
  }

  /** No argmax kernel here: the pooling op then uses {@link maxPool2dBackward}. */
  maxPool2dWithArgmax(
    _x: DataHandle,
    _xShape: Shape,
    _args: PoolArgs,
    _dtype: DType,
  ): [DataHandle, DataHandle] | null {
    return null;
  }

  /** dy summed into the argmax positions (every index must be in range). */
  maxPool2dBackwardFromArgmax(
    dy: DataHandle,
    argmax: DataHandle,
    numOut: number,
    xShape: Shape,
    dtype: DType,
  ): DataHandle {
    return this.scatterAdd(dy, argmax, numOut, [sizeOf(xShape)], 0, dtype);
  }

  /** Window sums divided by the number of valid (non-padded) positions. */
  avgPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, dtype: DType): DataHandle {
    const g = poolGeometry(xShape, args);
    const { n, p, kk, c } = g;
    const { cols } = gatherWindows(this, x, xShape, g, 0, dtype);
    const s = this.reduce('sum', cols, [n, p, kk, c], [2], dtype, dtype);
    const counts = this.fromArray(validCounts(g, dtype), dtype);
    return this.binary('div', s, [n, p, c], counts, [1, p, 1], [n, p, c], dtype, dtype);
  }

  /** dy / count broadcast over each window and scattered back. */
  avgPool2dBackward(
    dy: DataHandle,
    _dyShape: Shape,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): DataHandle {
    const g = poolGeometry(xShape, args);
    const { n, p, kk, c } = g;
    const counts = this.fromArray(validCounts(g, dtype), dtype);
    const scaled = this.binary('div', dy, [n, p, c], counts, [1, p, 1], [n, p, c], dtype, dtype);
    const spread = this.broadcastTo(scaled, [n, p, 1, c], [n, p, kk, c], dtype);
    return scatterWindows(this, spread, xShape, g, dtype);
  }
}

/**
 * Output length of a sliding window along one axis: input `size` padded by `padBefore` and
 * `padAfter`, a window of `k` taps spaced `dilation` apart, moved by `stride`.
 *
 * Formula: ⌊(size + padBefore + padAfter − ((k − 1)·dilation + 1)) / stride⌋ + 1.
 * @example windowOutputSize(28, 3, 1, 1, 0, 0) // 26
 */
export function windowOutputSize(
  size: number,
  k: number,
  stride: number,
  dilation: number,
  padBefore: number,
  padAfter: number,
): number {
  return Math.floor((size + padBefore + padAfter - ((k - 1) * dilation + 1)) / stride) + 1;
}

/** Where the windows of a conv or pool lie in an NHWC input (used by the defaults above). */
interface WindowGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pb: number;
  pl: number;
  pr: number;
  oh: number;
  ow: number;
  /** Output positions per image, oh·ow. */
  p: number;
  /** Taps per window, kh·kw. */
  kk: number;
}

interface ConvGeometry extends WindowGeometry {
  groups: number;
  cg: number;
  cout: number;
  coutG: number;
  /** Rows of the im2col matrix, n·oh·ow. */
  rows: number;
}

function windowGeometry(
  xShape: Shape,
  kh: number,
  kw: number,
  strides: readonly [number, number],
  dilations: readonly [number, number],
  padding: readonly [number, number, number, number],
): WindowGeometry {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [sh, sw] = strides;
  const [dh, dw] = dilations;
  const [pt, pb, pl, pr] = padding;
  const oh = windowOutputSize(h, kh, sh, dh, pt, pb);
  const ow = windowOutputSize(w, kw, sw, dw, pl, pr);
  return { n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, oh, ow, p: oh * ow, kk: kh * kw };
}

function convGeometry(xShape: Shape, filterShape: Shape, args: ConvArgs): ConvGeometry {
  const [kh, kw, cg, cout] = filterShape as [number, number, number, number];
  const g = windowGeometry(xShape, kh, kw, args.strides, args.dilations, args.padding);
  const groups = args.groups;
  return { ...g, groups, cg, cout, coutG: cout / groups, rows: g.n * g.p };
}

function poolGeometry(xShape: Shape, args: PoolArgs): WindowGeometry {
  const [kh, kw] = args.poolSize;
  return windowGeometry(xShape, kh, kw, args.strides, [1, 1], args.padding);
}

function mm(
  batch: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): MatmulArgs {
  const strideA = batch === 1 ? 0 : m * k;
  const strideB = batch === 1 ? 0 : k * n;
  return { batch, m, n, k, transA, transB, strideA, strideB };
}

/** Flat index into the padded `[hp·wp]` plane of every (output position, tap), tap fastest. */
function windowIndices(g: WindowGeometry): Int32Array {
  const wp = g.w + g.pl + g.pr;
  const idx = new Int32Array(g.p * g.kk);
  let t = 0;
  for (let oy = 0; oy < g.oh; oy++) {
    for (let ox = 0; ox < g.ow; ox++) {
      for (let i = 0; i < g.kh; i++) {
        const row = (oy * g.sh + i * g.dh) * wp;
        for (let j = 0; j < g.kw; j++) idx[t++] = row + ox * g.sw + j * g.dw;
      }
    }
  }
  return idx;
}

/** The windows of x as `[n, oh·ow·kh·kw, c]` (im2col rows), padding filled with `padValue`. */
function gatherWindows(
  b: Backend,
  x: DataHandle,
  xShape: Shape,
  g: WindowGeometry,
  padValue: number,
  dtype: DType,
): { cols: DataHandle } {
  const hp = g.h + g.pt + g.pb;
  const wp = g.w + g.pl + g.pr;
  const pads: [number, number][] = [
    [0, 0],
    [g.pt, g.pb],
    [g.pl, g.pr],
    [0, 0],
  ];
  const xp = b.pad(x, xShape, pads, padValue, dtype);
  const idx = b.fromArray(windowIndices(g), 'int32');
  const cols = b.gather(xp, [g.n, hp * wp, g.c], idx, g.p * g.kk, 1, dtype);
  return { cols };
}

/** The adjoint of {@link gatherWindows}: window rows summed back into an unpadded `xShape`. */
function scatterWindows(
  b: Backend,
  rows: DataHandle,
  xShape: Shape,
  g: WindowGeometry,
  dtype: DType,
): DataHandle {
  const hp = g.h + g.pt + g.pb;
  const wp = g.w + g.pl + g.pr;
  const idx = b.fromArray(windowIndices(g), 'int32');
  const sum = b.scatterAdd(rows, idx, g.p * g.kk, [g.n, hp * wp, g.c], 1, dtype);
  return b.slice(sum, [g.n, hp, wp, g.c], [0, g.pt, g.pl, 0], [1, 1, 1, 1], xShape, dtype);
}

/** Number of unpadded positions in each pooling window, `[oh·ow]`. */
function validCounts(g: WindowGeometry, dtype: DType): TypedArray {
  const out = hostArray(dtype, g.p);
  for (let oy = 0; oy < g.oh; oy++) {
    const y0 = oy * g.sh - g.pt;
    const rowsIn = Math.min(y0 + g.kh, g.h) - Math.max(y0, 0);
    for (let ox = 0; ox < g.ow; ox++) {
      const x0 = ox * g.sw - g.pl;
      const colsIn = Math.min(x0 + g.kw, g.w) - Math.max(x0, 0);
      out[oy * g.ow + ox] = Math.max(rowsIn, 0) * Math.max(colsIn, 0);
    }
  }
  return out;
}
