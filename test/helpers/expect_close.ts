/** Numeric comparison of tensors and arrays with relative and absolute tolerances. */
import { expect } from 'vitest';
import type { NestedArray } from '../../src/tensor/convert.js';
import { Tensor } from '../../src/tensor/tensor.js';

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

type Comparable = Tensor | NestedArray | ArrayLike<number>;

function flat(x: Comparable): { values: number[]; shape: number[] | null } {
  if (x instanceof Tensor) return { values: Array.from(x.dataSync(), Number), shape: [...x.shape] };
  if (typeof x === 'number' || typeof x === 'boolean') return { values: [Number(x)], shape: null };
  if (ArrayBuffer.isView(x))
    return { values: Array.from(x as ArrayLike<number>, Number), shape: null };
  const out: number[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else out.push(Number(v));
  };
  walk(x);
  return { values: out, shape: null };
}

/**
 * Asserts `|actual − expected| ≤ atol + rtol·|expected|` elementwise (NaN matches NaN, ±∞ must
 * match exactly) and, when both are tensors, equal shapes.
 */
export function expectClose(actual: Comparable, expected: Comparable, tol: Tolerance = {}): void {
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 1e-6;
  const a = flat(actual);
  const e = flat(expected);
  if (a.shape && e.shape) expect(a.shape).toEqual(e.shape);
  expect(a.values.length, 'number of elements').toBe(e.values.length);
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!;
    const y = e.values[i]!;
    if (Number.isNaN(y)) {
      expect(x, `element ${i}: expected NaN`).toBeNaN();
      continue;
    }
    if (!Number.isFinite(y)) {
      expect(x, `element ${i}`).toBe(y);
      continue;
    }
    const ok = Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) {
      expect.fail(
        `element ${i}: got ${x}, expected ${y} (|diff| ${Math.abs(x - y)} > atol ${atol} + rtol ${rtol}·|expected|)`,
      );
    }
  }
}
