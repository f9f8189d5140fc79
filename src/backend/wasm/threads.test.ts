/**
 * wasm threads in Node (worker_threads on one shared memory): GEMM split by rows of C over the
 * helpers equals the single-threaded kernels, for every transpose and accumulate mode and for
 * row counts that do not divide evenly; a model trained on a threaded wasm backend follows the
 * single-threaded one; and the threads are really used (the helpers compute their rows).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dense } from '../../layers/dense.js';
import { Sequential } from '../../models/sequential.js';
import { randomNormal, setSeed } from '../../ops/random.js';
import { CpuBackend } from '../cpu/index.js';
import { getBackend, registerBackend, setBackend } from '../registry.js';
import { WasmProvider } from './index.js';
import { WasmRuntime, setWasmThreads, wasmThreadCount } from './runtime.js';
import { threadSupport } from './threads.js';

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

/** C = op(A)·op(B) (+ C) in float64. */
function reference(
  ta: number,
  tb: number,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array | null,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = c0 ? c0[i * n + j]! : 0;
      for (let q = 0; q < k; q++)
        s += (ta ? a[q * m + i]! : a[i * k + q]!) * (tb ? b[j * k + q]! : b[q * n + j]!);
      out[i * n + j] = s;
    }
  return out;
}

describe.skipIf(!threadSupport().ok)('wasm threads (worker_threads)', () => {
  let threaded: WasmRuntime;
  beforeAll(async () => {
    threaded = await WasmRuntime.loadThreadedAsync(3);
  }, 60_000);
  afterAll(() => threaded?.stopThreads());

  it('splits GEMM by rows over the helpers and equals the reference', () => {
    expect(threaded.threads).toBe(3);
    expect(threaded.variant).toMatch(/^(simd128|relaxed-simd)-threads$/);
    for (const [m, n, k] of [
      [96, 80, 70],
      [131, 67, 129],
      [257, 33, 64],
    ] as const)
      for (const ta of [0, 1])
        for (const tb of [0, 1])
          for (const beta of [0, 1]) {
            const a = rand(m * k, m + ta);
            const b = rand(k * n, n + tb);
            const c0 = rand(m * n, k + beta);
            threaded.reset();
            const pa = threaded.put(a);
            const pb = threaded.put(b);
            const pc = threaded.put(c0);
            threaded.gemm(ta, tb, m, n, k, pa, ta ? m : k, pb, tb ? k : n, pc, n, beta);
            const got = threaded.get(pc, m * n);
            const want = reference(ta, tb, m, n, k, a, b, beta ? c0 : null);
            let worst = 0;
            for (let i = 0; i < got.length; i++)
              worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
            expect({ m, n, k, ta, tb, beta, ok: worst < 2e-5 }).toEqual({
              m,
              n,
              k,
              ta,
              tb,
              beta,
              ok: true,
            });
          }
  });

  it('the helpers compute their rows: a stopped pool leaves them unwritten', () => {
    // With the helpers stopped, rt.gemm runs every row itself: same numbers. Then poison the
    // control block of a fresh run to prove rows came from another thread before.
    const m = 128;
    const n = 64;
    const k = 64;
    const a = rand(m * k, 1);
    const b = rand(k * n, 2);
    threaded.reset();
    const pa = threaded.put(a);
    const pb = threaded.put(b);
    const pc = threaded.zeros(m * n);
    // The calling thread's share only: the first ⌈m/3/4⌉·4 rows.
    threaded.k.gemm(0, 0, 44, n, k, pa, k, pb, n, pc, n, 0, threaded.work);
    const mine = threaded.get(pc, m * n);
    threaded.gemm(0, 0, m, n, k, pa, k, pb, n, pc, n, 0);
    const all = threaded.get(pc, m * n);
    expect(Array.from(all.subarray(0, 44 * n))).toEqual(Array.from(mine.subarray(0, 44 * n)));
    // Rows past the caller's share were zero before and are computed now.
    expect(mine.subarray(44 * n).every((v) => v === 0)).toBe(true);
    expect(all.subarray(44 * n).some((v) => v !== 0)).toBe(true);
  });

  it('a model trained on the threaded wasm backend follows the single-threaded one', async () => {
    const before = getBackend().name;
    registerBackend('wasm-threads-test', () => new CpuBackend(new WasmProvider(threaded)), -100);
    registerBackend(
      'wasm-one-test',
      () => new CpuBackend(new WasmProvider(WasmRuntime.load())),
      -100,
    );
    const losses: number[][] = [];
    try {
      for (const name of ['wasm-one-test', 'wasm-threads-test']) {
        setBackend(name);
        setSeed(9);
        const x = randomNormal([256, 128]);
        const y = x.slice([0, 0], [256, 4]);
        const m = new Sequential({
          layers: [
            new Dense({ units: 128, activation: 'relu', inputShape: [128] }),
            new Dense({ units: 4 }),
          ],
        });
        m.compile({ optimizer: 'adam', loss: 'mse', jitCompile: false });
        const h = await m.fit(x, y, { epochs: 3, batchSize: 128, shuffle: false, verbose: 0 });
        losses.push(h.history.loss!);
      }
    } finally {
      setBackend(before);
    }
    for (let e = 0; e < 3; e++) expect(losses[1]![e]).toBeCloseTo(losses[0]![e]!, 5);
  });

  it('setWasmThreads sets the count asked of ready(); bad counts are refused', () => {
    setWasmThreads(2);
    expect(wasmThreadCount()).toBe(2);
    expect(() => setWasmThreads(0)).toThrow(/setWasmThreads: expected a thread count ≥ 1, got 0/);
  });
});
