import { ValueError } from '../../errors.js';
/**
 * The CPU backend: tensors live in host memory as JS typed arrays ({@link JsData}), and each
 * primitive either runs a kernel of its {@link KernelProvider} (js, wasm or native) or the js
 * reference loop. Which one runs is decided in one place, `CpuCore.eligible` (`core.ts`, with
 * the dense primitives); this file adds convolution, pooling, the recurrent cells and
 * sequences, softmax, the fused epilogue and the optimizer steps. With the js provider this is
 * the `js` backend: the correctness oracle of the test suite (it alone stores float64, for
 * gradient checks) and the fallback on any runtime.
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { type Shape, sizeOf } from '../../tensor/shape.js';
import type {
  AdamStepArgs,
  AttentionArgs,
  AttentionGrads,
  ConvArgs,
  DataHandle,
  FusedActivation,
  GruSequenceArgs,
  GruSequenceResult,
  LstmSequenceArgs,
  LstmSequenceResult,
  PoolArgs,
  RmspropStepArgs,
} from '../backend.js';
import { hostArray } from '../host_arena.js';
import * as conv from '../js/conv.js';
import { gruCellGradRef, gruCellRef, lstmCellGradRef, lstmCellRef } from '../js/rnn_cells.js';
import { CpuCore, JsData, f32Of, fvals, vals } from './core.js';
import { JS_PROVIDER, type KernelProvider } from './provider.js';
export { JsData } from './core.js';

/**
 * The CPU backend over host memory, running its provider's kernels where the eligibility rule
 * allows and the js reference elsewhere.
 *
 * @example
 * const js = new CpuBackend();            // the js reference backend
 * const native = createNativeBackend();   // a CpuBackend with the native provider
 * native.provider.name;                   // 'native'
 */
export class CpuBackend<P extends KernelProvider = KernelProvider> extends CpuCore<P> {
  override lstmCell(
    z: DataHandle,
    c: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): DataHandle {
    const pk = this.provider;
    const e = pk.lstmCell && this.eligible(null, batch * units, dtype, z, c);
    if (e) {
      const out = pk.lstmCell!(e[0]!, e[1]!, batch, units);
      if (out) return new JsData(out);
    }
    return new JsData(lstmCellRef(vals(z), vals(c), batch, units, dtype));
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
    const pk = this.provider;
    const e = pk.lstmCellGrad && this.eligible(null, batch * units, dtype, z, c, hc, dhc);
    if (e) {
      const out = pk.lstmCellGrad!(e[0]!, e[1]!, e[2]!, e[3]!, batch, units);
      if (out) return [new JsData(out[0]), new JsData(out[1])];
    }
    const [dz, dc] = lstmCellGradRef(vals(z), vals(c), vals(hc), vals(dhc), batch, units, dtype);
    return [new JsData(dz), new JsData(dc)];
  }

  /** GRU gates as one double-precision loop (see rnn_cells.ts). */
  override gruCell(
    x: DataHandle,
    r: DataHandle,
    h: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): DataHandle {
    const pk = this.provider;
    const e = pk.gruCell && this.eligible(null, batch * units, dtype, x, r, h);
    if (e) {
      const out = pk.gruCell!(e[0]!, e[1]!, e[2]!, batch, units);
      if (out) return new JsData(out);
    }
    return new JsData(gruCellRef(vals(x), vals(r), vals(h), batch, units, dtype));
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
    const pk = this.provider;
    const e = pk.gruCellGrad && this.eligible(null, batch * units, dtype, x, r, h, dy);
    if (e) {
      const out = pk.gruCellGrad!(e[0]!, e[1]!, e[2]!, e[3]!, batch, units);
      if (out) return [new JsData(out[0]), new JsData(out[1]), new JsData(out[2])];
    }
    const [dx, dr, dh] = gruCellGradRef(vals(x), vals(r), vals(h), vals(dy), batch, units, dtype);
    return [new JsData(dx), new JsData(dr), new JsData(dh)];
  }

  /** The fused layer epilogue as one loop (any float dtype: float64 gradient checks use it). */
  override biasActivation(
    x: DataHandle,
    rows: number,
    cols: number,
    bias: DataHandle | null,
    act: FusedActivation,
    dtype: DType,
  ): DataHandle | null {
    const pk = this.provider;
    if (pk.fusedEpilogue === false) return null;
    const e = pk.biasActivation && this.eligible('epilogue', rows * cols, dtype, x, bias);
    if (e) {
      const out = pk.biasActivation!(e[0]!, rows, cols, e[1]!, act === 'relu');
      if (out) return new JsData(out);
    }
    if (dtype !== 'float32' && dtype !== 'float64') return null;
    return new JsData(
      epilogueLoop(vals(x), bias === null ? null : vals(bias), rows, cols, act, dtype),
    );
  }

  /**
   * conv2d and the layer epilogue: the provider's fused kernel where it has one (native), else
   * the two steps here, with the same arithmetic as {@link biasActivation}.
   */
  conv2dBiasActivation(
    x: DataHandle,
    xShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    args: ConvArgs,
    bias: DataHandle | null,
    act: FusedActivation,
    dtype: DType,
  ): DataHandle {
    const pk = this.provider;
    const e =
      pk.conv2dBiasActivation && this.eligible(null, sizeOf(xShape), dtype, x, filter, bias);
    const out =
      e && pk.conv2dBiasActivation!(e[0]!, xShape, e[1]!, filterShape, args, e[2]!, act === 'relu');
    if (out) return new JsData(out);
    const y = this.conv2d(x, xShape, filter, filterShape, args, dtype);
    const cols = filterShape[3]!;
    const rows = sizeOf(xShape) === 0 ? 0 : vals(y).length / cols;
    return (
      this.biasActivation(y, rows, cols, bias, act, dtype) ??
      new JsData(epilogueLoop(vals(y), bias === null ? null : vals(bias), rows, cols, act, dtype))
    );
  }

  // --- convolution and pooling (reference kernels in js/conv.ts: im2col + gemm, direct loops)

  override conv2d(
    x: DataHandle,
    xShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    args: ConvArgs,
    dtype: DType,
  ): DataHandle {
    const pk = this.provider;
    const e = pk.conv2d && this.eligible(null, sizeOf(xShape), dtype, x, filter);
    const out = e && pk.conv2d!(e[0]!, xShape, e[1]!, filterShape, args);
    if (out) return new JsData(out);
    return new JsData(conv.conv2dForward(fvals(x), xShape, fvals(filter), filterShape, args));
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
    const pk = this.provider;
    const e = pk.conv2dBackpropInput && this.eligible(null, sizeOf(xShape), dtype, dy, filter);
    const out = e && pk.conv2dBackpropInput!(e[0]!, dyShape, e[1]!, filterShape, xShape, args);
    if (out) return new JsData(out);
    return new JsData(
      conv.conv2dBackpropInput(fvals(dy), fvals(filter), filterShape, xShape, args),
    );
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
    const pk = this.provider;
    const e = pk.conv2dBackpropFilter && this.eligible(null, sizeOf(xShape), dtype, x, dy);
    const out = e && pk.conv2dBackpropFilter!(e[0]!, xShape, e[1]!, dyShape, filterShape, args);
    if (out) return new JsData(out);
    return new JsData(conv.conv2dBackpropFilter(fvals(x), xShape, fvals(dy), filterShape, args));
  }

  override maxPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, dtype: DType): DataHandle {
    const pk = this.provider;
    const e = pk.maxPool2d && this.eligible(null, sizeOf(xShape), dtype, x);
    const out = e && pk.maxPool2d!(e[0]!, xShape, args);
    if (out) return new JsData(out);
    return new JsData(conv.maxPool2dForward(fvals(x), xShape, args));
  }

  override maxPool2dBackward(
    dy: DataHandle,
    _dyShape: Shape,
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): DataHandle {
    const pk = this.provider;
    const e = pk.maxPool2dBackward && this.eligible(null, sizeOf(xShape), dtype, dy, x);
    const out = e && pk.maxPool2dBackward!(e[0]!, e[1]!, xShape, args);
    if (out) return new JsData(out);
    return new JsData(conv.maxPool2dBackward(fvals(dy), fvals(x), xShape, args));
  }

  /**
   * Pooling that keeps its argmax. A provider without an argmax kernel (`argmaxPooling: false`)
   * returns null here, so the pooling op keeps that provider's forward and backward rather than
   * the js argmax loop.
   */
  override maxPool2dWithArgmax(
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): [DataHandle, DataHandle] | null {
    // The argmax is a flat int32 index into x.
    if (sizeOf(xShape) > 0x7fffffff) return null;
    const pk = this.provider;
    const e = this.eligible(null, sizeOf(xShape), dtype, x);
    if (e && pk.argmaxPooling === false) return null;
    const out = e && pk.maxPool2dWithArgmax?.(e[0]!, xShape, args);
    if (out) return [new JsData(out[0]), new JsData(out[1])];
    const { y, argmax } = conv.maxPool2dForwardArgmax(fvals(x), xShape, args);
    return [new JsData(y), new JsData(argmax)];
  }

  override maxPool2dBackwardFromArgmax(
    dy: DataHandle,
    argmax: DataHandle,
    numOut: number,
    xShape: Shape,
    dtype: DType,
  ): DataHandle {
    const a = argmaxArray(argmax);
    const pk = this.provider;
    const e = pk.maxPool2dBackwardFromArgmax && this.eligible(null, numOut, dtype, dy);
    const out = e && pk.maxPool2dBackwardFromArgmax!(e[0]!, a, numOut, xShape);
    if (out) return new JsData(out);
    return new JsData(conv.maxPool2dBackwardArgmax(fvals(dy), a, numOut, sizeOf(xShape)));
  }

  override maxPool2dBackwardReluFromArgmax(
    dy: DataHandle,
    argmax: DataHandle,
    numOut: number,
    xShape: Shape,
    y: DataHandle,
    dtype: DType,
  ): DataHandle {
    const a = argmaxArray(argmax);
    const pk = this.provider;
    const e = pk.maxPool2dBackwardReluFromArgmax && this.eligible(null, numOut, dtype, dy, y);
    const out = e && pk.maxPool2dBackwardReluFromArgmax!(e[0]!, a, numOut, xShape, e[1]!);
    if (out) return new JsData(out);
    return new JsData(
      conv.maxPool2dBackwardArgmaxRelu(fvals(dy), a, numOut, sizeOf(xShape), fvals(y)),
    );
  }

  override avgPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, dtype: DType): DataHandle {
    const pk = this.provider;
    const e = pk.avgPool2d && this.eligible(null, sizeOf(xShape), dtype, x);
    const out = e && pk.avgPool2d!(e[0]!, xShape, args);
    if (out) return new JsData(out);
    return new JsData(conv.avgPool2dForward(fvals(x), xShape, args));
  }

  override avgPool2dBackward(
    dy: DataHandle,
    _dyShape: Shape,
    xShape: Shape,
    args: PoolArgs,
    dtype: DType,
  ): DataHandle {
    const pk = this.provider;
    const e = pk.avgPool2dBackward && this.eligible(null, sizeOf(xShape), dtype, dy);
    const out = e && pk.avgPool2dBackward!(e[0]!, xShape, args);
    if (out) return new JsData(out);
    return new JsData(conv.avgPool2dBackward(fvals(dy), xShape, args));
  }

  // --- softmax, whole-sequence LSTM and optimizer steps: provider kernels, else the
  // composites of BaseBackend (written in primitives)

  override softmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle {
    return this.softmaxKernel(x, shape, axis, dtype, false) ?? super.softmax(x, shape, axis, dtype);
  }

  override logSoftmax(x: DataHandle, shape: Shape, axis: number, dtype: DType): DataHandle {
    return (
      this.softmaxKernel(x, shape, axis, dtype, true) ?? super.logSoftmax(x, shape, axis, dtype)
    );
  }

  private softmaxKernel(
    x: DataHandle,
    shape: Shape,
    axis: number,
    dtype: DType,
    log: boolean,
  ): DataHandle | null {
    const pk = this.provider;
    const size = sizeOf(shape);
    if (!pk.softmax || axis !== shape.length - 1) return null;
    const e = this.eligible(null, size, dtype, x);
    const cols = shape[axis]!;
    const out = e && pk.softmax(e[0]!, size / cols, cols, log);
    return out ? new JsData(out) : null;
  }

  override hasFusedLstmSequence(dtype: DType): boolean {
    return dtype === 'float32' && this.provider.lstmSequence !== undefined;
  }

  override lstmSequence(
    xProj: DataHandle,
    U: DataHandle,
    h0: DataHandle,
    c0: DataHandle,
    a: LstmSequenceArgs,
    dtype: DType,
    mask: DataHandle | null = null,
  ): LstmSequenceResult {
    const pk = this.provider;
    const work = a.batch * a.steps * a.units;
    const m = maskBytes(mask);
    const ok = m !== undefined && pk.lstmSequence;
    const e = ok && this.eligible(null, work, dtype, xProj, U, h0, c0);
    const r = e && pk.lstmSequence!(e[0]!, e[1]!, e[2]!, e[3]!, a, m!);
    if (r) {
      const { h, hLast, cLast, saved } = r;
      return { h: new JsData(h), hLast: new JsData(hLast), cLast: new JsData(cLast), saved };
    }
    return super.lstmSequence(xProj, U, h0, c0, a, dtype, mask);
  }

  override lstmSequenceGrad(
    saved: LstmSequenceResult['saved'],
    dh: DataHandle | null,
    dhLast: DataHandle | null,
    dcLast: DataHandle | null,
    a: LstmSequenceArgs,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle, DataHandle] {
    const pk = this.provider;
    if (!pk.lstmSequenceGrad || saved.kind !== pk.name) {
      return super.lstmSequenceGrad(saved, dh, dhLast, dcLast, a, dtype);
    }
    const { batch: B, steps: T, units: u } = a;
    const g = (h: DataHandle | null, n: number) => this.f32Grad(h, n, dtype);
    const r = pk.lstmSequenceGrad(saved, g(dh, B * T * u), g(dhLast, B * u), g(dcLast, B * u), a);
    return [new JsData(r[0]), new JsData(r[1]), new JsData(r[2]), new JsData(r[3])];
  }

  /** What runs, in words: the provider's own description, if it has one. */
  get detail(): string | undefined {
    return this.provider.detail;
  }

  override hasFusedAttention(dtype: DType): boolean {
    return dtype === 'float32' && this.provider.attention !== undefined;
  }

  override attention(
    q: DataHandle,
    k: DataHandle,
    v: DataHandle,
    mask: DataHandle | null,
    bias: DataHandle | null,
    a: AttentionArgs,
    dtype: DType,
  ): [DataHandle, DataHandle] {
    const pk = this.provider;
    const m = maskBytes(mask);
    const work = a.batch * a.heads * a.queryLen * a.keyLen;
    const e = m !== undefined && pk.attention && this.eligible(null, work, dtype, q, k, v, bias);
    const r = e && pk.attention!(e[0]!, e[1]!, e[2]!, m!, e[3]!, a);
    if (r) return [new JsData(r[0]), new JsData(r[1])];
    return super.attention(q, k, v, mask, bias, a, dtype);
  }

  override attentionGrad(
    q: DataHandle,
    k: DataHandle,
    v: DataHandle,
    probs: DataHandle,
    mask: DataHandle | null,
    dOut: DataHandle,
    a: AttentionArgs,
    dtype: DType,
  ): AttentionGrads {
    const pk = this.provider;
    const m = maskBytes(mask);
    const work = a.batch * a.heads * a.queryLen * a.keyLen;
    const ok = m !== undefined && pk.attentionGrad;
    const e = ok && this.eligible(null, work, dtype, q, k, v, probs);
    const d = e && this.f32Grad(dOut, a.batch * a.queryLen * a.heads * a.valueDim, dtype);
    const r = d && pk.attentionGrad!(e[0]!, e[1]!, e[2]!, e[3]!, m!, d, a);
    if (r) {
      const out: AttentionGrads = [new JsData(r[0]), new JsData(r[1]), new JsData(r[2])];
      if (r[3]) out.push(new JsData(r[3]));
      return out;
    }
    return super.attentionGrad(q, k, v, probs, mask, dOut, a, dtype);
  }

  override hasFusedGruSequence(dtype: DType): boolean {
    return dtype === 'float32' && this.provider.gruSequence !== undefined;
  }

  override gruSequence(
    xProj: DataHandle,
    U: DataHandle,
    bRec: DataHandle | null,
    h0: DataHandle,
    a: GruSequenceArgs,
    dtype: DType,
    mask: DataHandle | null = null,
  ): GruSequenceResult {
    const pk = this.provider;
    const work = a.batch * a.steps * a.units;
    const m = maskBytes(mask);
    const ok = m !== undefined && pk.gruSequence;
    const e = ok && this.eligible(null, work, dtype, xProj, U, bRec, h0);
    const r = e && pk.gruSequence!(e[0]!, e[1]!, e[2]!, e[3]!, a, m!);
    if (r) return { h: new JsData(r.h), hLast: new JsData(r.hLast), saved: r.saved };
    return super.gruSequence(xProj, U, bRec, h0, a, dtype, mask);
  }

  override gruSequenceGrad(
    saved: GruSequenceResult['saved'],
    dh: DataHandle | null,
    dhLast: DataHandle | null,
    a: GruSequenceArgs,
    dtype: DType,
  ): [DataHandle, DataHandle, DataHandle, DataHandle] {
    const pk = this.provider;
    if (!pk.gruSequenceGrad || saved.kind !== pk.name) {
      return super.gruSequenceGrad(saved, dh, dhLast, a, dtype);
    }
    const { batch: B, steps: T, units: u } = a;
    const r = pk.gruSequenceGrad(
      saved,
      this.f32Grad(dh, B * T * u, dtype),
      this.f32Grad(dhLast, B * u, dtype),
      a,
    );
    return [new JsData(r[0]), new JsData(r[1]), new JsData(r[2]), new JsData(r[3])];
  }

  /** A gradient as float32 for a provider kernel: converted once if autograd gave another dtype. */
  private f32Grad(h: DataHandle | null, n: number, dtype: DType): Float32Array | null {
    return h === null ? null : (f32Of(h) ?? Float32Array.from(this.readSync(h, dtype, n)));
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
    const pk = this.provider;
    const e = pk.adamStep && this.eligible('optimizer', size, dtype, p, g, m, v);
    const r = e && pk.adamStep!(e[0]!, e[1]!, e[2]!, e[3]!, size, hyper);
    return r ? [new JsData(r[0]), new JsData(r[1]), new JsData(r[2])] : null;
  }

  override rmspropStep(
    p: DataHandle,
    g: DataHandle,
    v: DataHandle,
    size: number,
    hyper: RmspropStepArgs,
    dtype: DType,
  ): [DataHandle, DataHandle] | null {
    const pk = this.provider;
    const e = pk.rmspropStep && this.eligible('optimizer', size, dtype, p, g, v);
    const r = e && pk.rmspropStep!(e[0]!, e[1]!, e[2]!, size, hyper);
    return r ? [new JsData(r[0]), new JsData(r[1])] : null;
  }
}

/** A sequence mask's bytes; null without a mask; undefined for storage a kernel cannot read. */
function maskBytes(mask: DataHandle | null): Uint8Array | null | undefined {
  if (!mask) return null;
  return mask instanceof JsData && mask.values instanceof Uint8Array ? mask.values : undefined;
}

/**
 * The `js` backend: the CPU backend with the js provider (every op runs the reference).
 *
 * @example
 * const js = new JsBackend(); // js.name === 'js'
 */
export class JsBackend extends CpuBackend {
  constructor() {
    super(JS_PROVIDER);
  }
}

/** act(x + bias) over [rows, cols] into new storage; relu keeps NaN, as the unary relu does. */
function epilogueLoop(
  src: TypedArray,
  bv: TypedArray | null,
  rows: number,
  cols: number,
  act: FusedActivation,
  dtype: DType,
): TypedArray {
  const out = hostArray(dtype, rows * cols, false);
  const relu = act === 'relu';
  for (let r = 0, i = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++, i++) {
      const v = bv === null ? src[i]! : src[i]! + bv[j]!;
      out[i] = relu ? (v > 0 ? v : v === v ? 0 : v) : v;
    }
  }
  return out;
}

/** The int32 argmax a max-pool recorded (anything else is refused, naming what came). */
function argmaxArray(argmax: DataHandle): Int32Array {
  const a = vals(argmax);
  if (!(a instanceof Int32Array)) {
    throw new ValueError(`js backend: maxPool2d argmax must be int32, got ${a.constructor.name}`);
  }
  return a;
}
