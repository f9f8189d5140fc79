/**
 * The core of the CPU backend: host storage ({@link JsData}), the one eligibility rule for
 * provider kernels ({@link CpuCore.eligible}), and the dense primitives (elementwise, reductions,
 * matmul, movement, gather/scatter) with their js reference loops. `CpuBackend` (`index.ts`)
 * adds the convolution, pooling, recurrent, softmax and optimizer kernels.
 */
import { ValueError } from '../../errors.js';
import { type DType, INT32_MIN, type TypedArray } from '../../tensor/dtype.js';
import { type Shape, sizeOf, stridesOf } from '../../tensor/shape.js';
import type {
  ArgReduceOp,
  BinaryOp,
  DataHandle,
  IndexCheckMessages,
  MatmulArgs,
  ReduceOp,
  UnaryOp,
} from '../backend.js';
import { BaseBackend } from '../base.js';
import { type Operand, isTrailing, rowPattern } from '../broadcast_walk.js';
import { hostArray, hostI32 } from '../host_arena.js';
import { gemm } from '../js/gemm.js';
import { binaryFn, broadcastIndex, broadcastStrides, stridedCopy, unaryFn } from '../js/kernels.js';
import { JS_PROVIDER, type KernelFamily, type KernelProvider } from './provider.js';

/** Storage of the js backend: one typed array of the tensor's dtype. */
export class JsData implements DataHandle {
  readonly backend = 'js';
  constructor(readonly values: TypedArray) {}
}

/** Slices of at least this many elements that are one contiguous run become views. */
const MIN_VIEW = 4096;

/**
 * Whether a slice reads one contiguous run of the input: single indices on the leading axes,
 * then one axis taken with step 1 (any length), then every later axis whole.
 */
function isContiguousRange(shape: Shape, step: readonly number[], outShape: Shape): boolean {
  let k = 0;
  while (k < shape.length && outShape[k] === 1) k++;
  if (k < shape.length && step[k] !== 1) return false;
  for (let d = k + 1; d < shape.length; d++) if (outShape[d] !== shape[d]) return false;
  return true;
}

export function vals(h: DataHandle): TypedArray {
  if (!(h instanceof JsData)) {
    throw new ValueError(`js backend: got storage of backend '${h.backend}'`);
  }
  return h.values;
}

/** Float storage (the conv and pool ops only pass float32/float64 tensors). */
export function fvals(h: DataHandle): Float32Array | Float64Array {
  const v = vals(h);
  if (!(v instanceof Float32Array || v instanceof Float64Array)) {
    throw new ValueError(
      `js backend: convolution and pooling need float storage, got ${v.constructor.name}`,
    );
  }
  return v;
}

/** Converts a number to what the dtype stores (int32 truncates toward zero, bool is ≠ 0, NaN included). */
function coerce(v: number, dtype: DType): number {
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  return v;
}

/** The float32 array behind a handle, or null for other storage or dtypes. */
export function f32Of(h: DataHandle): Float32Array | null {
  const v = h instanceof JsData ? h.values : null;
  return v instanceof Float32Array ? v : null;
}
/**
 * The CPU backend's storage and dense primitives; see `CpuBackend` for the whole backend.
 *
 * @example
 * class Mine extends CpuCore { … } // CpuBackend is the one concrete subclass
 */
export abstract class CpuCore<P extends KernelProvider = KernelProvider> extends BaseBackend {
  readonly name: string;

  constructor(readonly provider: P = JS_PROVIDER as P) {
    super();
    this.name = provider.name;
  }

  /**
   * The one eligibility rule for provider kernels: float32, every given operand a float32 host
   * array (null operands are optional ones left out), and at least the provider's minimum work
   * for the family. Returns the operands' arrays, or null when the reference must run.
   */
  protected eligible(
    family: KernelFamily | null,
    work: number,
    dtype: DType,
    ...hs: readonly (DataHandle | null)[]
  ): (Float32Array | null)[] | null {
    if (dtype !== 'float32' || !(work > 0)) return null;
    if (family !== null && work < (this.provider.minWork[family] ?? 1)) return null;
    const out: (Float32Array | null)[] = [];
    for (const h of hs) {
      if (h === null) {
        out.push(null);
        continue;
      }
      const v = f32Of(h);
      if (!v) return null;
      out.push(v);
    }
    return out;
  }

  supportsDType(_dtype: DType): boolean {
    return true;
  }

  fromArray(values: TypedArray, _dtype: DType): DataHandle {
    return new JsData(values);
  }

  async read(h: DataHandle, _dtype: DType, _size: number): Promise<TypedArray> {
    return vals(h).slice();
  }

  override readSync(h: DataHandle, _dtype: DType, _size: number): TypedArray {
    return vals(h).slice();
  }

  /**
   * Checks ids where they lie in host memory (a kernel of this backend, not a host read of the
   * step, so compiled steps replay it). Valid int32 ids come back as the same storage (storage
   * is never written in place); other dtypes as new int32 storage.
   */
  override checkIndices(
    indices: DataHandle,
    size: number,
    n: number,
    _dtype: DType,
    messages: IndexCheckMessages,
  ): DataHandle {
    const v = vals(indices);
    for (let i = 0; i < size; i++) {
      const k = v[i]!;
      if (Number.isInteger(k) && k >= 0 && k < n) continue;
      const msg = Number.isInteger(k) ? messages.outOfRange : messages.notInteger;
      throw new ValueError(
        msg.replaceAll('{value}', String(k)).replaceAll('{position}', String(i)),
      );
    }
    if (v instanceof Int32Array) return indices;
    const out = hostI32(size, false);
    for (let i = 0; i < size; i++) out[i] = v[i]!;
    return new JsData(out);
  }

  fill(size: number, value: number, dtype: DType): DataHandle {
    const out = hostArray(dtype, size);
    const v = coerce(value, dtype);
    if (v !== 0) out.fill(v);
    return new JsData(out);
  }

  cast(x: DataHandle, size: number, from: DType, to: DType): DataHandle {
    const src = vals(x);
    const out = hostArray(to, size);
    if (to === 'bool') for (let i = 0; i < size; i++) out[i] = src[i] !== 0 ? 1 : 0;
    else if (to === 'int32' && (from === 'float32' || from === 'float64')) {
      // Int32Array stores ToInt32(v), which wraps 3e9 and sends NaN to 0; NumPy and TF on x86
      // give INT32_MIN for NaN, ±Infinity and out-of-range values, and so does every backend here.
      for (let i = 0; i < size; i++) {
        const v = src[i]!;
        out[i] = v > -2147483649 && v < 2147483648 ? v : INT32_MIN;
      }
    } else out.set(src);
    return new JsData(out);
  }

  unary(op: UnaryOp, x: DataHandle, size: number, dtype: DType, param = 0): DataHandle {
    const pk = this.provider;
    const e = pk.unary && this.eligible('unary', size, dtype, x);
    if (e) {
      const out = pk.unary!(op, e[0]!, size, param);
      if (out) return new JsData(out);
    }
    const src = vals(x);
    const isPredicate = op === 'isNaN' || op === 'isFinite' || op === 'logicalNot';
    const out = hostArray(isPredicate ? 'bool' : dtype, size);
    const f = unaryFn(op, param);
    for (let i = 0; i < size; i++) out[i] = f(src[i]!);
    return new JsData(out);
  }

  binary(
    op: BinaryOp,
    a: DataHandle,
    aShape: Shape,
    b: DataHandle,
    bShape: Shape,
    outShape: Shape,
    inDType: DType,
    outDType: DType,
  ): DataHandle {
    const size = sizeOf(outShape);
    const pk = this.provider;
    const family = outDType === 'float32' ? 'binary' : outDType === 'bool' ? 'compare' : null;
    const has = family === 'binary' ? !!pk.binary : family === 'compare' && !!pk.compare;
    const e = has && this.eligible(family, size, inDType, a, b);
    const p = e ? rowPattern([aShape, bShape], outShape) : null;
    if (e && p) {
      const [wa, wb] = p.ops as [Operand, Operand];
      const out =
        family === 'binary'
          ? pk.binary!(op, e[0]!, wa, e[1]!, wb, p.rows, p.cols)
          : pk.compare!(op, e[0]!, wa, e[1]!, wb, p.rows, p.cols);
      if (out) return new JsData(out);
    }
    const av = vals(a);
    const bv = vals(b);
    const out = hostArray(outDType, size);
    const sameA = av.length === size;
    const sameB = bv.length === size;
    // Fast paths for the four arithmetic ops on equal shapes or a scalar operand: they carry
    // most of a training step's elementwise work.
    if ((sameA || av.length === 1) && (sameB || bv.length === 1) && size > 0) {
      if (binaryFast(op, av, sameA, bv, sameB, out, size)) return new JsData(out);
    }
    // [rows, c] op [c] (bias adds): a row operand repeated over the leading axes.
    if (
      sameA &&
      size > 0 &&
      bv.length > 0 &&
      size % bv.length === 0 &&
      isTrailing(bShape, outShape)
    ) {
      if (binaryRows(op, av, bv, out, size, bv.length)) return new JsData(out);
    }
    const f = binaryFn(op, inDType === 'int32');
    const ia = sameA && aShape.length === outShape.length ? null : broadcastIndex(aShape, outShape);
    const ib = sameB && bShape.length === outShape.length ? null : broadcastIndex(bShape, outShape);
    for (let i = 0; i < size; i++) {
      out[i] = f(av[ia ? ia[i]! : i]!, bv[ib ? ib[i]! : i]!);
    }
    return new JsData(out);
  }

  where(
    cond: DataHandle,
    condShape: Shape,
    a: DataHandle,
    aShape: Shape,
    b: DataHandle,
    bShape: Shape,
    outShape: Shape,
    dtype: DType,
  ): DataHandle {
    const size = sizeOf(outShape);
    const pk = this.provider;
    const cb = cond instanceof JsData && cond.values instanceof Uint8Array ? cond.values : null;
    const e = pk.where && cb && this.eligible('where', size, dtype, a, b);
    const p = e ? rowPattern([condShape, aShape, bShape], outShape) : null;
    if (e && p) {
      const [wc, wa, wb] = p.ops as [Operand, Operand, Operand];
      const out = pk.where!(cb!, wc, e[0]!, wa, e[1]!, wb, p.rows, p.cols);
      if (out) return new JsData(out);
    }
    const cv = vals(cond);
    const av = vals(a);
    const bv = vals(b);
    const out = hostArray(dtype, size);
    const ic = broadcastIndex(condShape, outShape);
    const ia = broadcastIndex(aShape, outShape);
    const ib = broadcastIndex(bShape, outShape);
    for (let i = 0; i < size; i++) out[i] = cv[ic[i]!] ? av[ia[i]!]! : bv[ib[i]!]!;
    return new JsData(out);
  }

  /** LSTM gates as one double-precision loop (see rnn_cells.ts). */
  clip(x: DataHandle, size: number, lo: number, hi: number, dtype: DType): DataHandle {
    const src = vals(x);
    const out = hostArray(dtype, size);
    for (let i = 0; i < size; i++) {
      const v = src[i]!;
      out[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return new JsData(out);
  }

  reduce(
    op: ReduceOp,
    x: DataHandle,
    shape: Shape,
    axes: readonly number[],
    dtype: DType,
    outDType: DType,
  ): DataHandle {
    const pk = this.provider;
    if (op === 'sum' && outDType === 'float32' && pk.reduceSum && axes.length > 0) {
      const sorted = [...axes].sort((p, q) => p - q);
      const contiguous = sorted.every((ax, i) => i === 0 || ax === sorted[i - 1]! + 1);
      const e = contiguous && this.eligible('reduce', sizeOf(shape), dtype, x);
      if (e) {
        const out = pk.reduceSum(e[0]!, shape, sorted);
        if (out) return new JsData(out);
      }
    }
    let src = vals(x);
    let shp: readonly number[] = shape;
    // Sums over leading axes (bias gradients) accumulate rows in order instead of transposing.
    const leading = axes.every((a, i) => a === i);
    if (op === 'sum' && leading && axes.length > 0 && axes.length < shape.length) {
      const inner = sizeOf(shape.slice(axes.length));
      const outer = inner === 0 ? 0 : src.length / inner;
      const out = hostArray(outDType, inner);
      const acc = new Float64Array(inner);
      for (let o = 0; o < outer; o++) {
        const base = o * inner;
        for (let i = 0; i < inner; i++) acc[i] += src[base + i]!;
      }
      out.set(acc);
      return new JsData(out);
    }
    // Bring the reduced axes to the end unless they already are, so the loop below always
    // reduces contiguous rows.
    const rank = shape.length;
    const trailing = axes.every((a, i) => a === rank - axes.length + i);
    if (!trailing) {
      const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const perm = [...kept, ...axes];
      src = vals(this.transpose(x, shape, perm, dtype));
      shp = perm.map((p) => shape[p]!);
    }
    const inner = sizeOf(shp.slice(shp.length - axes.length));
    const outer = inner === 0 ? sizeOf(shp.slice(0, shp.length - axes.length)) : src.length / inner;
    const out = hostArray(outDType, outer);
    for (let o = 0; o < outer; o++) {
      const base = o * inner;
      let acc: number;
      switch (op) {
        case 'sum':
          acc = 0;
          for (let i = 0; i < inner; i++) acc += src[base + i]!;
          break;
        case 'prod':
          acc = 1;
          for (let i = 0; i < inner; i++) acc *= src[base + i]!;
          break;
        case 'max':
          acc = Number.NEGATIVE_INFINITY;
          for (let i = 0; i < inner; i++) {
            const v = src[base + i]!;
            if (v > acc || v !== v) acc = v;
            if (acc !== acc) break;
          }
          break;
        case 'min':
          acc = Number.POSITIVE_INFINITY;
          for (let i = 0; i < inner; i++) {
            const v = src[base + i]!;
            if (v < acc || v !== v) acc = v;
            if (acc !== acc) break;
          }
          break;
        case 'any':
          acc = 0;
          for (let i = 0; i < inner; i++) if (src[base + i]) acc = 1;
          break;
        case 'all':
          acc = 1;
          for (let i = 0; i < inner; i++) if (!src[base + i]) acc = 0;
          break;
      }
      out[o] = acc;
    }
    return new JsData(out);
  }

  argReduce(op: ArgReduceOp, x: DataHandle, shape: Shape, axis: number, _dtype: DType): DataHandle {
    const src = vals(x);
    const n = shape[axis]!;
    const inner = sizeOf(shape.slice(axis + 1));
    const outer = sizeOf(shape.slice(0, axis));
    const out = hostI32(outer * inner);
    const isMax = op === 'argmax';
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        let best = src[base]!;
        let bi = 0;
        for (let i = 1; i < n && best === best; i++) {
          const v = src[base + i * inner]!;
          // Ties keep the first index (NumPy); a NaN wins and stops the scan.
          if (v !== v || (isMax ? v > best : v < best)) {
            best = v;
            bi = i;
          }
        }
        out[o * inner + j] = bi;
      }
    }
    return new JsData(out);
  }

  matmul(a: DataHandle, b: DataHandle, args: MatmulArgs, dtype: DType): DataHandle {
    const pk = this.provider;
    const macs = args.batch * args.m * args.n * args.k;
    const e = pk.matmul && this.eligible('matmul', macs, dtype, a, b);
    if (e) {
      const out = pk.matmul!(e[0]!, e[1]!, args);
      if (out) return new JsData(out);
    }
    const av = vals(a) as Float32Array | Float64Array;
    const bv = vals(b) as Float32Array | Float64Array;
    const { batch, m, n, k, transA, transB, strideA, strideB } = args;
    const out = hostArray(dtype, batch * m * n) as Float32Array | Float64Array;
    const lda = transA ? m : k;
    const ldb = transB ? k : n;
    for (let i = 0; i < batch; i++) {
      gemm(transA, transB, m, n, k, av, i * strideA, lda, bv, i * strideB, ldb, out, i * m * n, n);
    }
    return new JsData(out);
  }

  transpose(x: DataHandle, shape: Shape, perm: readonly number[], dtype: DType): DataHandle {
    const st = stridesOf(shape);
    const outShape = perm.map((p) => shape[p]!);
    const out = hostArray(dtype, sizeOf(shape), false);
    stridedCopy(
      vals(x),
      0,
      perm.map((p) => st[p]!),
      outShape,
      out,
    );
    return new JsData(out);
  }

  broadcastTo(x: DataHandle, shape: Shape, outShape: Shape, dtype: DType): DataHandle {
    const out = hostArray(dtype, sizeOf(outShape), false);
    stridedCopy(vals(x), 0, broadcastStrides(shape, outShape), outShape, out);
    return new JsData(out);
  }

  slice(
    x: DataHandle,
    shape: Shape,
    begin: readonly number[],
    step: readonly number[],
    outShape: Shape,
    dtype: DType,
  ): DataHandle {
    const st = stridesOf(shape);
    let offset = 0;
    for (let d = 0; d < shape.length; d++) offset += begin[d]! * st[d]!;
    const n = sizeOf(outShape);
    if (n >= MIN_VIEW && isContiguousRange(shape, step, outShape)) {
      // A run of whole rows (a batch of a dataset): a view on the same storage, no copy. Data
      // is never written in place, so sharing is safe; like a NumPy view, it keeps the whole
      // parent alive while it lives. Arenas never recycle views (they own no whole buffer).
      return new JsData(vals(x).subarray(offset, offset + n));
    }
    const out = hostArray(dtype, n, false);
    stridedCopy(
      vals(x),
      offset,
      st.map((s, d) => s * step[d]!),
      outShape,
      out,
    );
    return new JsData(out);
  }

  concat(
    xs: readonly DataHandle[],
    shapes: readonly Shape[],
    axis: number,
    dtype: DType,
  ): DataHandle {
    const outer = sizeOf(shapes[0]!.slice(0, axis));
    const chunks = shapes.map((s) => sizeOf(s.slice(axis)));
    const row = chunks.reduce((p, c) => p + c, 0);
    const out = hostArray(dtype, outer * row);
    let col = 0;
    xs.forEach((h, t) => {
      const src = vals(h);
      const c = chunks[t]!;
      for (let o = 0; o < outer; o++) out.set(src.subarray(o * c, o * c + c), o * row + col);
      col += c;
    });
    return new JsData(out);
  }

  pad(
    x: DataHandle,
    shape: Shape,
    paddings: readonly (readonly [number, number])[],
    value: number,
    dtype: DType,
  ): DataHandle {
    const outShape = shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const out = hostArray(dtype, sizeOf(outShape));
    if (value !== 0) out.fill(coerce(value, dtype));
    const src = vals(x);
    if (src.length === 0) return new JsData(out);
    // Write the input into the interior: a strided copy seen from the destination side.
    const ost = stridesOf(outShape);
    let base = 0;
    for (let d = 0; d < shape.length; d++) base += paddings[d]![0] * ost[d]!;
    const rank = shape.length;
    if (rank === 0) {
      out[0] = src[0]!;
      return new JsData(out);
    }
    const n = shape[rank - 1]!;
    const idx = new Array<number>(rank).fill(0);
    let p = base;
    for (let o = 0; o < src.length; o += n) {
      out.set(src.subarray(o, o + n), p);
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]!++;
        p += ost[d]!;
        if (idx[d]! < shape[d]!) break;
        p -= ost[d]! * shape[d]!;
        idx[d] = 0;
      }
    }
    return new JsData(out);
  }

  gather(
    x: DataHandle,
    shape: Shape,
    indices: DataHandle,
    numIndices: number,
    axis: number,
    dtype: DType,
  ): DataHandle {
    const n = shape[axis]!;
    const inner = sizeOf(shape.slice(axis + 1));
    const outer = sizeOf(shape.slice(0, axis));
    const pk = this.provider;
    const iv = indices instanceof JsData && indices.values instanceof Int32Array;
    const e = pk.gather && iv && this.eligible('gather', outer * numIndices * inner, dtype, x);
    if (e) {
      const idx32 = (indices as JsData).values as Int32Array;
      const out = pk.gather!(e[0]!, idx32.subarray(0, numIndices), outer, n, inner);
      if (out) return new JsData(out);
    }
    const src = vals(x);
    const idx = vals(indices);
    const out = hostArray(dtype, outer * numIndices * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < numIndices; i++) {
        const from = (o * n + idx[i]!) * inner;
        out.set(src.subarray(from, from + inner), (o * numIndices + i) * inner);
      }
    }
    return new JsData(out);
  }

  scatterAdd(
    updates: DataHandle,
    indices: DataHandle,
    numIndices: number,
    outShape: Shape,
    axis: number,
    dtype: DType,
  ): DataHandle {
    const n = outShape[axis]!;
    const inner = sizeOf(outShape.slice(axis + 1));
    const outer = sizeOf(outShape.slice(0, axis));
    const pk = this.provider;
    const iv = indices instanceof JsData && indices.values instanceof Int32Array;
    const e =
      pk.scatterAdd && iv && this.eligible('gather', outer * numIndices * inner, dtype, updates);
    if (e) {
      const idx32 = (indices as JsData).values as Int32Array;
      const out = pk.scatterAdd!(e[0]!, idx32.subarray(0, numIndices), outer, n, inner);
      if (out) return new JsData(out);
    }
    const src = vals(updates);
    const idx = vals(indices);
    const out = hostArray(dtype, sizeOf(outShape));
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < numIndices; i++) {
        const to = (o * n + idx[i]!) * inner;
        const from = (o * numIndices + i) * inner;
        for (let j = 0; j < inner; j++) out[to + j] += src[from + j]!;
      }
    }
    return new JsData(out);
  }

  oneHot(
    indices: DataHandle,
    numIndices: number,
    depth: number,
    on: number,
    off: number,
    dtype: DType,
  ): DataHandle {
    const idx = vals(indices);
    const out = hostArray(dtype, numIndices * depth);
    if (off !== 0) out.fill(off);
    for (let i = 0; i < numIndices; i++) {
      const c = idx[i]!;
      if (c >= 0 && c < depth) out[i * depth + c] = on;
    }
    return new JsData(out);
  }
}

/** Tight loops for add/sub/mul/div when each operand is full-size or a scalar. */
/** `out[r, j] = a[r, j] op b[j]` for the arithmetic ops; false for the others. */
function binaryRows(
  op: BinaryOp,
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
  n: number,
  c: number,
): boolean {
  if (op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div') return false;
  for (let base = 0; base < n; base += c) {
    switch (op) {
      case 'add':
        for (let j = 0; j < c; j++) out[base + j] = a[base + j]! + b[j]!;
        break;
      case 'sub':
        for (let j = 0; j < c; j++) out[base + j] = a[base + j]! - b[j]!;
        break;
      case 'mul':
        for (let j = 0; j < c; j++) out[base + j] = a[base + j]! * b[j]!;
        break;
      case 'div':
        for (let j = 0; j < c; j++) out[base + j] = a[base + j]! / b[j]!;
        break;
    }
  }
  return true;
}

function binaryFast(
  op: BinaryOp,
  a: TypedArray,
  fullA: boolean,
  b: TypedArray,
  fullB: boolean,
  out: TypedArray,
  n: number,
): boolean {
  if (fullA && fullB) {
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
        return true;
      case 'sub':
        for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
        return true;
      case 'mul':
        for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
        return true;
      case 'div':
        for (let i = 0; i < n; i++) out[i] = a[i]! / b[i]!;
        return true;
      default:
        return false;
    }
  }
  if (fullA) {
    const s = b[0]!;
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) out[i] = a[i]! + s;
        return true;
      case 'sub':
        for (let i = 0; i < n; i++) out[i] = a[i]! - s;
        return true;
      case 'mul':
        for (let i = 0; i < n; i++) out[i] = a[i]! * s;
        return true;
      case 'div':
        for (let i = 0; i < n; i++) out[i] = a[i]! / s;
        return true;
      default:
        return false;
    }
  }
  if (fullB) {
    const s = a[0]!;
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) out[i] = s + b[i]!;
        return true;
      case 'sub':
        for (let i = 0; i < n; i++) out[i] = s - b[i]!;
        return true;
      case 'mul':
        for (let i = 0; i < n; i++) out[i] = s * b[i]!;
        return true;
      default:
        return false;
    }
  }
  return false;
}
