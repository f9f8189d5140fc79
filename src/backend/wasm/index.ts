/**
 * The `wasm` kernel provider: the CPU backend's float32 hot paths (GEMM, convolutions, pooling,
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
import { type Shape, sizeOf } from '../../tensor/shape.js';
import type {
  AdamStepArgs,
  AttentionArgs,
  BinaryOp,
  ConvArgs,
  MatmulArgs,
  PoolArgs,
  RmspropStepArgs,
  UnaryOp,
} from '../backend.js';
import type { Operand } from '../broadcast_walk.js';
import { CpuBackend } from '../cpu/index.js';
import type { KernelProvider } from '../cpu/provider.js';
import { BINARY_CODES, COMPARE_CODES, UNARY_CODES, WASM_UNARY_LIMIT } from '../kernel_codes.js';
import * as conv from './conv.js';
import {
  type KernelVariant,
  type WasmRuntime,
  sharedRuntime,
  wasmThreadsRefused,
} from './runtime.js';

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

type F = Float32Array;

/**
 * Runs a kernel, or declines (null) when wasm memory cannot grow for it (the op is too big for
 * a 32-bit wasm heap here), so the reference runs instead.
 */
function orDecline<T>(run: () => T): T | null {
  try {
    return run();
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

/**
 * The WebAssembly SIMD128 kernels: float32 matmul, conv2d (and its two gradients), max/avg
 * pooling (and gradients), common unary and binary ops, sums over leading or trailing axes,
 * softmax/logSoftmax over the last axis, comparisons and `where`, the fused LSTM gates and the
 * fused Adam and RMSprop steps. Each kernel copies its operands into linear memory and its
 * result back out.
 *
 * @example
 * import { setBackend } from 'tessera-ml';
 * setBackend('wasm'); // or TESSERA_BACKEND=wasm; chosen automatically where SIMD128 exists
 */
export class WasmProvider implements KernelProvider {
  readonly name = 'wasm';
  readonly minWork = { matmul: MIN_WASM_MATMUL, binary: MIN_WASM_BINARY };
  /** The SIMD bias add and relu (two passes in linear memory) beat the js single scalar loop. */
  readonly fusedEpilogue = false;
  /** No argmax kernel: max pooling keeps the wasm forward and backward. */
  readonly argmaxPooling = false;
  private readonly rt: WasmRuntime;

  /**
   * Runs on `rt` (default: the process's kernels, instantiated once; throws where WebAssembly
   * SIMD is missing).
   */
  constructor(rt: WasmRuntime = sharedRuntime()) {
    this.rt = rt;
  }

  /** Which build of the kernels runs: `relaxed-simd` where the runtime validates it. */
  /** The kernel module in use, for `backendInfo()`. */
  get detail(): string {
    const t = this.rt.threads;
    const refused = wasmThreadsRefused();
    return `${this.rt.variant} kernels, ${t === 1 ? 'one thread' : `${t} threads`}${refused ? ` (threads refused: ${refused})` : ''}`;
  }

  get variant(): KernelVariant {
    return this.rt.variant;
  }

  /** Bytes of wasm linear memory in use as scratch (grows with the largest op, never shrinks). */
  get memoryBytes(): number {
    return this.rt.memoryBytes;
  }

  unary(op: UnaryOp, x: F, size: number, param: number): F | null {
    const code = WASM_UNARY[op];
    if (code === undefined) return null;
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const px = rt.put(x);
      const py = rt.alloc(size);
      rt.k.unary(code, px, py, size, param);
      return rt.get(py, size);
    });
  }

  binary(op: BinaryOp, a: F, wa: Operand, b: F, wb: Operand, rows: number, cols: number): F | null {
    const code = BINARY_CODES[op];
    if (code === undefined) return null;
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const pa = rt.put(a);
      const pb = rt.put(b);
      const py = rt.alloc(rows * cols);
      rt.k.binary(code, pa, wa.row, wa.el, pb, wb.row, wb.el, py, rows, cols);
      return rt.get(py, rows * cols);
    });
  }

  compare(
    op: BinaryOp,
    a: F,
    wa: Operand,
    b: F,
    wb: Operand,
    rows: number,
    cols: number,
  ): Uint8Array | null {
    const code = COMPARE_CODES[op];
    if (code === undefined) return null;
    const rt = this.rt;
    const size = rows * cols;
    return orDecline(() => {
      rt.reset();
      const pa = rt.put(a);
      const pb = rt.put(b);
      const py = rt.alloc(Math.ceil(size / 4));
      rt.k.compare(code, pa, wa.row, wa.el, pb, wb.row, wb.el, py, rows, cols);
      return rt.getU8(py, size);
    });
  }

  where(
    c: Uint8Array,
    wc: Operand,
    a: F,
    wa: Operand,
    b: F,
    wb: Operand,
    rows: number,
    cols: number,
  ): F | null {
    const rt = this.rt;
    const size = rows * cols;
    return orDecline(() => {
      rt.reset();
      const pc = rt.putU8(c);
      const pa = rt.put(a);
      const pb = rt.put(b);
      const py = rt.alloc(size);
      rt.k.select(pc, wc.row, wc.el, pa, wa.row, wa.el, pb, wb.row, wb.el, py, rows, cols);
      return rt.get(py, size);
    });
  }

  /** Sums over a leading or trailing run of axes; others decline. */
  reduceSum(x: F, shape: Shape, axes: readonly number[]): F | null {
    const rank = shape.length;
    const size = sizeOf(shape);
    const trailing = axes[axes.length - 1] === rank - 1;
    if (!trailing && axes[0] !== 0) return null;
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const px = rt.put(x);
      if (trailing) {
        const inner = sizeOf(shape.slice(axes[0]));
        const rows = size / inner;
        const py = rt.alloc(rows);
        rt.k.sumRows(px, rows, inner, py);
        return rt.get(py, rows);
      }
      const outer = sizeOf(shape.slice(0, axes.length));
      const inner = size / outer;
      const py = rt.alloc(inner);
      const acc = rt.alloc(inner * 2);
      rt.k.sumCols(px, outer, inner, py, acc);
      return rt.get(py, inner);
    });
  }

  softmax(x: F, rows: number, cols: number, log: boolean): F | null {
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const px = rt.put(x);
      const py = rt.alloc(rows * cols);
      rt.k.softmaxRows(px, rows, cols, py, log ? 1 : 0);
      return rt.get(py, rows * cols);
    });
  }

  matmul(a: F, b: F, args: MatmulArgs): F | null {
    const { batch, m, n, k, transA, transB, strideA, strideB } = args;
    const size = batch * m * n;
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const pa = rt.put(a);
      const pb = rt.put(b);
      const pc = rt.alloc(size);
      const lda = transA ? m : k;
      const ldb = transB ? k : n;
      const ta = transA ? 1 : 0;
      const tb = transB ? 1 : 0;
      for (let i = 0; i < batch; i++) {
        const ai = pa + i * strideA * 4;
        const bi = pb + i * strideB * 4;
        rt.gemm(ta, tb, m, n, k, ai, lda, bi, ldb, pc + i * m * n * 4, n, 0);
      }
      return rt.get(pc, size);
    });
  }

  /** Fused scaled dot-product attention (assembly/attention.ts). */
  attention(
    q: F,
    k: F,
    v: F,
    mask: Uint8Array | null,
    bias: F | null,
    a: AttentionArgs,
  ): [F, F] | null {
    const { batch: B, heads: N, queryLen: T, keyLen: S, dim: H, valueDim: Hv } = a;
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const pq = rt.put(q);
      const pk = rt.put(k);
      const pv = rt.put(v);
      const pm = mask ? rt.putU8(mask) : 0;
      const pb = bias ? rt.put(bias) : 0;
      const po = rt.alloc(B * T * N * Hv);
      const pp = rt.alloc(B * N * T * S);
      const work = rt.alloc(rt.k.attentionWorkFloats(S, H, Hv));
      rt.k.attention(
        pq,
        pk,
        pv,
        pm,
        pb,
        po,
        pp,
        B,
        N,
        T,
        S,
        H,
        Hv,
        a.scale,
        a.maskedValue,
        a.causal ? 1 : 0,
        a.maskBatch,
        a.maskHeads,
        a.biasBatch,
        a.biasHeads,
        work,
      );
      return [rt.get(po, B * T * N * Hv), rt.get(pp, B * N * T * S)] as [F, F];
    });
  }

  attentionGrad(
    q: F,
    k: F,
    v: F,
    probs: F,
    mask: Uint8Array | null,
    dOut: F,
    a: AttentionArgs,
  ): [F, F, F, F?] | null {
    const { batch: B, heads: N, queryLen: T, keyLen: S, dim: H, valueDim: Hv } = a;
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const pq = rt.put(q);
      const pk = rt.put(k);
      const pv = rt.put(v);
      const pp = rt.put(probs);
      const pm = mask ? rt.putU8(mask) : 0;
      const pd = rt.put(dOut);
      const pdq = rt.alloc(q.length);
      const pdk = rt.alloc(k.length);
      const pdv = rt.alloc(v.length);
      const pdl = a.logitGrad ? rt.alloc(probs.length) : 0;
      const work = rt.alloc(rt.k.attentionWorkFloats(S, H, Hv));
      rt.k.attentionGrad(
        pq,
        pk,
        pv,
        pp,
        pm,
        pd,
        pdq,
        pdk,
        pdv,
        pdl,
        B,
        N,
        T,
        S,
        H,
        Hv,
        a.scale,
        a.causal ? 1 : 0,
        a.maskBatch,
        a.maskHeads,
        work,
      );
      const grads: [F, F, F, F?] = [
        rt.get(pdq, q.length),
        rt.get(pdk, k.length),
        rt.get(pdv, v.length),
      ];
      if (pdl) grads.push(rt.get(pdl, probs.length));
      return grads;
    });
  }

  /** The fused LSTM gates (sigmoid gates, tanh cell). */
  lstmCell(z: F, c: F, batch: number, units: number): F | null {
    const n = batch * units;
    if (z.length < 4 * n || c.length < n) return null;
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const pz = rt.put(z);
      const pc = rt.put(c);
      const ph = rt.alloc(2 * n);
      rt.k.lstmCell(pz, pc, ph, batch, units);
      return rt.get(ph, 2 * n);
    });
  }

  lstmCellGrad(z: F, c: F, hc: F, dhc: F, batch: number, units: number): [F, F] | null {
    const n = batch * units;
    if (z.length < 4 * n || c.length < n || hc.length < 2 * n || dhc.length < 2 * n) return null;
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const pz = rt.put(z);
      const pc = rt.put(c);
      const ph = rt.put(hc);
      const pd = rt.put(dhc);
      const pdz = rt.alloc(4 * n);
      const pdc = rt.alloc(n);
      rt.k.lstmCellGrad(pz, pc, ph, pd, pdz, pdc, batch, units);
      return [rt.get(pdz, 4 * n), rt.get(pdc, n)] as [F, F];
    });
  }

  /** The fused RMSprop step, in the f32 operation order of its tensor formula. */
  rmspropStep(p: F, g: F, v: F, size: number, hyper: RmspropStepArgs): [F, F] | null {
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const pp = rt.put(p);
      const pg = rt.put(g);
      const pvv = rt.put(v);
      const po = rt.alloc(size);
      const vo = rt.alloc(size);
      const { lr, rho, epsilon } = hyper;
      rt.k.rmsprop(pp, pg, pvv, po, vo, size, lr, rho, 1 - rho, epsilon);
      return [rt.get(po, size), rt.get(vo, size)] as [F, F];
    });
  }

  /** The fused Adam step, in the same f32 operation order as its tensor formula. */
  adamStep(p: F, g: F, m: F, v: F, size: number, hyper: AdamStepArgs): [F, F, F] | null {
    const rt = this.rt;
    return orDecline(() => {
      rt.reset();
      const pp = rt.put(p);
      const pg = rt.put(g);
      const pm = rt.put(m);
      const pvv = rt.put(v);
      const po = rt.alloc(size);
      const mo = rt.alloc(size);
      const vo = rt.alloc(size);
      const { lr, beta1, beta2, epsilon } = hyper;
      // 1 − β in doubles, as the tensor formula computes its scalars.
      rt.k.adam(pp, pg, pm, pvv, po, mo, vo, size, lr, 1 - beta1, 1 - beta2, epsilon);
      return [rt.get(po, size), rt.get(mo, size), rt.get(vo, size)] as [F, F, F];
    });
  }

  conv2d(x: F, xShape: Shape, f: F, fShape: Shape, args: ConvArgs): F | null {
    if (!conv.convSupported(xShape, fShape, args)) return null;
    return orDecline(() => conv.conv2dForward(this.rt, x, xShape, f, fShape, args));
  }

  conv2dBackpropInput(
    dy: F,
    _dyShape: Shape,
    f: F,
    fShape: Shape,
    xShape: Shape,
    args: ConvArgs,
  ): F | null {
    if (!conv.convSupported(xShape, fShape, args)) return null;
    return orDecline(() => conv.conv2dBackpropInput(this.rt, dy, f, fShape, xShape, args));
  }

  conv2dBackpropFilter(
    x: F,
    xShape: Shape,
    dy: F,
    _dyShape: Shape,
    fShape: Shape,
    args: ConvArgs,
  ): F | null {
    if (!conv.convSupported(xShape, fShape, args)) return null;
    return orDecline(() => conv.conv2dBackpropFilter(this.rt, x, xShape, dy, fShape, args));
  }

  maxPool2d(x: F, xShape: Shape, args: PoolArgs): F | null {
    return orDecline(() => conv.maxPool2dForward(this.rt, x, xShape, args));
  }

  maxPool2dBackward(dy: F, x: F, xShape: Shape, args: PoolArgs): F | null {
    return orDecline(() => conv.maxPool2dBackward(this.rt, dy, x, xShape, args));
  }

  avgPool2d(x: F, xShape: Shape, args: PoolArgs): F | null {
    return orDecline(() => conv.avgPool2dForward(this.rt, x, xShape, args));
  }

  avgPool2dBackward(dy: F, xShape: Shape, args: PoolArgs): F | null {
    return orDecline(() => conv.avgPool2dBackward(this.rt, dy, xShape, args));
  }
}

/** The wasm backend: the CPU backend running the wasm kernels (`backend.provider.variant`). */
export type WasmBackend = CpuBackend<WasmProvider>;

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
  return new CpuBackend(new WasmProvider());
}
