/**
 * Broadcast patterns the fast backends' element-wise kernels walk directly: the output viewed
 * as rows × cols, each operand read at `r·row + j·el`. Shared by the native and wasm backends
 * (and `isTrailing` by the js backend's row fast path); anything else goes to the js code.
 */
import { type Shape, sizeOf } from '../tensor/shape.js';

/**
 * How one operand of a broadcast binary op is read when the output is viewed as rows × cols:
 * element (r, j) is at `r·row + j·el`.
 */
export interface Operand {
  row: number;
  el: 0 | 1;
}

/** Whether `s` without its leading 1s is a suffix of `outShape` (a row vector of the output). */
export function isTrailing(s: Shape, outShape: Shape): boolean {
  let i = 0;
  while (i < s.length && s[i] === 1) i++;
  const off = outShape.length - (s.length - i);
  if (off < 0) return false;
  for (let d = i; d < s.length; d++) if (s[d] !== outShape[off + d - i]) return false;
  return true;
}

/**
 * The common patterns of {@link rowPattern} (every operand full, a single value, or one same
 * trailing row), found without allocating; null for anything else.
 */
function simplePattern(
  shapes: readonly Shape[],
  outShape: Shape,
): { rows: number; cols: number; ops: Operand[] } | null {
  const size = sizeOf(outShape);
  let cols = size;
  for (const s of shapes) {
    const n = sizeOf(s);
    if (n === size || n === 1) continue;
    if ((cols !== size && cols !== n) || !isTrailing(s, outShape)) return null;
    cols = n;
  }
  const ops = shapes.map((s): Operand => {
    const n = sizeOf(s);
    if (n === size) return { row: cols, el: 1 };
    return n === 1 ? { row: 0, el: 0 } : { row: 0, el: 1 };
  });
  return { rows: size / cols, cols, ops };
}

/**
 * Views `outShape` as rows × cols (cols as long as possible) such that every operand is full,
 * a row vector, one value per row or a scalar; null when some broadcast is anything else.
 */
export function rowPattern(
  shapes: readonly Shape[],
  outShape: Shape,
): { rows: number; cols: number; ops: Operand[] } | null {
  const fast = simplePattern(shapes, outShape);
  if (fast) return fast;
  const rank = outShape.length;
  const padded = shapes.map((s) => [...new Array<number>(rank - s.length).fill(1), ...s]);
  // For axes [from, to): does the operand match the output there ('full'), broadcast
  // ('bcast'), or either (only size-1 output axes)? null: a mix.
  const kind = (s: number[], from: number, to: number): 'full' | 'bcast' | 'any' | null => {
    let k: 'full' | 'bcast' | 'any' = 'any';
    for (let d = from; d < to; d++) {
      if (outShape[d] === 1) continue;
      const here = s[d] === 1 ? 'bcast' : 'full';
      if (k === 'any') k = here;
      else if (k !== here) return null;
    }
    return k;
  };
  for (let split = 0; split <= rank; split++) {
    const kinds = padded.map((s) => [kind(s, 0, split), kind(s, split, rank)] as const);
    if (kinds.some(([r, c]) => !r || !c)) continue;
    const cols = sizeOf(outShape.slice(split));
    const rows = sizeOf(outShape.slice(0, split));
    const ops = kinds.map(([r, c]): Operand => {
      const el = c === 'bcast' ? 0 : 1;
      return { row: r === 'bcast' ? 0 : el ? cols : 1, el };
    });
    return { rows, cols, ops };
  }
  return null;
}
