/**
 * The CPU backend's one eligibility rule, checked with a recording provider: which calls reach
 * a provider kernel (float32 host operands, at least `minWork`), which run the reference
 * (other dtypes, small work, a declined kernel), and that both give the reference's values.
 */
import { describe, expect, it } from 'vitest';
import type { DataHandle, MatmulArgs } from '../backend.js';
import { hostF32 } from '../host_arena.js';
import { CpuBackend, JsBackend, JsData } from './index.js';
import type { KernelProvider } from './provider.js';

/**
 * A provider whose kernels compute the reference's values with plain loops and log every call,
 * or decline (return null) when `decline` is set.
 */
function recorder(decline = false): KernelProvider & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'rec',
    calls,
    minWork: { unary: 8, matmul: 100 },
    unary(op, x, size) {
      calls.push(`unary:${op}:${size}`);
      if (decline || op !== 'neg') return null;
      const out = hostF32(size, false);
      for (let i = 0; i < size; i++) out[i] = -x[i]!;
      return out;
    },
    matmul(a, b, args) {
      calls.push(`matmul:${args.m}x${args.k}x${args.n}`);
      if (decline) return null;
      const { m, n, k } = args;
      const out = hostF32(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
          out[i * n + j] = s;
        }
      }
      return out;
    },
  };
}

const values = (h: DataHandle): number[] => Array.from((h as JsData).values);
const mm = (m: number, k: number, n: number): MatmulArgs => ({
  batch: 1,
  m,
  n,
  k,
  transA: false,
  transB: false,
  strideA: 0,
  strideB: 0,
});

describe('CpuBackend: the eligibility rule for provider kernels', () => {
  const js = new JsBackend();

  it('runs the kernel for float32 host operands at or above minWork', () => {
    const p = recorder();
    const b = new CpuBackend(p);
    const x = b.fromArray(
      Float32Array.from({ length: 8 }, (_, i) => i - 3),
      'float32',
    );
    const y = b.unary('neg', x, 8, 'float32');
    expect(p.calls).toEqual(['unary:neg:8']);
    expect(values(y)).toEqual(values(js.unary('neg', x, 8, 'float32')));
    expect(b.name).toBe('rec');
  });

  it('runs the reference below minWork, for other dtypes, and for empty ops', () => {
    const p = recorder();
    const b = new CpuBackend(p);
    b.unary('neg', b.fromArray(new Float32Array(7), 'float32'), 7, 'float32');
    b.unary('neg', b.fromArray(new Float64Array(8), 'float64'), 8, 'float64');
    b.unary('neg', b.fromArray(new Float32Array(0), 'float32'), 0, 'float32');
    // float32 dtype over storage that is not a Float32Array is not eligible either.
    b.unary('neg', new JsData(new Float64Array(8)), 8, 'float32');
    expect(p.calls).toEqual([]);
  });

  it('falls back to the reference when a kernel declines, with the same values', () => {
    const p = recorder(true);
    const b = new CpuBackend(p);
    const a = b.fromArray(
      Float32Array.from({ length: 50 }, (_, i) => i / 7),
      'float32',
    );
    const c = b.fromArray(
      Float32Array.from({ length: 50 }, (_, i) => 1 - i / 9),
      'float32',
    );
    const out = b.matmul(a, c, mm(5, 10, 5), 'float32');
    expect(p.calls).toEqual(['matmul:5x10x5']);
    expect(values(out)).toEqual(values(js.matmul(a, c, mm(5, 10, 5), 'float32')));
    const small = b.matmul(a, c, mm(1, 50, 1), 'float32');
    expect(p.calls).toHaveLength(1); // 50 multiply-adds < minWork 100
    expect(values(small)).toEqual(values(js.matmul(a, c, mm(1, 50, 1), 'float32')));
  });

  it('a provider without a kernel leaves the op to the reference (sum, softmax, sequences)', () => {
    const b = new CpuBackend(recorder());
    expect(b.hasFusedLstmSequence('float32')).toBe(false);
    const x = b.fromArray(Float32Array.of(1, 2, 3, 4), 'float32');
    expect(values(b.reduce('sum', x, [2, 2], [1], 'float32', 'float32'))).toEqual([3, 7]);
    expect(
      b.adamStep(x, x, x, x, 4, { lr: 1, beta1: 0.9, beta2: 0.9, epsilon: 1 }, 'float32'),
    ).toBe(null);
  });
});
