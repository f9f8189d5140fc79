/**
 * `BaseBackend`: default implementations of the composite primitives (softmax, logSoftmax,
 * logSumExp) written with the other primitives, so a new backend works as soon as its
 * primitives do and overrides only the hot paths.
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import type {
  ArgReduceOp,
  Backend,
  BinaryOp,
  DataHandle,
  MatmulArgs,
  ReduceOp,
  UnaryOp,
} from './backend.js';

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
}
