/** Shape arithmetic shared by the ops and the backends. */
import { ShapeError, ValueError, fmtShape } from '../errors.js';

/** A tensor shape: one non-negative integer per axis; `[]` is a scalar. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** True when two shapes are equal axis by axis. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks that every dimension is a non-negative integer. */
export function checkShape(shape: Shape, op: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: shape ${fmtShape(shape)} must hold non-negative integers`);
    }
  }
}

/**
 * The NumPy broadcast of two shapes: axes aligned from the right, each pair equal or one of
 * them 1.
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (axis ${i - n}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves a possibly negative axis against a rank, with a clear error when out of range. */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    if (!(rank === 0 && (axis === 0 || axis === -1))) {
      throw new ValueError(`${op}: axis ${axis} is out of range for rank ${rank}`);
    }
  }
  return axis < 0 ? axis + rank : axis;
}

/** Resolves a list of axes (or all axes when undefined); sorted, unique. */
export function normalizeAxes(
  axes: number | readonly number[] | undefined | null,
  rank: number,
  op: string,
): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(a, rank, op));
  const uniq = [...new Set(out)].sort((x, y) => x - y);
  if (uniq.length !== out.length)
    throw new ValueError(`${op}: repeated axis in [${list.join(', ')}]`);
  return uniq;
}

/** Resolves a `-1` in a reshape target against the element count. */
export function inferReshape(from: Shape, to: readonly number[], op = 'reshape'): number[] {
  const size = sizeOf(from);
  let unknown = -1;
  let known = 1;
  for (let i = 0; i < to.length; i++) {
    const d = to[i]!;
    if (d === -1) {
      if (unknown >= 0) throw new ShapeError(`${op}: only one -1 allowed in ${fmtShape(to)}`);
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid target shape ${fmtShape(to)}`);
    } else known *= d;
  }
  const out = [...to];
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(
        `${op}: cannot reshape ${fmtShape(from)} (size ${size}) into ${fmtShape(to)}`,
      );
    }
    out[unknown] = size / known;
  } else if (known !== size) {
    throw new ShapeError(
      `${op}: cannot reshape ${fmtShape(from)} (size ${size}) into ${fmtShape(to)}`,
    );
  }
  return out;
}
