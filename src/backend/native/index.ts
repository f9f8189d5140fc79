/**
 * The `native` kernel provider: the CPU backend's hot float32 primitives as a C++ Node-API
 * addon (packed AVX2/AVX-512 GEMM on a persistent thread pool, direct and im2col
 * convolutions, pooling, elementwise, reductions, softmax, fused RNN gates and sequences,
 * optimizer steps). Storage stays the CPU backend's typed arrays, so tensors are
 * garbage-collected like any JS object and the addon works on their memory without copies;
 * every primitive or dtype it does not cover runs the reference code. Small ops stay in JS
 * (`minWork`), where a call costs less than crossing into C++.
 */
import { ValueError } from '../../errors.js';
import { type Shape, sizeOf } from '../../tensor/shape.js';
import type {
  AdamStepArgs,
  AttentionArgs,
  BinaryOp,
  ConvArgs,
  GruSequenceArgs,
  LstmSequenceArgs,
  MatmulArgs,
  PoolArgs,
  RmspropStepArgs,
  UnaryOp,
} from '../backend.js';
import type { Operand } from '../broadcast_walk.js';
import { CpuBackend } from '../cpu/index.js';
import type { KernelProvider, ProviderLstmSaved } from '../cpu/provider.js';
import { hostF32, hostI32, hostU8 } from '../host_arena.js';
import { type Geo, geometry } from '../js/conv.js';
import { BINARY_CODES, COMPARE_CODES, UNARY_CODES } from '../kernel_codes.js';
import { type AttentionDims, type NativeAddon, loadAddon } from './addon.js';

// Below these sizes the N-API call (≈0.1 µs per array argument) costs more than a JS loop.
const MIN_ELEMWISE = 512;
const MIN_GEMM_MACS = 4096;

type F = Float32Array;

/** What the native {@link NativeProvider.lstmSequence} keeps for its backward. */
interface NativeLstmSaved extends ProviderLstmSaved {
  readonly kind: 'native';
  U: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  hseq: Float32Array;
  /** Activated gates i, f, g, o of every step, `[steps, batch, 4·units]`. */
  gates: Float32Array;
  /** The cell state after every step, `[steps, batch, units]`. */
  cs: Float32Array;
  /** With a mask: its bytes, and h after every step (the outputs then differ from it). */
  mask: Uint8Array | null;
  hstate: Float32Array | null;
}

/** What the native {@link NativeProvider.gruSequence} keeps for its backward. */
interface NativeGruSaved extends ProviderLstmSaved {
  readonly kind: 'native';
  U: Float32Array;
  h0: Float32Array;
  hseq: Float32Array;
  /** z, ρ, ĥ and the recurrent candidate part of every step, `[steps, batch, 4·units]`. */
  vals: Float32Array;
  /** With a mask: its bytes, and h after every step (the outputs then differ from it). */
  mask: Uint8Array | null;
  hstate: Float32Array | null;
}

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
 * The native kernels. The CPU backend calls them under its eligibility rule; the provider also
 * carries the addon's controls.
 *
 * @example
 * const b = createNativeBackend();
 * b.provider.setThreads(1); // run every kernel on the calling thread
 */
export class NativeProvider implements KernelProvider {
  readonly name = 'native';
  readonly minWork = {
    matmul: MIN_GEMM_MACS,
    unary: MIN_ELEMWISE,
    binary: MIN_ELEMWISE,
    compare: MIN_ELEMWISE,
    where: MIN_ELEMWISE,
    reduce: MIN_ELEMWISE,
    gather: MIN_ELEMWISE,
    epilogue: MIN_ELEMWISE,
    optimizer: MIN_ELEMWISE,
  };
  /** The GEMM micro-kernel family in use ("avx512" or "avx2"). */
  readonly isa: string;

  constructor(
    readonly addon: NativeAddon,
    readonly addonPath: string,
    /** Where the addon came from: prebuilt in the package, or compiled at install. */
    readonly addonOrigin = 'compiled at install',
  ) {
    this.isa = addon.info().isa;
  }

  /** Which addon runs, where it came from, and its GEMM kernels (for `backendInfo()`). */
  get detail(): string {
    return `addon ${this.addonOrigin} (${this.addonPath}); ${this.isa} GEMM, ${this.threads} threads`;
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

  matmul(a: F, b: F, args: MatmulArgs): F {
    const { batch, m, n, k } = args;
    // The GEMM stores its first depth block (k = 0 writes zeros), so C needs no zeroing.
    const out = hostF32(batch * m * n, false);
    this.addon.gemm(
      batch,
      m,
      n,
      k,
      args.transA,
      args.transB,
      a,
      args.strideA,
      b,
      args.strideB,
      out,
    );
    return out;
  }

  unary(op: UnaryOp, x: F, size: number, param: number): F | null {
    const code = UNARY_CODES[op];
    if (code === undefined) return null;
    const out = hostF32(size, false);
    this.addon.unary(code, x, out, size, param);
    return out;
  }

  binary(op: BinaryOp, a: F, wa: Operand, b: F, wb: Operand, rows: number, cols: number): F | null {
    const code = BINARY_CODES[op];
    if (code === undefined) return null;
    const out = hostF32(rows * cols, false);
    this.addon.binary(code, a, wa.row, wa.el, b, wb.row, wb.el, out, rows, cols);
    return out;
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
    const out = hostU8(rows * cols, false);
    this.addon.compare(code, a, wa.row, wa.el, b, wb.row, wb.el, out, rows, cols);
    return out;
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
  ): F {
    const out = hostF32(rows * cols, false);
    this.addon.where(c, wc.row, wc.el, a, wa.row, wa.el, b, wb.row, wb.el, out, rows, cols);
    return out;
  }

  reduceSum(x: F, shape: Shape, axes: readonly number[]): F {
    const lo = axes[0]!;
    const hi = axes[axes.length - 1]! + 1;
    const outer = sizeOf(shape.slice(0, lo));
    const mid = sizeOf(shape.slice(lo, hi));
    const inner = sizeOf(shape.slice(hi));
    const out = hostF32(outer * inner, false);
    this.addon.reduceSum(x, out, outer, mid, inner);
    return out;
  }

  softmax(x: F, rows: number, cols: number, log: boolean): F {
    const out = hostF32(rows * cols, false);
    this.addon.softmax(x, out, rows, cols, log);
    return out;
  }

  conv2d(x: F, xShape: Shape, f: F, fShape: Shape, args: ConvArgs): F | null {
    const geo = convGeo(xShape, fShape, args);
    if (!geo) return null;
    const cout = fShape[3]!;
    const out = hostF32(geo[0]! * geo[12]! * geo[13]! * cout, false);
    this.addon.conv2d(geo, x, f, out, cout);
    return out;
  }

  conv2dBiasActivation(
    x: F,
    xShape: Shape,
    f: F,
    fShape: Shape,
    args: ConvArgs,
    bias: F | null,
    relu: boolean,
  ): F | null {
    const geo = convGeo(xShape, fShape, args);
    if (!geo) return null;
    const cout = fShape[3]!;
    const out = hostF32(geo[0]! * geo[12]! * geo[13]! * cout, false);
    this.addon.conv2dBiasAct(geo, x, f, out, cout, bias, relu);
    return out;
  }

  conv2dBackpropInput(
    dy: F,
    dyShape: Shape,
    f: F,
    fShape: Shape,
    xShape: Shape,
    args: ConvArgs,
  ): F | null {
    const geo = convGeo(xShape, fShape, args);
    if (!geo || !sameOut(geo, dyShape)) return null;
    const dx = hostF32(sizeOf(xShape));
    this.addon.conv2dBackpropInput(geo, dy, f, dx, fShape[3]!);
    return dx;
  }

  conv2dBackpropFilter(
    x: F,
    xShape: Shape,
    dy: F,
    dyShape: Shape,
    fShape: Shape,
    args: ConvArgs,
  ): F | null {
    const geo = convGeo(xShape, fShape, args);
    if (!geo || !sameOut(geo, dyShape)) return null;
    // The first image chunk's GEMM overwrites dW; with no images there is none, so zeros.
    const dw = hostF32(sizeOf(fShape), geo[0]! === 0);
    this.addon.conv2dBackpropFilter(geo, x, dy, dw, fShape[3]!);
    return dw;
  }

  maxPool2d(x: F, xShape: Shape, args: PoolArgs): F | null {
    const geo = poolGeo(xShape, args);
    if (!geo) return null;
    const out = hostF32(geo[0]! * geo[12]! * geo[13]! * geo[3]!);
    this.addon.maxPool(geo, x, out);
    return out;
  }

  maxPool2dBackward(dy: F, x: F, xShape: Shape, args: PoolArgs): F | null {
    const geo = poolGeo(xShape, args);
    if (!geo) return null;
    const dx = hostF32(sizeOf(xShape));
    this.addon.maxPoolBackward(geo, dy, x, dx);
    return dx;
  }

  maxPool2dWithArgmax(x: F, xShape: Shape, args: PoolArgs): [F, Int32Array] | null {
    const geo = poolGeo(xShape, args);
    if (!geo) return null;
    const size = geo[0]! * geo[12]! * geo[13]! * geo[3]!;
    const y = hostF32(size);
    const arg = hostI32(size);
    this.addon.maxPoolArgmax(geo, x, y, arg);
    return [y, arg];
  }

  maxPool2dBackwardFromArgmax(dy: F, argmax: Int32Array, numOut: number, xShape: Shape): F | null {
    return this.maxPool2dBackwardReluFromArgmax(dy, argmax, numOut, xShape, null);
  }

  /** The argmax scatter; with `y` (the pooled relu output), kept only where y > 0. */
  maxPool2dBackwardReluFromArgmax(
    dy: F,
    argmax: Int32Array,
    numOut: number,
    xShape: Shape,
    y: F | null,
  ): F | null {
    if (xShape.length !== 4 || numOut !== dy.length) return null;
    if (y !== null && y.length !== sizeOf(xShape)) return null;
    // The kernel walks the outputs image by image, so it needs the per-image output count;
    // the geometry is otherwise unused (a 1×1 window over the outputs, as a [n, outImg] grid).
    const n = xShape[0]!;
    const outImg = n > 0 ? numOut / n : 0;
    const inImg = n > 0 ? sizeOf(xShape) / n : 0;
    // The kernel zeroes each image before its scatter (threaded, cache-hot), so no fill here.
    const dx = hostF32(sizeOf(xShape), n === 0);
    if (n > 0) {
      const geo = Int32Array.of(n, 1, inImg, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, outImg);
      if (y === null) this.addon.maxPoolBackwardArgmax(geo, dy, argmax, dx);
      else this.addon.maxPoolBackwardArgmaxRelu(geo, dy, argmax, y, dx);
    }
    return dx;
  }

  gather(x: F, idx: Int32Array, outer: number, n: number, inner: number): F {
    const out = hostF32(outer * idx.length * inner);
    this.addon.gather(x, idx, out, outer, n, idx.length, inner);
    return out;
  }

  scatterAdd(u: F, idx: Int32Array, outer: number, n: number, inner: number): F {
    // The kernel zeroes every destination row itself (threads split the rows), so the output
    // (10000×32 per step for an Embedding gradient) is not zero-filled here first.
    const out = hostF32(outer * n * inner, false);
    this.addon.scatterAdd(u, idx, out, outer, n, idx.length, inner);
    return out;
  }

  gruCell(x: F, r: F, h: F, batch: number, units: number): F {
    const y = hostF32(batch * units);
    this.addon.gruCell(x, r, h, y, batch, units);
    return y;
  }

  gruCellGrad(x: F, r: F, h: F, dy: F, batch: number, units: number): [F, F, F] {
    const dx = hostF32(batch * 3 * units);
    const dr = hostF32(batch * 3 * units);
    const dh = hostF32(batch * units);
    this.addon.gruCellGrad(x, r, h, dy, dx, dr, dh, batch, units);
    return [dx, dr, dh];
  }

  lstmCell(z: F, c: F, batch: number, units: number): F {
    const hc = hostF32(batch * 2 * units, false);
    this.addon.lstmCell(z, c, hc, batch, units);
    return hc;
  }

  lstmCellGrad(z: F, c: F, hc: F, dhc: F, batch: number, units: number): [F, F] {
    const dz = hostF32(batch * 4 * units);
    const dc = hostF32(batch * units);
    this.addon.lstmCellGrad(z, c, hc, dhc, dz, dc, batch, units);
    return [dz, dc];
  }

  /** The whole recurrence in one addon call. */
  lstmSequence(
    xProj: F,
    U: F,
    h0: F,
    c0: F,
    a: LstmSequenceArgs,
    mask: Uint8Array | null,
  ): { h: F; hLast: F; cLast: F; saved: NativeLstmSaved } {
    const { batch: B, steps: T, units: u } = a;
    const hseq = hostF32(B * T * u);
    const hLast = hostF32(B * u);
    const cLast = hostF32(B * u);
    const gates = hostF32(T * B * 4 * u);
    const cs = hostF32(T * B * u);
    const hstate = mask ? hostF32(B * T * u, false) : null;
    const zo = a.zeroOutputForMask === true;
    this.addon.lstmSeq(
      xProj,
      U,
      h0,
      c0,
      hseq,
      hLast,
      cLast,
      gates,
      cs,
      B,
      T,
      u,
      a.goBackwards,
      mask,
      zo,
      hstate,
    );
    const saved: NativeLstmSaved = { kind: 'native', U, h0, c0, hseq, gates, cs, mask, hstate };
    return { h: hseq, hLast, cLast, saved };
  }

  lstmSequenceGrad(
    saved: ProviderLstmSaved,
    dh: F | null,
    dhLast: F | null,
    dcLast: F | null,
    a: LstmSequenceArgs,
  ): [F, F, F, F] {
    const s = saved as NativeLstmSaved;
    const { batch: B, steps: T, units: u } = a;
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
      dh,
      dhLast,
      dcLast,
      dx,
      dU,
      dh0,
      dc0,
      B,
      T,
      u,
      a.goBackwards,
      s.mask,
      a.zeroOutputForMask === true,
      s.hstate,
    );
    return [dx, dU, dh0, dc0];
  }

  /** Scaled dot-product attention in one addon call (attention.cc). */
  attention(q: F, k: F, v: F, mask: Uint8Array | null, bias: F | null, a: AttentionArgs): [F, F] {
    const out = hostF32(a.batch * a.queryLen * a.heads * a.valueDim, false);
    const probs = hostF32(a.batch * a.heads * a.queryLen * a.keyLen, false);
    this.addon.attention(q, k, v, mask, bias, out, probs, ...attentionDims(a));
    return [out, probs];
  }

  attentionGrad(
    q: F,
    k: F,
    v: F,
    probs: F,
    mask: Uint8Array | null,
    dOut: F,
    a: AttentionArgs,
  ): [F, F, F, F?] {
    const dq = hostF32(q.length, false);
    const dk = hostF32(k.length, false);
    const dv = hostF32(v.length, false);
    const dl = a.logitGrad ? hostF32(probs.length, false) : null;
    this.addon.attentionGrad(q, k, v, probs, mask, dOut, dq, dk, dv, dl, ...attentionDims(a));
    return dl ? [dq, dk, dv, dl] : [dq, dk, dv];
  }

  /** The whole GRU recurrence in one addon call. */
  gruSequence(
    xProj: F,
    U: F,
    bRec: F | null,
    h0: F,
    a: GruSequenceArgs,
    mask: Uint8Array | null,
  ): { h: F; hLast: F; saved: NativeGruSaved } {
    const { batch: B, steps: T, units: u } = a;
    const hseq = hostF32(B * T * u, false);
    const hLast = hostF32(B * u, false);
    const vals = hostF32(T * B * 4 * u, false);
    const hstate = mask ? hostF32(B * T * u, false) : null;
    const zo = a.zeroOutputForMask === true;
    this.addon.gruSeq(
      xProj,
      U,
      bRec,
      h0,
      hseq,
      hLast,
      vals,
      B,
      T,
      u,
      a.goBackwards,
      mask,
      zo,
      hstate,
    );
    return { h: hseq, hLast, saved: { kind: 'native', U, h0, hseq, vals, mask, hstate } };
  }

  gruSequenceGrad(
    saved: ProviderLstmSaved,
    dh: F | null,
    dhLast: F | null,
    a: GruSequenceArgs,
  ): [F, F, F, F] {
    const s = saved as NativeGruSaved;
    const { batch: B, steps: T, units: u } = a;
    const dx = hostF32(B * T * 3 * u, false);
    // Zeroed: the final GEMM may split K and sum its parts into dU.
    const dU = hostF32(u * 3 * u);
    const db = hostF32(3 * u, false);
    const dh0 = hostF32(B * u, false);
    this.addon.gruSeqGrad(
      s.U,
      s.h0,
      s.hseq,
      s.vals,
      dh,
      dhLast,
      dx,
      dU,
      db,
      dh0,
      B,
      T,
      u,
      a.goBackwards,
      s.mask,
      a.zeroOutputForMask === true,
      s.hstate,
    );
    return [dx, dU, db, dh0];
  }

  biasActivation(x: F, rows: number, cols: number, bias: F | null, relu: boolean): F {
    const out = hostF32(rows * cols, false);
    this.addon.biasAct(x, bias, out, rows, cols, relu);
    return out;
  }

  rmspropStep(p: F, g: F, v: F, size: number, hyper: RmspropStepArgs): [F, F] {
    const po = hostF32(size, false);
    const vo = hostF32(size, false);
    const { lr, rho, epsilon } = hyper;
    // 1 − ρ in doubles, as the tensor formula computes its scalars.
    this.addon.rmsprop(p, g, v, po, vo, lr, rho, 1 - rho, epsilon);
    return [po, vo];
  }

  adamStep(p: F, g: F, m: F, v: F, size: number, hyper: AdamStepArgs): [F, F, F] {
    const po = hostF32(size, false);
    const mo = hostF32(size, false);
    const vo = hostF32(size, false);
    const { lr, beta1, beta2, epsilon } = hyper;
    this.addon.adam(p, g, m, v, po, mo, vo, lr, beta1, beta2, epsilon);
    return [po, mo, vo];
  }
}

/**
 * The native backend: the CPU backend running the addon's kernels. Its provider carries the
 * addon's controls (`backend.provider.setThreads(n)`, `.threads`, `.isa`).
 */
export type NativeBackend = CpuBackend<NativeProvider>;

/** im2col geometry, or null where the js path handles it (groups, non-4-D). */
function convGeo(xShape: Shape, filterShape: Shape, args: ConvArgs): Int32Array | null {
  if (args.groups !== 1 || xShape.length !== 4 || filterShape.length !== 4) return null;
  const [kh, kw, cin, cout] = filterShape as [number, number, number, number];
  const { strides, dilations, padding } = args;
  return packGeo(geometry(xShape, kh, kw, strides, dilations, padding, 1, cin, cout));
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
  return new CpuBackend(new NativeProvider(r.addon, r.path, r.origin));
}

/** Why the native backend could not start ('' when it did or was never tried). */
export function nativeLoadError(): string {
  return loadError;
}

/** The addon's attention size arguments, in its order. */
function attentionDims(a: AttentionArgs): AttentionDims {
  return [
    a.batch,
    a.heads,
    a.queryLen,
    a.keyLen,
    a.dim,
    a.valueDim,
    a.scale,
    a.maskedValue,
    a.causal,
    a.maskBatch,
    a.maskHeads,
    a.biasBatch,
    a.biasHeads,
  ];
}
