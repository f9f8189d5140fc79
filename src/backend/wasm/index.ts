/**
 * The `wasm` backend: the js backend with its float32 hot paths (GEMM, convolutions, pooling,
 * the common elementwise ops and comparisons, `where`, sums, softmax, the fused LSTM gates and
 * Adam step) running as WebAssembly SIMD128 kernels written in AssemblyScript (`assembly/`,
 * compiled by `scripts/build-wasm.mjs` into `kernels_wasm.ts`).
 *
 * Storage stays {@link JsData} (plain typed arrays): every primitive or dtype not handled here
 * falls back to the js implementation, and tensors move between the two backends for free.
 * Each accelerated op copies its operands into the kernels' linear memory and the result back
 * out. The copies cost much less than the kernels gain (GEMM about 30 GFLOP/s including them,
 * against 3 for js). Most of the result's cost is the fresh JS array itself (allocation, page
 * faults, GC), which every backend with JS storage pays; copying operands in is cheap, and
 * reusing copies of earlier results still in wasm memory measured no faster on the training
 * workloads (the kernels' writes then go to cold memory). Ops too small to gain from wasm
 * (below MIN_WASM_BINARY / MIN_WASM_MATMUL) run the js code.
 */
import type { DType } from '../../tensor/dtype.js';
import { type Shape, sizeOf } from '../../tensor/shape.js';
import type {
  AdamStepArgs,
  BinaryOp,
  ConvArgs,
  DataHandle,
  MatmulArgs,
  PoolArgs,
  ReduceOp,
  RmspropStepArgs,
  UnaryOp,
} from '../backend.js';
import { type Operand, rowPattern } from '../broadcast_walk.js';
import { JsBackend, JsData } from '../js/index.js';
import { BINARY_CODES, COMPARE_CODES, UNARY_CODES, WASM_UNARY_LIMIT } from '../kernel_codes.js';
import * as conv from './conv.js';
import { type KernelVariant, type WasmRuntime, sharedRuntime } from './runtime.js';

/** The unary codes the wasm kernel implements. */
const WASM_UNARY: Partial<Record<UnaryOp, number>> = Object.fromEntries(
  Object.entries(UNARY_CODES).filter(([, c]) => c! < WASM_UNARY_LIMIT),
);

/**
 * Below these sizes an op runs in js: entering wasm and copying (about a microsecond) costs more
 * than the js loop. Elements of a binary arithmetic op (comparisons and `where` are faster in
 * wasm at any size), and multiply-adds of a matmul.
 */
const MIN_WASM_BINARY = 128;
const MIN_WASM_MATMUL = 64;

/** The float32 array behind a handle when the op may run in wasm, else null. */
function f32(h: DataHandle, dtype: DType): Float32Array | null {
  if (dtype !== 'float32' || !(h instanceof JsData)) return null;
  const v = h.values;
  return v instanceof Float32Array ? v : null;
}

/** Memory growth failed (the op is too big for a 32-bit wasm heap here): fall back to js. */
function isOutOfMemory(e: unknown): boolean {
  return e instanceof RangeError;
}

/**
 * The js backend with WebAssembly SIMD128 kernels for float32 matmul, conv2d (and its two
 * gradients), max/avg pooling (and gradients), common unary and binary ops, sums and
 * softmax/logSoftmax over the last axis, float32 comparisons and `where`, the fused LSTM gates
 * and the fused Adam step. Everything else runs the js code.
 *
 * @example
 * import { setBackend } from 'tessera';
 * setBackend('wasm'); // or TESSERA_BACKEND=wasm; chosen automatically where SIMD128 exists
 */
export class WasmBackend extends JsBackend {
  override readonly name = 'wasm';
  private readonly rt: WasmRuntime;

  /** Instantiates the kernels (once per process); throws where WebAssembly SIMD is missing. */
  constructor() {
    super();
    this.rt = sharedRuntime();
  }

  /** Which build of the kernels runs: `relaxed-simd` where the runtime validates it. */
  get variant(): KernelVariant {
    return this.rt.variant;
  }

  /** Bytes of wasm linear memory in use as scratch (grows with the largest op, never shrinks). */
  get memoryBytes(): number {
    return this.rt.memoryBytes;
  }

  override unary(op: UnaryOp, x: DataHandle, size: number, dtype: DType, param = 0): DataHandle {
    const code = WASM_UNARY[op];
    const xv = f32(x, dtype);
    if (code === undefined || !xv || size === 0) return super.unary(op, x, size, dtype, param);
    const rt = this.rt;
    try {
      rt.reset();
      const px = rt.put(xv);
      const py = rt.alloc(size);
      rt.k.unary(code, px, py, size, param);
      return new JsData(rt.get(py, size));
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return super.unary(op, x, size, dtype, param);
    }
  }

  /**
   * No fused epilogue: the SIMD bias add and relu (two passes in linear memory) beat the js
   * backend's single scalar loop.
   */
  override biasActivation(): DataHandle | null {
    return null;
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
    const cmp = COMPARE_CODES[op];
    const av = f32(a, inDType);
    const bv = f32(b, inDType);
    const size = sizeOf(outShape);
    const supported =
      (code !== undefined && outDType === 'float32' && size >= MIN_WASM_BINARY) ||
      (cmp !== undefined && outDType === 'bool');
    const pattern =
      supported && av && bv && size > 0 ? rowPattern([aShape, bShape], outShape) : null;
    if (!av || !bv || !pattern) {
      return super.binary(op, a, aShape, b, bShape, outShape, inDType, outDType);
    }
    const rt = this.rt;
    try {
      rt.reset();
      const pa = rt.put(av);
      const pb = rt.put(bv);
      const { rows, cols } = pattern;
      const [oa, ob] = pattern.ops as [Operand, Operand];
      if (cmp !== undefined) {
        const py = rt.alloc(Math.ceil(size / 4));
        rt.k.compare(cmp, pa, oa.row, oa.el, pb, ob.row, ob.el, py, rows, cols);
        return new JsData(rt.getU8(py, size));
      }
      const py = rt.alloc(size);
      rt.k.binary(code!, pa, oa.row, oa.el, pb, ob.row, ob.el, py, rows, cols);
      return new JsData(rt.get(py, size));
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return super.binary(op, a, aShape, b, bShape, outShape, inDType, outDType);
    }
  }

  /** `cond ? a : b` for float32 a, b and a bool condition, in wasm when broadcasts allow. */
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
    const av = f32(a, dtype);
    const bv = f32(b, dtype);
    const size = sizeOf(outShape);
    const pattern =
      cv && av && bv && size > 0 ? rowPattern([condShape, aShape, bShape], outShape) : null;
    if (!cv || !av || !bv || !pattern) {
      return super.where(cond, condShape, a, aShape, b, bShape, outShape, dtype);
    }
    const rt = this.rt;
    try {
      rt.reset();
      const pc = rt.putU8(cv);
      const pa = rt.put(av);
      const pb = rt.put(bv);
      const py = rt.alloc(size);
      const [oc, oa, ob] = pattern.ops as [Operand, Operand, Operand];
      const { rows, cols } = pattern;
      rt.k.select(pc, oc.row, oc.el, pa, oa.row, oa.el, pb, ob.row, ob.el, py, rows, cols);
      return new JsData(rt.get(py, size));
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return super.where(cond, condShape, a, aShape, b, bShape, outShape, dtype);
    }
  }

  /** Sums over a leading or trailing run of axes in wasm; everything else in js. */
  override reduce(
    op: ReduceOp,
    x: DataHandle,
    shape: Shape,
    axes: readonly number[],
    dtype: DType,
    outDType: DType,
  ): DataHandle {
    const xv = f32(x, dtype);
    const rank = shape.length;
    const size = sizeOf(shape);
    const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
    const trailing = axes.length > 0 && axes[axes.length - 1] === rank - 1;
    const leading = axes.length > 0 && axes[0] === 0;
    if (
      op !== 'sum' ||
      !xv ||
      outDType !== 'float32' ||
      size === 0 ||
      !contiguous ||
      !(trailing || leading)
    ) {
      return super.reduce(op, x, shape, axes, dtype, outDType);
    }
    const rt = this.rt;
    try {
      rt.reset();
      const px = rt.put(xv);
      if (trailing) {
        const inner = sizeOf(shape.slice(axes[0]));
        const rows = size / inner;
        const py = rt.alloc(rows);
        rt.k.sumRows(px, rows, inner, py);
        return new JsData(rt.get(py, rows));
      }
      const outer = sizeOf(shape.slice(0, axes.length));
      const inner = size / outer;
      const py = rt.alloc(inner);
      const acc = rt.alloc(inner * 2);
      rt.k.sumCols(px, outer, inner, py, acc);
      return new JsData(rt.get(py, inner));
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return super.reduce(op, x, shape, axes, dtype, outDType);
    }
  }

  override softmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle {
    return this.softmaxLike(x, shape, axis, dtype, false);
  }

  override logSoftmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle {
    return this.softmaxLike(x, shape, axis, dtype, true);
  }

  private softmaxLike(
    x: DataHandle,
    shape: Shape,
    axis: number,
    dtype: DType,
    log: boolean,
  ): DataHandle {
    const xv = f32(x, dtype);
    const size = sizeOf(shape);
    const fallback = (): DataHandle =>
      log ? super.logSoftmax(x, shape, axis, dtype) : super.softmax(x, shape, axis, dtype);
    if (!xv || axis !== shape.length - 1 || size === 0) return fallback();
    const rt = this.rt;
    try {
      rt.reset();
      const n = shape[axis]!;
      const px = rt.put(xv);
      const py = rt.alloc(size);
      rt.k.softmaxRows(px, size / n, n, py, log ? 1 : 0);
      return new JsData(rt.get(py, size));
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return fallback();
    }
  }

  override matmul(a: DataHandle, b: DataHandle, args: MatmulArgs, dtype: DType): DataHandle {
    const av = f32(a, dtype);
    const bv = f32(b, dtype);
    const { batch, m, n, k, transA, transB, strideA, strideB } = args;
    if (!av || !bv || batch * m * n * k < MIN_WASM_MATMUL) return super.matmul(a, b, args, dtype);
    const size = batch * m * n;
    const rt = this.rt;
    try {
      rt.reset();
      const pa = rt.put(av);
      const pb = rt.put(bv);
      const pc = rt.alloc(size);
      const lda = transA ? m : k;
      const ldb = transB ? k : n;
      const ta = transA ? 1 : 0;
      const tb = transB ? 1 : 0;
      for (let i = 0; i < batch; i++) {
        const ai = pa + i * strideA * 4;
        const bi = pb + i * strideB * 4;
        rt.k.gemm(ta, tb, m, n, k, ai, lda, bi, ldb, pc + i * m * n * 4, n, 0, rt.work);
      }
      return new JsData(rt.get(pc, size));
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return super.matmul(a, b, args, dtype);
    }
  }

  /** The fused LSTM gates (sigmoid gates, tanh cell) in wasm for float32. */
  override lstmCell(
    z: DataHandle,
    c: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): DataHandle {
    const zv = f32(z, dtype);
    const cv = f32(c, dtype);
    const n = batch * units;
    if (!zv || !cv || n === 0 || zv.length < 4 * n || cv.length < n) {
      return super.lstmCell(z, c, batch, units, dtype);
    }
    const rt = this.rt;
    try {
      rt.reset();
      const pz = rt.put(zv);
      const pc = rt.put(cv);
      const ph = rt.alloc(2 * n);
      rt.k.lstmCell(pz, pc, ph, batch, units);
      return new JsData(rt.get(ph, 2 * n));
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return super.lstmCell(z, c, batch, units, dtype);
    }
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
    const zv = f32(z, dtype);
    const cv = f32(c, dtype);
    const hv = f32(hc, dtype);
    const dv = f32(dhc, dtype);
    const n = batch * units;
    if (
      !zv ||
      !cv ||
      !hv ||
      !dv ||
      n === 0 ||
      zv.length < 4 * n ||
      cv.length < n ||
      hv.length < 2 * n ||
      dv.length < 2 * n
    ) {
      return super.lstmCellGrad(z, c, hc, dhc, batch, units, dtype);
    }
    const rt = this.rt;
    try {
      rt.reset();
      const pz = rt.put(zv);
      const pc = rt.put(cv);
      const ph = rt.put(hv);
      const pd = rt.put(dv);
      const pdz = rt.alloc(4 * n);
      const pdc = rt.alloc(n);
      rt.k.lstmCellGrad(pz, pc, ph, pd, pdz, pdc, batch, units);
      return [new JsData(rt.get(pdz, 4 * n)), new JsData(rt.get(pdc, n))];
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return super.lstmCellGrad(z, c, hc, dhc, batch, units, dtype);
    }
  }

  /** The fused RMSprop step of the optimizer, in the f32 operation order of its tensor formula. */
  override rmspropStep(
    p: DataHandle,
    g: DataHandle,
    v: DataHandle,
    size: number,
    hyper: RmspropStepArgs,
    dtype: DType,
  ): [DataHandle, DataHandle] | null {
    const pv = f32(p, dtype);
    const gv = f32(g, dtype);
    const vv = f32(v, dtype);
    if (!pv || !gv || !vv || size === 0) return super.rmspropStep(p, g, v, size, hyper, dtype);
    const rt = this.rt;
    try {
      rt.reset();
      const pp = rt.put(pv);
      const pg = rt.put(gv);
      const pvv = rt.put(vv);
      const po = rt.alloc(size);
      const vo = rt.alloc(size);
      const { lr, rho, epsilon } = hyper;
      rt.k.rmsprop(pp, pg, pvv, po, vo, size, lr, rho, 1 - rho, epsilon);
      return [new JsData(rt.get(po, size)), new JsData(rt.get(vo, size))];
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return super.rmspropStep(p, g, v, size, hyper, dtype);
    }
  }

  /** The fused Adam step of the optimizer, in the same f32 operation order as its tensor formula. */
  override adamStep(
    p: DataHandle,
    g: DataHandle,
    m: DataHandle,
    v: DataHandle,
    size: number,
    hyper: AdamStepArgs,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle] | null {
    const pv = f32(p, dtype);
    const gv = f32(g, dtype);
    const mv = f32(m, dtype);
    const vv = f32(v, dtype);
    if (!pv || !gv || !mv || !vv || size === 0)
      return super.adamStep(p, g, m, v, size, hyper, dtype);
    const rt = this.rt;
    try {
      rt.reset();
      const pp = rt.put(pv);
      const pg = rt.put(gv);
      const pm = rt.put(mv);
      const pvv = rt.put(vv);
      const po = rt.alloc(size);
      const mo = rt.alloc(size);
      const vo = rt.alloc(size);
      const { lr, beta1, beta2, epsilon } = hyper;
      // 1 − β in doubles, as the tensor formula computes its scalars.
      rt.k.adam(pp, pg, pm, pvv, po, mo, vo, size, lr, 1 - beta1, 1 - beta2, epsilon);
      return [
        new JsData(rt.get(po, size)),
        new JsData(rt.get(mo, size)),
        new JsData(rt.get(vo, size)),
      ];
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      return super.adamStep(p, g, m, v, size, hyper, dtype);
    }
  }

  override conv2d(
    x: DataHandle,
    xShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle {
    const xv = f32(x, dtype);
    const fv = f32(filter, dtype);
    if (xv && fv && conv.convSupported(xShape, filterShape, args)) {
      try {
        return new JsData(conv.conv2dForward(this.rt, xv, xShape, fv, filterShape, args));
      } catch (e) {
        if (!isOutOfMemory(e)) throw e;
      }
    }
    return super.conv2d(x, xShape, filter, filterShape, args, dtype);
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
    const dv = f32(dy, dtype);
    const fv = f32(filter, dtype);
    if (dv && fv && conv.convSupported(xShape, filterShape, args)) {
      try {
        return new JsData(conv.conv2dBackpropInput(this.rt, dv, fv, filterShape, xShape, args));
      } catch (e) {
        if (!isOutOfMemory(e)) throw e;
      }
    }
    return super.conv2dBackpropInput(dy, dyShape, filter, filterShape, xShape, args, dtype);
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
    const xv = f32(x, dtype);
    const dv = f32(dy, dtype);
    if (xv && dv && conv.convSupported(xShape, filterShape, args)) {
      try {
        return new JsData(conv.conv2dBackpropFilter(this.rt, xv, xShape, dv, filterShape, args));
      } catch (e) {
        if (!isOutOfMemory(e)) throw e;
      }
    }
    return super.conv2dBackpropFilter(x, xShape, dy, dyShape, filterShape, args, dtype);
  }

  override maxPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, dtype: DType): DataHandle {
    const xv = f32(x, dtype);
    if (xv) {
      try {
        return new JsData(conv.maxPool2dForward(this.rt, xv, xShape, args));
      } catch (e) {
        if (!isOutOfMemory(e)) throw e;
      }
    }
    return super.maxPool2d(x, xShape, args, dtype);
  }

  override maxPool2dBackward(
    dy: DataHandle,
    dyShape: Shape,
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): DataHandle {
    const dv = f32(dy, dtype);
    const xv = f32(x, dtype);
    if (dv && xv) {
      try {
        return new JsData(conv.maxPool2dBackward(this.rt, dv, xv, xShape, args));
      } catch (e) {
        if (!isOutOfMemory(e)) throw e;
      }
    }
    return super.maxPool2dBackward(dy, dyShape, x, xShape, args, dtype);
  }

  /**
   * No argmax kernel in wasm yet: the inherited js loop would replace the SIMD forward, so the
   * pooling op keeps using the wasm forward and {@link maxPool2dBackward}.
   */
  override maxPool2dWithArgmax(
    _x: DataHandle,
    _xShape: Shape,
    _args: PoolArgs,
    _dtype: DType,
  ): [DataHandle, DataHandle] | null {
    return null;
  }

  override avgPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, dtype: DType): DataHandle {
    const xv = f32(x, dtype);
    if (xv) {
      try {
        return new JsData(conv.avgPool2dForward(this.rt, xv, xShape, args));
      } catch (e) {
        if (!isOutOfMemory(e)) throw e;
      }
    }
    return super.avgPool2d(x, xShape, args, dtype);
  }

  override avgPool2dBackward(
    dy: DataHandle,
    dyShape: Shape,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): DataHandle {
    const dv = f32(dy, dtype);
    if (dv) {
      try {
        return new JsData(conv.avgPool2dBackward(this.rt, dv, xShape, args));
      } catch (e) {
        if (!isOutOfMemory(e)) throw e;
      }
    }
    return super.avgPool2dBackward(dy, dyShape, xShape, args, dtype);
  }
}

/**
 * Creates the wasm backend, instantiating the kernels on first call.
 *
 * Throws an Error naming the missing feature where WebAssembly or SIMD128 is unavailable (the
 * registry then falls back to the next backend).
 *
 * @example
 * registerBackend('wasm', () => createWasmBackend(), 10);
 */
export function createWasmBackend(): WasmBackend {
  return new WasmBackend();
}
