/**
 * The `js` reference backend: every primitive as plain loops over JS typed arrays. It is the
 * correctness oracle of the test suite (it alone stores float64, for gradient checks) and the
 * fallback on any runtime. Its matmul is a packed, register-tiled kernel (`gemm.ts`).
 */
import { ValueError } from '../../errors.js';
import { type DType, INT32_MIN, type TypedArray } from '../../tensor/dtype.js';
import { type Shape, sizeOf, stridesOf } from '../../tensor/shape.js';
import type {
  ArgReduceOp,
  BinaryOp,
  ConvArgs,
  DataHandle,
  FusedActivation,
  MatmulArgs,
  PoolArgs,
  ReduceOp,
  UnaryOp,
} from '../backend.js';
import { BaseBackend } from '../base.js';
import { isTrailing } from '../broadcast_walk.js';
import { hostArray, hostI32 } from '../host_arena.js';
import * as conv from './conv.js';
import { gemm } from './gemm.js';
import { binaryFn, broadcastIndex, broadcastStrides, stridedCopy, unaryFn } from './kernels.js';
import { gruCellGradRef, gruCellRef, lstmCellGradRef, lstmCellRef } from './rnn_cells.js';

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

function vals(h: DataHandle): TypedArray {
  if (!(h instanceof JsData)) {
    throw new ValueError(`js backend: got storage of backend '${h.backend}'`);
  }
  return h.values;
}

/** Float storage (the conv and pool ops only pass float32/float64 tensors). */
function fvals(h: DataHandle): Float32Array | Float64Array {
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

export class JsBackend extends BaseBackend {
  readonly name: string = 'js';

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
    const av = vals(a);
    const bv = vals(b);
    const size = sizeOf(outShape);
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
    const cv = vals(cond);
    const av = vals(a);
    const bv = vals(b);
    const size = sizeOf(outShape);
    const out = hostArray(dtype, size);
    const ic = broadcastIndex(condShape, outShape);
    const ia = broadcastIndex(aShape, outShape);
    const ib = broadcastIndex(bShape, outShape);
    for (let i = 0; i < size; i++) out[i] = cv[ic[i]!] ? av[ia[i]!]! : bv[ib[i]!]!;
    return new JsData(out);
  }

  /** LSTM gates as one double-precision loop (see rnn_cells.ts). */
  override lstmCell(
    z: DataHandle,
    c: DataHandle,
    batch: number,
    units: number,
    dtype: DType,
  ): DataHandle {
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
    if (dtype !== 'float32' && dtype !== 'float64') return null;
    const src = vals(x);
    const bv = bias === null ? null : vals(bias);
    const out = hostArray(dtype, rows * cols, false);
    const relu = act === 'relu';
    for (let r = 0, i = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++, i++) {
        const v = bv === null ? src[i]! : src[i]! + bv[j]!;
        out[i] = relu ? (v > 0 ? v : v === v ? 0 : v) : v;
      }
    }
    return new JsData(out);
  }

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
    const src = vals(x);
    const idx = vals(indices);
    const n = shape[axis]!;
    const inner = sizeOf(shape.slice(axis + 1));
    const outer = sizeOf(shape.slice(0, axis));
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
    const src = vals(updates);
    const idx = vals(indices);
    const n = outShape[axis]!;
    const inner = sizeOf(outShape.slice(axis + 1));
    const outer = sizeOf(outShape.slice(0, axis));
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

  // --- convolution and pooling (kernels in conv.ts: im2col + gemm, direct loops for pools)

  override conv2d(
    x: DataHandle,
    xShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    args: ConvArgs,
    _dtype: DType,
  ): DataHandle {
    return new JsData(conv.conv2dForward(fvals(x), xShape, fvals(filter), filterShape, args));
  }

  override conv2dBackpropInput(
    dy: DataHandle,
    _dyShape: Shape,
    filter: DataHandle,
    filterShape: Shape,
    xShape: Shape,
    args: ConvArgs,
    _dtype: DType,
  ): DataHandle {
    return new JsData(
      conv.conv2dBackpropInput(fvals(dy), fvals(filter), filterShape, xShape, args),
    );
  }

  override conv2dBackpropFilter(
    x: DataHandle,
    xShape: Shape,
    dy: DataHandle,
    _dyShape: Shape,
    filterShape: Shape,
    args: ConvArgs,
    _dtype: DType,
  ): DataHandle {
    return new JsData(conv.conv2dBackpropFilter(fvals(x), xShape, fvals(dy), filterShape, args));
  }

  override maxPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, _dtype: DType): DataHandle {
    return new JsData(conv.maxPool2dForward(fvals(x), xShape, args));
  }

  override maxPool2dBackward(
    dy: DataHandle,
    _dyShape: Shape,
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    _dtype: DType,
  ): DataHandle {
    return new JsData(conv.maxPool2dBackward(fvals(dy), fvals(x), xShape, args));
  }

  override maxPool2dWithArgmax(
    x: DataHandle,
    xShape: Shape,
    args: PoolArgs,
    _dtype: DType,
  ): [DataHandle, DataHandle] | null {
    // The argmax is a flat int32 index into x.
    if (sizeOf(xShape) > 0x7fffffff) return null;
    const { y, argmax } = conv.maxPool2dForwardArgmax(fvals(x), xShape, args);
    return [new JsData(y), new JsData(argmax)];
  }

  override maxPool2dBackwardFromArgmax(
    dy: DataHandle,
    argmax: DataHandle,
    numOut: number,
    xShape: Shape,
    _dtype: DType,
  ): DataHandle {
    const a = vals(argmax);
    if (!(a instanceof Int32Array)) {
      throw new ValueError(`js backend: maxPool2d argmax must be int32, got ${a.constructor.name}`);
    }
    return new JsData(conv.maxPool2dBackwardArgmax(fvals(dy), a, numOut, sizeOf(xShape)));
  }

  override avgPool2d(x: DataHandle, xShape: Shape, args: PoolArgs, _dtype: DType): DataHandle {
    return new JsData(conv.avgPool2dForward(fvals(x), xShape, args));
  }

  override avgPool2dBackward(
    dy: DataHandle,
    _dyShape: Shape,
    xShape: Shape,
    args: PoolArgs,
    _dtype: DType,
  ): DataHandle {
    return new JsData(conv.avgPool2dBackward(fvals(dy), xShape, args));
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
