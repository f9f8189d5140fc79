/**
 * `BaseBackend`: default implementations of the composite primitives (softmax, logSoftmax,
 * logSumExp) written with the other primitives, so a new backend works as soon as its
 * primitives do and overrides only the hot paths. Convolution and pooling also have reference
 * defaults here (windows gathered as im2col rows, then matmul / reduce / scatterAdd); they are
 * correct but slow, and meant to be overridden (the js backend does).
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import { attentionGradRef, attentionRef } from './attention_ref.js';
import type {
  AdamStepArgs,
  ArgReduceOp,
  AttentionArgs,
  AttentionGrads,
  Backend,
  BinaryOp,
  ConvArgs,
  DataHandle,
  FusedActivation,
  GruSequenceArgs,
  GruSequenceResult,
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
import {
  gruSequenceGradRef,
  gruSequenceRef,
  lstmSequenceGradRef,
  lstmSequenceRef,
} from './rnn_sequence_ref.js';

/** Shape with the listed axes set to 1 (the keepDims shape of a reduction). */
function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

export abstract class BaseBackend implements Backend {
  abstract readonly name: string;
  abstract supportsDType(dtype: DType): boolean;
  abstract fromArray(values: TypedArray, dtype: DType): DataHandle;
  abstract read(h: DataHandle, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous reads: optional (the CPU backends have them, device backends do not). */
  readSync?(h: DataHandle, dtype: DType, size: number): TypedArray;
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
   * LSTM gates written in primitives (slices, sigmoid/tanh, products, a concat), so that any
   * backend has them without reading data back; the CPU backend overrides them with one loop
   * in double precision, and the fast backends with kernels.
   *
   * Formula: i, f, o = σ(z_i), σ(z_f), σ(z_o), g = tanh(z_g); c' = f·c + i·g; h' = o·tanh(c').
   * Shape: z `[batch, 4·units]`, c `[batch, units]` → `[batch, 2·units]` (h', c').
   */
  lstmCell(z: DataHandle, c: DataHandle, batch: number, units: number, dtype: DType): DataHandle {
    const p = this.cellPrims(batch, units, dtype);
    const [i, f, g, o] = p.gates(z, 4, ['sigmoid', 'sigmoid', 'tanh', 'sigmoid']);
    const c2 = p.add(p.mul(f, c), p.mul(i, g));
    const h = p.mul(o, p.un('tanh', c2));
    return this.concat([h, c2], [p.sh, p.sh], 1, dtype);
  }

  /**
   * The LSTM gates' backward in primitives (see {@link lstmCell}).
   *
   * Formula: dc' = dc'_in + dh'·o·(1 − tanh²c'); dz = [dc'·g·i(1−i), dc'·c·f(1−f),
   * dc'·i·(1−g²), dh'·tanh c'·o(1−o)]; dc = dc'·f.
   * Shape: z `[batch, 4·units]`, c `[batch, units]`, hc and dhc `[batch, 2·units]` → dz, dc.
   */
  lstmCellGrad(
    z: DataHandle,
    c: DataHandle,
    hc: DataHandle,
    dhc: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): [DataHandle, DataHandle] {
    const p = this.cellPrims(batch, units, dtype);
    const [i, f, g, o] = p.gates(z, 4, ['sigmoid', 'sigmoid', 'tanh', 'sigmoid']);
    const [dh, dcIn] = p.gates(dhc, 2, [null, null]);
    const [, c2] = p.gates(hc, 2, [null, null]);
    const tc = p.un('tanh', c2);
    const dc2 = p.add(dcIn, p.mul(p.mul(dh, o), p.oneMinusSq(tc)));
    const dz = this.concat(
      [
        p.mul(p.mul(dc2, g), p.dSigmoid(i)),
        p.mul(p.mul(dc2, c), p.dSigmoid(f)),
        p.mul(p.mul(dc2, i), p.oneMinusSq(g)),
        p.mul(p.mul(dh, tc), p.dSigmoid(o)),
      ],
      [p.sh, p.sh, p.sh, p.sh],
      1,
      dtype,
    );
    return [dz, p.mul(dc2, f)];
  }

  /** Elementwise helpers over `[batch, units]` blocks for the gate composites. */
  protected cellPrims(batch: number, u: number, dtype: DType) {
    const sh: Shape = [batch, u];
    const n = batch * u;
    let one: DataHandle | null = null;
    const bin = (op: BinaryOp, a: DataHandle, b: DataHandle) =>
      this.binary(op, a, sh, b, sh, sh, dtype, dtype);
    const un = (op: UnaryOp, a: DataHandle) => this.unary(op, a, n, dtype);
    const mul = (a: DataHandle, b: DataHandle) => bin('mul', a, b);
    const add = (a: DataHandle, b: DataHandle) => bin('add', a, b);
    const sub = (a: DataHandle, b: DataHandle) => bin('sub', a, b);
    const oneMinus = (a: DataHandle) => {
      one ??= this.fill(1, 1, dtype);
      return this.binary('sub', one, [1], a, sh, sh, dtype, dtype);
    };
    return {
      sh,
      mul,
      add,
      sub,
      un,
      oneMinus,
      /** 1 − a². */
      oneMinusSq: (a: DataHandle) => oneMinus(mul(a, a)),
      /** a·(1 − a): σ' from σ. */
      dSigmoid: (a: DataHandle) => mul(a, oneMinus(a)),
      /** The k column blocks of a `[batch, k·units]` array, each through its activation. */
      gates: (x: DataHandle, k: number, acts: (UnaryOp | null)[]) =>
        acts.map((act, j) => {
          const g = this.slice(x, [batch, k * u], [0, j * u], [1, 1], sh, dtype);
          return act ? un(act, g) : g;
        }),
    };
  }

  /** No fused sequence kernel: the LSTM layer keeps its per-step path. */
  hasFusedLstmSequence(_dtype: DType): boolean {
    return false;
  }

  /**
   * Reference whole-sequence LSTM written in primitives (slice, matmul, add, {@link lstmCell},
   * concat; `rnn_sequence_ref.ts`), so every backend has it and the js backend checks the
   * fused kernels' contract in float64.
   */
  lstmSequence(
    xProj: DataHandle,
    U: DataHandle,
    h0: DataHandle,
    c0: DataHandle,
    a: LstmSequenceArgs,
    dtype: DType,
    mask: DataHandle | null = null,
  ): LstmSequenceResult {
    return lstmSequenceRef(this, xProj, U, h0, c0, a, dtype, mask);
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
    return lstmSequenceGradRef(this, saved, dh, dhLast, dcLast, a, dtype);
  }

  /** No fused attention kernel: attention layers keep their composite of ops. */
  hasFusedAttention(_dtype: DType): boolean {
    return false;
  }

  /**
   * Reference attention in primitives (transposes, batched matmuls, where, softmax;
   * `attention_ref.ts`), so every backend has it and the js backend checks the fused
   * kernels' contract in float64.
   */
  attention(
    q: DataHandle,
    k: DataHandle,
    v: DataHandle,
    mask: DataHandle | null,
    bias: DataHandle | null,
    a: AttentionArgs,
    dtype: DType,
  ): [DataHandle, DataHandle] {
    return attentionRef(this, q, k, v, mask, bias, a, dtype);
  }

  /** Reference attention backward in primitives. */
  attentionGrad(
    q: DataHandle,
    k: DataHandle,
    v: DataHandle,
    probs: DataHandle,
    mask: DataHandle | null,
    dOut: DataHandle,
    a: AttentionArgs,
    dtype: DType,
  ): AttentionGrads {
    return attentionGradRef(this, q, k, v, probs, mask, dOut, a, dtype);
  }

  /** No fused GRU sequence kernel: the GRU layer keeps its per-step path. */
  hasFusedGruSequence(_dtype: DType): boolean {
    return false;
  }

  /** Reference whole-sequence GRU in primitives ({@link gruCell} per step). */
  gruSequence(
    xProj: DataHandle,
    U: DataHandle,
    bRec: DataHandle | null,
    h0: DataHandle,
    a: GruSequenceArgs,
    dtype: DType,
    mask: DataHandle | null = null,
  ): GruSequenceResult {
    return gruSequenceRef(this, xProj, U, bRec, h0, a, dtype, mask);
  }

  /** Reference BPTT in primitives ({@link gruCellGrad} per step, matmuls for dU and dh). */
  gruSequenceGrad(
    saved: GruSequenceResult['saved'],
    dh: DataHandle | null,
    dhLast: DataHandle | null,
    a: GruSequenceArgs,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle, DataHandle] {
    return gruSequenceGradRef(this, saved, dh, dhLast, a, dtype);
  }

  /**
   * GRU gates (reset after the recurrent matmul, Keras's default) in primitives.
   *
   * Formula: z = σ(x_z + r_z), ρ = σ(x_r + r_r), ĥ = tanh(x_h + ρ·r_h), h' = ĥ + z·(h − ĥ).
   * Shape: x and r `[batch, 3·units]`, h `[batch, units]` → `[batch, units]`.
   */
  gruCell(
    x: DataHandle,
    r: DataHandle,
    h: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): DataHandle {
    const p = this.cellPrims(batch, units, dtype);
    const { z, hh } = gruGates(p, x, r);
    return p.add(hh, p.mul(z, p.sub(h, hh)));
  }

  /**
   * The GRU gates' backward in primitives (see {@link gruCell}).
   *
   * Formula: with g = dy: dz = g·(h − ĥ)·z(1−z), dĥ = g·(1−z)·(1−ĥ²), dρ = dĥ·r_h·ρ(1−ρ);
   * dx = [dz, dρ, dĥ], dr = [dz, dρ, dĥ·ρ], dh = g·z.
   * Shape: x, r `[batch, 3·units]`, h, dy `[batch, units]` → dx, dr, dh.
   */
  gruCellGrad(
    x: DataHandle,
    r: DataHandle,
    h: DataHandle,
    dy: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle] {
    const p = this.cellPrims(batch, units, dtype);
    const { z, rho, hh, rh } = gruGates(p, x, r);
    const dz = p.mul(p.mul(dy, p.sub(h, hh)), p.dSigmoid(z));
    const dhh = p.mul(p.mul(dy, p.oneMinus(z)), p.oneMinusSq(hh));
    const drho = p.mul(p.mul(dhh, rh), p.dSigmoid(rho));
    const s3 = [p.sh, p.sh, p.sh];
    const dx = this.concat([dz, drho, dhh], s3, 1, dtype);
    const dr = this.concat([dz, drho, p.mul(dhh, rho)], s3, 1, dtype);
    return [dx, dr, p.mul(dy, z)];
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

  /**
   * The indices as int32, unchecked: the abstract base has no host loop. A backend over device
   * memory validates ids in the kernels that use them and raises the error when the step's
   * results are read; the CPU backend checks them in its own memory ({@link CpuBackend}).
   */
  checkIndices(
    indices: DataHandle,
    size: number,
    _n: number,
    dtype: DType,
    _messages: IndexCheckMessages,
  ): DataHandle {
    return dtype === 'int32' ? indices : this.cast(indices, size, dtype, 'int32');
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

  /** The two calls it stands for: reluGrad over the argmax scatter. */
  maxPool2dBackwardReluFromArgmax(
    dy: DataHandle,
    argmax: DataHandle,
    numOut: number,
    xShape: Shape,
    y: DataHandle,
    dtype: DType,
  ): DataHandle {
    const dx = this.maxPool2dBackwardFromArgmax(dy, argmax, numOut, xShape, dtype);
    return this.binary('reluGrad', y, xShape, dx, xShape, xShape, dtype, dtype);
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

/** The GRU's gates from the input and recurrent projections: z, ρ, ĥ, and r_h for the backward. */
function gruGates(p: CellPrims, x: DataHandle, r: DataHandle) {
  const [xz, xr, xh] = p.gates(x, 3, [null, null, null]);
  const [rz, rr, rh] = p.gates(r, 3, [null, null, null]);
  const z = p.un('sigmoid', p.add(xz, rz));
  const rho = p.un('sigmoid', p.add(xr, rr));
  const hh = p.un('tanh', p.add(xh, p.mul(rho, rh)));
  return { z, rho, hh, rh };
}

type CellPrims = ReturnType<BaseBackend['cellPrims']>;

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
