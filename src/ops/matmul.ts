/**
 * Matrix product of rank ≥ 2 tensors, batched over leading axes with broadcasting, with
 * optional transposition of either operand's last two axes (handled inside the kernel's
 * packing, never materialised).
 */
import { record } from '../autograd/tape.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { upcast } from '../tensor/dtype.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { type Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { be, unbroadcast, wrap } from './util.js';

/**
 * C = op(A) · op(B) where op transposes the last two axes when asked.
 * Backward (no transposes): dA = dC · Bᵀ, dB = Aᵀ · dC, summed over broadcast batch axes.
 *
 * Shape: A `[...batchA, m, k]` (or `[..., k, m]` with transposeA), B `[...batchB, k, n]`
 * (or `[..., n, k]`); C `[...broadcast(batchA, batchB), m, n]`.
 * @example matmul(tensor([[1, 2]]), tensor([[3], [4]])) // [[11]]
 */
export function matmul(
  aIn: TensorLike,
  bIn: TensorLike,
  transposeA = false,
  transposeB = false,
): Tensor {
  let a = convertToTensor(aIn, 'matmul', 'a');
  let b = convertToTensor(bIn, 'matmul', 'b');
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError(
      `matmul: both operands need rank >= 2, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`,
    );
  }
  if (a.dtype === 'bool' || b.dtype === 'bool') {
    throw new DTypeError(`matmul: bool operands are not supported, got ${a.dtype} x ${b.dtype}`);
  }
  const dt = upcast(a.dtype, b.dtype) === 'int32' ? 'float32' : upcast(a.dtype, b.dtype);
  if (a.dtype !== dt) a = cast(a, dt);
  if (b.dtype !== dt) b = cast(b, dt);
  const ra = a.rank;
  const rb = b.rank;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) {
    const t =
      transposeA || transposeB ? ` (transposeA=${transposeA}, transposeB=${transposeB})` : '';
    throw new ShapeError(
      `matmul: inner dimensions differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}${t}`,
    );
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(batchA, batchB, 'matmul');
  const batch = sizeOf(batchShape);
  // A side whose batch is neither full nor a single matrix is materialised at full batch; a
  // single matrix is shared through a zero stride.
  const sizeA = sizeOf(batchA);
  const sizeB = sizeOf(batchB);
  let av = a;
  let bv = b;
  if (sizeA !== batch && sizeA !== 1) av = a.broadcastTo([...batchShape, ...a.shape.slice(-2)]);
  if (sizeB !== batch && sizeB !== 1) bv = b.broadcastTo([...batchShape, ...b.shape.slice(-2)]);
  const be_ = be();
  const h = be_.matmul(
    av.handleOn(be_),
    bv.handleOn(be_),
    {
      batch,
      m,
      n,
      k,
      transA: transposeA,
      transB: transposeB,
      strideA: sizeA === 1 ? 0 : m * k,
      strideB: sizeB === 1 ? 0 : k * n,
    },
    dt,
  );
  const y = wrap(be_, h, [...batchShape, m, n], dt);
  return record('matmul', [a, b], y, (dy) => {
    // Each product is computed only when its input needs a gradient (a network's input never
    // does, and its gradient is a whole GEMM).
    const ga = !a.requiresGrad
      ? null
      : !transposeA && !transposeB
        ? matmul(dy, b, false, true)
        : !transposeA
          ? matmul(dy, b, false, false)
          : !transposeB
            ? matmul(b, dy, false, true)
            : matmul(b, dy, true, true);
    const gb = !b.requiresGrad
      ? null
      : !transposeA && !transposeB
        ? matmul(a, dy, true, false)
        : !transposeA
          ? matmul(dy, a, true, false)
          : !transposeB
            ? matmul(a, dy, false, false)
            : matmul(dy, a, true, true);
    return [ga && unbroadcast(ga, a.shape), gb && unbroadcast(gb, b.shape)];
  });
}
