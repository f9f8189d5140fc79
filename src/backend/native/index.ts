/**
 * The `native` backend: the js reference backend with its hot float32 primitives replaced by a
 * C++ Node-API addon (packed AVX2/AVX-512 GEMM on a persistent thread pool, im2col
 * convolutions, pooling, elementwise, reductions, softmax). Storage stays plain typed arrays
 * (`JsData`), so tensors are garbage-collected like any JS object, the addon works on their
 * memory without copies, and every primitive or dtype it does not cover runs the reference
 * code. Small ops stay in JS, where a call costs less than crossing into C++.
 */
import { ValueError } from '../../errors.js';
import type { DType } from '../../tensor/dtype.js';
import { type Shape, sizeOf } from '../../tensor/shape.js';
import type {
  AdamStepArgs,
  BinaryOp,
  ConvArgs,
  DataHandle,
  FusedActivation,
  LstmSequenceArgs,
  LstmSequenceResult,
  MatmulArgs,
  PoolArgs,
  ReduceOp,
  RmspropStepArgs,
  UnaryOp,
} from '../backend.js';
import { type Operand, rowPattern } from '../broadcast_walk.js';
import { hostF32, hostI32, hostU8 } from '../host_arena.js';
import { type Geo, geometry } from '../js/conv.js';
import { JsBackend, JsData } from '../js/index.js';
import { BINARY_CODES, COMPARE_CODES, UNARY_CODES } from '../kernel_codes.js';
import { type NativeAddon, loadAddon } from './addon.js';

// Below these sizes the N-API call (≈0.1 µs per array argument) costs more than a JS loop.
const MIN_ELEMWISE = 512;
const MIN_GEMM_MACS = 4096;

function f32(h: DataHandle): Float32Array | null {
  const v = h instanceof JsData ? h.values : null;
  return v instanceof Float32Array ? v : null;
}

/** The int32 array behind a handle (indices, argmax), or null for anything else. */
function i32(h: DataHandle): Int32Array | null {
  const v = h instanceof JsData ? h.values : null;
  return v instanceof Int32Array ? v : null;
}

/** What the native {@link NativeBackend.lstmSequence} keeps for its backward. */
interface NativeLstmSaved {
  readonly kind: 'native';
  U: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  hseq: Float32Array;
  /** Activated gates i, f, g, o of every step, `[steps, batch, 4·units]`. */
  gates: Float32Array;
  /** The cell state after every step, `[steps, batch, units]`. */
  cs: Float32Array;
}

/** Packs a convolution/pooling geometry for the addon. */
/**
 * A convolution or pooling geometry (the js backend's, so output sizes agree by construction)
 * packed as the addon reads it; null when the window leaves no output.
 */
function packGeo(g: Geo): Int32Array | null {
  if (g.oh <= 0 || g.ow <= 0) return null;
  return Int32Array.of(
    g.n,
    g.h,
    g.w,
    g.c,
    g.kh,
    g.kw,
    g.sh,
    g.sw,
    g.dh,
    g.dw,
    g.pt,
    g.pl,
    g.oh,
    g.ow,
  );
}

/**
 * The native backend. Construct with {@link createNativeBackend}, which fails with the reason
 * when the addon is missing.
 *
 * @example
 * setBackend('native'); // after `npm install` built the addon
 */
export class NativeBackend extends JsBackend {
  override readonly name: string = 'native';
  /** The GEMM micro-kernel family in use ("avx512" or "avx2") and the thread count. */
  readonly isa: string;

  constructor(
    readonly addon: NativeAddon,
    readonly addonPath: string,
  ) {
    super();
    this.isa = addon.info().isa;
  }

  /** Threads the addon's pool uses (the calling thread included). */
  get threads(): number {
    return this.addon.info().threads;
  }

  /** Sets the addon's thread count (1 = run every kernel on the calling thread). */
  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) {
      throw new ValueError(`NativeBackend.setThreads: expected an integer ≥ 1, got ${n}`);
    }
    this.addon.setThreads(n);
  }

  override matmul(a: DataHandle, b: DataHandle, args: MatmulArgs, dtype: DType): DataHandle {
    const av = f32(a);
    const bv = f32(b);
    const { batch, m, n, k } = args;
    if (dtype !== 'float32' || !av || !bv || m * n * k < MIN_GEMM_MACS) {
      return super.matmul(a, b, args, dtype);
    }
    // The GEMM stores its first depth block (k = 0 writes zeros), so C needs no zeroing.
    const out = hostF32(batch * m * n, false);
    this.addon.gemm(
      batch,
      m,
      n,
      k,
      args.transA,
      args.transB,
      av,
      args.strideA,
      bv,
      args.strideB,
      out,
    );
    return new JsData(out);
  }

  override unary(op: UnaryOp, x: DataHandle, size: number, dtype: DType, param = 0): DataHandle {
    const code = UNARY_CODES[op];
    const xv = f32(x);
    if (dtype !== 'float32' || code === undefined || !xv || size < MIN_ELEMWISE) {
      return super.unary(op, x, size, dtype, param);
    }
    const out = hostF32(size, false);
    this.addon.unary(code, xv, out, size, param);
    return new JsData(out);
  }

  override binary(
    op: BinaryOp,
    a: DataHandle,
    aShape: Shape,
    b: DataHandle,
    bShape: Shape,
    outShape: Shape,
    inDType: DType,
    outDType: DType,
  ): DataHandle {
    const code = BINARY_CODES[op];
    const av = f32(a);
    const bv = f32(b);
    const size = sizeOf(outShape);
    if (code !== undefined && av && bv && outDType === 'float32' && size >= MIN_ELEMWISE) {
      const p = rowPattern([aShape, bShape], outShape);
      if (p) {
        const out = hostF32(size, false);
        const [wa, wb] = p.ops as [Operand, Operand];
        this.addon.binary(code, av, wa.row, wa.el, bv, wb.row, wb.el, out, p.rows, p.cols);
        return new JsData(out);
      }
    }
    const cmp = COMPARE_CODES[op];
    if (cmp !== undefined && av && bv && outDType === 'bool' && size >= MIN_ELEMWISE) {
      const p = rowPattern([aShape, bShape], outShape);
      if (p) {
        const out = hostU8(size, false);
        const [wa, wb] = p.ops as [Operand, Operand];
        this.addon.compare(cmp, av, wa.row, wa.el, bv, wb.row, wb.el, out, p.rows, p.cols);
        return new JsData(out);
      }
    }
    return super.binary(op, a, aShape, b, bShape, outShape, inDType, outDType);
  }

  override where(
    cond: DataHandle,
    condShape: Shape,
    a: DataHandle,
    aShape: Shape,
    b: DataHandle,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): DataHandle {
    const cv = cond instanceof JsData && cond.values instanceof Uint8Array ? cond.values : null;
    const av = f32(a);
    const bv = f32(b);
    const size = sizeOf(outShape);
    if (cv && av && bv && dtype === 'float32' && size >= MIN_ELEMWISE) {
      const p = rowPattern([condShape, aShape, bShape], outShape);
      if (p) {
        const out = hostF32(size, false);
        const [wc, wa, wb] = p.ops as [Operand, Operand, Operand];
        this.addon.where(
          cv,
          wc.row,
          wc.el,
          av,
          wa.row,
          wa.el,
          bv,
          wb.row,
          wb.el,
          out,
          p.rows,
          p.cols,
        );
        return new JsData(out);
      }
    }
    return super.where(cond, condShape, a, aShape, b, bShape, outShape, dtype);
  }

  override reduce(
    op: ReduceOp,
    x: DataHandle,
    shape: Shape,
    axes: readonly number[],
    dtype: DType,
    outDType: DType,
  ): DataHandle {
    const xv = f32(x);
    const sorted = [...axes].sort((p, q) => p - q);
    const contiguous = sorted.every((ax, i) => i === 0 || ax === sorted[i - 1]! + 1);
    if (
      op === 'sum' &&
      xv &&
      dtype === 'float32' &&
      outDType === 'float32' &&
      contiguous &&
      sorted.length > 0 &&
      xv.length >= MIN_ELEMWISE
    ) {
      const lo = sorted[0]!;
      const hi = sorted[sorted.length - 1]! + 1;
      const outer = sizeOf(shape.slice(0, lo));
      const mid = sizeOf(shape.slice(lo, hi));
      const inner = sizeOf(shape.slice(hi));
      const out = hostF32(outer * inner, false);
      this.addon.reduceSum(xv, out, outer, mid, inner);
      return new JsData(out);
    }
    return super.reduce(op, x, shape, axes, dtype, outDType);
  }

  override softmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle {
    return this.softmaxLast(x, shape, axis, dtype, false) ?? super.softmax(x, shape, axis, dtype);
  }

  override logSoftmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle {
    return this.softmaxLast(x, shape, axis, dtype, true) ?? super.logSoftmax(x, shape, axis, dtype);
  }

  private softmaxLast(
    x: DataHandle,
    shape: Shape,
    axis: number,
    dtype: DType,
    log: boolean,
  ): DataHandle | null {
    const xv = f32(x);
    if (!xv || dtype !== 'float32' || axis !== shape.length - 1 || xv.length === 0) return null;
    const cols = shape[axis]!;
    const out = hostF32(xv.length, false);
    this.addon.softmax(xv, out, xv.length / cols, cols, log);
    return new JsData(out);
  }

  /** im2col geometry, or null where the js path handles it (groups, non-float32). */
  private convGeo(xShape: Shape, filterShape: Shape, args: ConvArgs): Int32Array | null {
    if (args.groups !== 1 || xShape.length !== 4 || filterShape.length !== 4) return null;
    const [kh, kw, cin, cout] = filterShape as [number, number, number, number];
    const { strides, dilations, padding } = args;
    return packGeo(geometry(xShape, kh, kw, strides, dilations, padding, 1, cin, cout));
  }

  override conv2d(
    x: DataHandle,
    xShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle {
    const xv = f32(x);
    const fv = f32(filter);
    const geo = this.convGeo(xShape, filterShape, args);
    if (!xv || !fv || !geo || dtype !== 'float32') {
      return super.conv2d(x, xShape, filter, filterShape, args, dtype);
    }
    const rows = geo[0]! * geo[12]! * geo[13]!;
    const cout = filterShape[3]!;
    const out = hostF32(rows * cout, false);
    this.addon.conv2d(geo, xv, fv, out, cout);
    return new JsData(out);
  }

  override conv2dBackpropInput(
    dy: DataHandle,
    dyShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    xShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle {
    const dv = f32(dy);
    const fv = f32(filter);
    const geo = this.convGeo(xShape, filterShape, args);
    if (!dv || !fv || !geo || dtype !== 'float32' || !sameOut(geo, dyShape)) {
      return super.conv2dBackpropInput(dy, dyShape, filter, filterShape, xShape, args, dtype);
    }
    const cout = filterShape[3]!;
    const dx = hostF32(sizeOf(xShape));
    this.addon.conv2dBackpropInput(geo, dv, fv, dx, cout);
    return new JsData(dx);
  }

  override conv2dBackpropFilter(
    x: DataHandle,
    xShape: Shape,
    dy: DataHandle,
    dyShape: Shape,
    filterShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle {
    const xv = f32(x);
    const dv = f32(dy);
    const geo = this.convGeo(xShape, filterShape, args);
    if (!xv || !dv || !geo || dtype !== 'float32' || !sameOut(geo, dyShape)) {
      return super.conv2dBackpropFilter(x, xShape, dy, dyShape, filterShape, args, dtype);
    }
    const cout = filterShape[3]!;
    // The first image chunk's GEMM overwrites dW; with no images there is none, so zeros.
    const dw = hostF32(sizeOf(filterShape), geo[0]! === 0);
    this.addon.conv2dBackpropFilter(geo, xv, dv, dw, cout);
    return new JsData(dw);
  }

  override maxPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, dtype: DType): DataHandle {
    const xv = f32(x);
    const geo = poolGeo(xShape, args);
    if (!xv || !geo || dtype !== 'float32') return super.maxPool2d(x, xShape, args, dtype);
    const out = hostF32(geo[0]! * geo[12]! * geo[13]! * geo[3]!);
    this.addon.maxPool(geo, xv, out);
    return new JsData(out);
  }

  override maxPool2dBackward(
    dy: DataHandle,
    dyShape: Shape,
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): DataHandle {
    const dv = f32(dy);
    const xv = f32(x);
    const geo = poolGeo(xShape, args);
    if (!dv || !xv || !geo || dtype !== 'float32') {
      return super.maxPool2dBackward(dy, dyShape, x, xShape, args, dtype);
    }
    const dx = hostF32(sizeOf(xShape));
    this.addon.maxPoolBackward(geo, dv, xv, dx);
    return new JsData(dx);
  }

  override maxPool2dWithArgmax(
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): [DataHandle, DataHandle] | null {
    const xv = f32(x);
    const geo = poolGeo(xShape, args);
    if (!xv || !geo || dtype !== 'float32' || xv.length > 0x7fffffff) {
      return super.maxPool2dWithArgmax(x, xShape, args, dtype);
    }
    const size = geo[0]! * geo[12]! * geo[13]! * geo[3]!;
    const y = hostF32(size);
    const arg = hostI32(size);
    this.addon.maxPoolArgmax(geo, xv, y, arg);
    return [new JsData(y), new JsData(arg)];
  }

  override maxPool2dBackwardFromArgmax(
    dy: DataHandle,
    argmax: DataHandle,
    numOut: number,
    xShape: Shape,
    dtype: DType,
  ): DataHandle {
    const dv = f32(dy);
    const av = i32(argmax);
    if (!dv || !av || dtype !== 'float32' || xShape.length !== 4 || numOut !== dv.length) {
      return super.maxPool2dBackwardFromArgmax(dy, argmax, numOut, xShape, dtype);
    }
    // The kernel walks the outputs image by image, so it needs the per-image output count;
    // the geometry is otherwise unused (a 1×1 window over the outputs, as a [n, outImg] grid).
    const n = xShape[0]!;
    const outImg = n > 0 ? numOut / n : 0;
    const inImg = n > 0 ? sizeOf(xShape) / n : 0;
    // The kernel zeroes each image before its scatter (threaded, cache-hot), so no fill here.
    const dx = hostF32(sizeOf(xShape), n === 0);
    if (n > 0) {
      const geo = Int32Array.of(n, 1, inImg, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, outImg);
      this.addon.maxPoolBackwardArgmax(geo, dv, av, dx);
    }
    return new JsData(dx);
  }

  override gather(
    x: DataHandle,
    shape: Shape,
    indices: DataHandle,
    numIndices: number,
    axis: number,
    dtype: DType,
  ): DataHandle {
    const xv = f32(x);
    const iv = i32(indices);
    const inner = sizeOf(shape.slice(axis + 1));
    const outer = sizeOf(shape.slice(0, axis));
    if (!xv || !iv || dtype !== 'float32' || numIndices * inner * outer < MIN_ELEMWISE) {
      return super.gather(x, shape, indices, numIndices, axis, dtype);
    }
    const out = hostF32(outer * numIndices * inner);
    this.addon.gather(xv, iv, out, outer, shape[axis]!, numIndices, inner);
    return new JsData(out);
  }

  override scatterAdd(
    updates: DataHandle,
    indices: DataHandle,
    numIndices: number,
    outShape: Shape,
    axis: number,
    dtype: DType,
  ): DataHandle {
    const uv = f32(updates);
    const iv = i32(indices);
    const inner = sizeOf(outShape.slice(axis + 1));
    const outer = sizeOf(outShape.slice(0, axis));
    if (!uv || !iv || dtype !== 'float32' || numIndices * inner * outer < MIN_ELEMWISE) {
      return super.scatterAdd(updates, indices, numIndices, outShape, axis, dtype);
    }
    // The kernel zeroes every destination row itself (threads split the rows), so the output
    // (10000×32 per step for an Embedding gradient) is not zero-filled here first.
    const out = hostF32(sizeOf(outShape), false);
    this.addon.scatterAdd(uv, iv, out, outer, outShape[axis]!, numIndices, inner);
    return new JsData(out);
  }

  override gruCell(
    x: DataHandle,
    r: DataHandle,
    h: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): DataHandle {
    const xv = f32(x);
    const rv = f32(r);
    const hv = f32(h);
    if (!xv || !rv || !hv || dtype !== 'float32') {
      return super.gruCell(x, r, h, batch, units, dtype);
    }
    const y = hostF32(batch * units);
    this.addon.gruCell(xv, rv, hv, y, batch, units);
    return new JsData(y);
  }

  override gruCellGrad(
    x: DataHandle,
    r: DataHandle,
    h: DataHandle,
    dy: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle] {
    const xv = f32(x);
    const rv = f32(r);
    const hv = f32(h);
    const dv = f32(dy);
    if (!xv || !rv || !hv || !dv || dtype !== 'float32') {
      return super.gruCellGrad(x, r, h, dy, batch, units, dtype);
    }
    const dx = hostF32(batch * 3 * units);
    const dr = hostF32(batch * 3 * units);
    const dh = hostF32(batch * units);
    this.addon.gruCellGrad(xv, rv, hv, dv, dx, dr, dh, batch, units);
    return [new JsData(dx), new JsData(dr), new JsData(dh)];
  }

  override lstmCell(
    z: DataHandle,
    c: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): DataHandle {
    const zv = f32(z);
    const cv = f32(c);
    if (!zv || !cv || dtype !== 'float32') return super.lstmCell(z, c, batch, units, dtype);
    const hc = hostF32(batch * 2 * units, false);
    this.addon.lstmCell(zv, cv, hc, batch, units);
    return new JsData(hc);
  }

  override hasFusedLstmSequence(dtype: DType): boolean {
    return dtype === 'float32';
  }

  /** The whole recurrence in one addon call; non-float32 operands take the reference. */
  override lstmSequence(
    xProj: DataHandle,
    U: DataHandle,
    h0: DataHandle,
    c0: DataHandle,
    a: LstmSequenceArgs,
    dtype: DType,
  ): LstmSequenceResult {
    const xv = f32(xProj);
    const uv = f32(U);
    const hv = f32(h0);
    const cv = f32(c0);
    if (!xv || !uv || !hv || !cv || dtype !== 'float32') {
      return super.lstmSequence(xProj, U, h0, c0, a, dtype);
    }
    const { batch: B, steps: T, units: u } = a;
    const hseq = hostF32(B * T * u);
    const hLast = hostF32(B * u);
    const cLast = hostF32(B * u);
    const gates = hostF32(T * B * 4 * u);
    const cs = hostF32(T * B * u);
    this.addon.lstmSeq(xv, uv, hv, cv, hseq, hLast, cLast, gates, cs, B, T, u, a.goBackwards);
    const saved: NativeLstmSaved = { kind: 'native', U: uv, h0: hv, c0: cv, hseq, gates, cs };
    return { h: new JsData(hseq), hLast: new JsData(hLast), cLast: new JsData(cLast), saved };
  }

  override lstmSequenceGrad(
    saved: LstmSequenceResult['saved'],
    dh: DataHandle | null,
    dhLast: DataHandle | null,
    dcLast: DataHandle | null,
    a: LstmSequenceArgs,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle, DataHandle] {
    if (saved.kind !== 'native') {
      return super.lstmSequenceGrad(saved, dh, dhLast, dcLast, a, dtype);
    }
    const s = saved as NativeLstmSaved;
    const { batch: B, steps: T, units: u } = a;
    // A gradient in another dtype or storage is converted once (rare: autograd keeps float32).
    const g = (h: DataHandle | null, n: number): Float32Array | null =>
      h === null ? null : (f32(h) ?? Float32Array.from(this.readSync(h, dtype, n)));
    const dx = hostF32(B * T * 4 * u);
    const dU = hostF32(u * 4 * u);
    const dh0 = hostF32(B * u);
    const dc0 = hostF32(B * u);
    this.addon.lstmSeqGrad(
      s.U,
      s.h0,
      s.c0,
      s.hseq,
      s.gates,
      s.cs,
      g(dh, B * T * u),
      g(dhLast, B * u),
      g(dcLast, B * u),
      dx,
      dU,
      dh0,
      dc0,
      B,
      T,
      u,
      a.goBackwards,
    );
    return [new JsData(dx), new JsData(dU), new JsData(dh0), new JsData(dc0)];
  }

  override lstmCellGrad(
    z: DataHandle,
    c: DataHandle,
    hc: DataHandle,
    dhc: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): [DataHandle, DataHandle] {
    const zv = f32(z);
    const cv = f32(c);
    const hv = f32(hc);
    const dv = f32(dhc);
    if (!zv || !cv || !hv || !dv || dtype !== 'float32') {
      return super.lstmCellGrad(z, c, hc, dhc, batch, units, dtype);
    }
    const dz = hostF32(batch * 4 * units);
    const dc = hostF32(batch * units);
    this.addon.lstmCellGrad(zv, cv, hv, dv, dz, dc, batch, units);
    return [new JsData(dz), new JsData(dc)];
  }

  override biasActivation(
    x: DataHandle,
    rows: number,
    cols: number,
    bias: DataHandle | null,
    act: FusedActivation,
    dtype: DType,
  ): DataHandle | null {
    const xv = f32(x);
    const bv = bias === null ? null : f32(bias);
    if (!xv || (bias !== null && !bv) || dtype !== 'float32' || rows * cols < MIN_ELEMWISE) {
      return super.biasActivation(x, rows, cols, bias, act, dtype);
    }
    const out = hostF32(rows * cols, false);
    this.addon.biasAct(xv, bv, out, rows, cols, act === 'relu');
    return new JsData(out);
  }

  override rmspropStep(
    p: DataHandle,
    g: DataHandle,
    v: DataHandle,
    size: number,
    hyper: RmspropStepArgs,
    dtype: DType,
  ): [DataHandle, DataHandle] | null {
    const pv = f32(p);
    const gv = f32(g);
    const vv = f32(v);
    if (!pv || !gv || !vv || dtype !== 'float32' || size < MIN_ELEMWISE) return null;
    const po = hostF32(size, false);
    const vo = hostF32(size, false);
    const { lr, rho, epsilon } = hyper;
    // 1 − ρ in doubles, as the tensor formula computes its scalars.
    this.addon.rmsprop(pv, gv, vv, po, vo, lr, rho, 1 - rho, epsilon);
    return [new JsData(po), new JsData(vo)];
  }

  override adamStep(
    p: DataHandle,
    g: DataHandle,
    m: DataHandle,
    v: DataHandle,
    size: number,
    hyper: AdamStepArgs,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle] | null {
    const pv = f32(p);
    const gv = f32(g);
    const mv = f32(m);
    const vv = f32(v);
    if (!pv || !gv || !mv || !vv || dtype !== 'float32' || size < MIN_ELEMWISE) return null;
    const po = hostF32(size, false);
    const mo = hostF32(size, false);
    const vo = hostF32(size, false);
    const { lr, beta1, beta2, epsilon } = hyper;
    this.addon.adam(pv, gv, mv, vv, po, mo, vo, lr, beta1, beta2, epsilon);
    return [new JsData(po), new JsData(mo), new JsData(vo)];
  }
}

function sameOut(geo: Int32Array, dyShape: Shape): boolean {
  return dyShape[1] === geo[12] && dyShape[2] === geo[13];
}

function poolGeo(xShape: Shape, args: PoolArgs): Int32Array | null {
  if (xShape.length !== 4) return null;
  const [kh, kw] = args.poolSize;
  const c = xShape[3]!;
  return packGeo(geometry(xShape, kh, kw, args.strides, [1, 1], args.padding, 1, c, c));
}

let loadError = '';

/**
 * Creates the native backend, or throws with the reason the addon is unavailable (the registry
 * then falls back to wasm and `backendInfo()` reports the reason).
 *
 * @example
 * const b = createNativeBackend(); // throws "native addon not built (…)" without a build
 */
export function createNativeBackend(): NativeBackend {
  const r = loadAddon();
  if ('error' in r) {
    loadError = r.error;
    throw new ValueError(r.error);
  }
  return new NativeBackend(r.addon, r.path);
}

/** Why the native backend could not start ('' when it did or was never tried). */
export function nativeLoadError(): string {
  return loadError;
}
