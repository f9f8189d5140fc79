/**
 * The native GEMM's parallel driver (operands packed once and shared, tiles claimed by the
 * pool's threads, passes over depth, rows and columns) and the native backend's uninitialised
 * outputs, against the js reference. Outputs start as NaN-filled memory, so an element a
 * kernel forgets to write fails the comparison. Skipped (visibly) where the addon is not built.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import type { ConvArgs, DataHandle } from '../backend.js';
import { JsBackend, JsData } from '../cpu/index.js';
import { hostF32, hostU8 } from '../host_arena.js';
import { loadAddon } from './addon.js';
import { type NativeBackend, createNativeBackend } from './index.js';

const loaded = loadAddon();
const built = !('error' in loaded);
const js = new JsBackend();

let seed = 987654;
function rand(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = (seed / 2 ** 32) * 2 - 1;
  }
  return out;
}
const h = (v: Float32Array | Uint8Array): DataHandle => new JsData(v);
const vals = (d: DataHandle): Float32Array => (d as JsData).values as Float32Array;
const tol = { atol: 1e-5, rtol: 1e-4 };

describe.skipIf(!built)('native GEMM driver', () => {
  const nb = built ? createNativeBackend() : (null as unknown as NativeBackend);
  const addon = built && 'addon' in loaded ? loaded.addon : (null as never);

  function check(m: number, n: number, k: number, ta: boolean, tb: boolean): void {
    const a = rand(m * k);
    const b = rand(k * n);
    const c = new Float32Array(m * n).fill(Number.NaN);
    addon.gemm(1, m, n, k, ta, tb, a, 0, b, 0, c);
    const args = { batch: 1, m, n, k, transA: ta, transB: tb, strideA: 0, strideB: 0 };
    // float32 rounding grows like √k over sums of k terms in [−1, 1] (the reference sums in
    // float64): 1e-5 at k ≤ 1100, 3e-5·√(k/100) beyond.
    const deep = { atol: Math.max(tol.atol, 3e-5 * Math.sqrt(k / 100)), rtol: tol.rtol };
    expectClose(c, vals(js.matmul(h(a), h(b), args, 'float32')), k > 1100 ? deep : tol);
  }

  // Large enough for the parallel path (≥ 4e6 flops), with edge tiles in both dimensions.
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`overwrites a NaN-filled C on the parallel path (transA=${ta}, transB=${tb})`, () => {
      check(131, 301, 77, ta, tb);
      check(29, 1000, 70, ta, tb);
    });
  }

  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`a small C over a deep K is split along K (transA=${ta}, transB=${tb})`, () => {
      // 4 parts of 2512 (a multiple of 16) with a short last part; C 37×29 is not a tile
      // multiple; overwrites a NaN-filled C.
      check(37, 29, 9999, ta, tb);
      check(288, 64, 2048, ta, tb);
    });
  }

  it('the K split accumulates over image chunks and does not depend on the thread count', () => {
    // A filter gradient with a 72-value window (im2col path): 3 chunks of images, each a
    // 72×16 C over a depth of about 14,000, the later ones accumulating.
    const xs = [100, 20, 20, 8];
    const fs = [3, 3, 8, 16];
    const ys = [100, 18, 18, 16];
    const x = rand(100 * 20 * 20 * 8);
    const dy = rand(100 * 18 * 18 * 16);
    const args: ConvArgs = {
      strides: [1, 1],
      dilations: [1, 1],
      padding: [0, 0, 0, 0],
      groups: 1,
    };
    const want = vals(js.conv2dBackpropFilter(h(x), xs, h(dy), ys, fs, args, 'float32'));
    const runs = [2, 1, 3].map((threads) => {
      nb.provider.setThreads(threads);
      return vals(nb.conv2dBackpropFilter(h(x), xs, h(dy), ys, fs, args, 'float32'));
    });
    nb.provider.setThreads(2);
    expectClose(runs[0]!, want, { atol: 2e-3, rtol: 1e-4 });
    expect(Array.from(runs[1]!)).toEqual(Array.from(runs[0]!));
    expect(Array.from(runs[2]!)).toEqual(Array.from(runs[0]!));
  });

  it('depth over one pass (k = 1100: two passes, the second accumulating)', () => {
    check(97, 75, 1100, false, false);
    check(97, 75, 1100, true, true);
  });

  it('rows over one packed chunk (m = 2100 at k = 1024) and columns likewise', () => {
    check(2100, 40, 1024, false, true);
    check(40, 2100, 1024, true, false);
  });

  it('leading dimensions that are multiples of 256 (tiles accumulated in a padded buffer)', () => {
    check(130, 512, 300, false, false);
    check(70, 768, 1100, true, true);
    check(45, 256, 1030, false, true);
    const [m, n, k] = [131, 512, 1100];
    const a = rand(m * k);
    const b = rand(k * n);
    const one = new Float32Array(m * n);
    const two = new Float32Array(m * n).fill(Number.NaN);
    const before = nb.provider.threads;
    try {
      nb.provider.setThreads(1);
      addon.gemm(1, m, n, k, false, false, a, 0, b, 0, one);
      nb.provider.setThreads(2);
      addon.gemm(1, m, n, k, false, false, a, 0, b, 0, two);
    } finally {
      nb.provider.setThreads(before);
    }
    expect(two).toEqual(one);
  });

  it('a product too thin to give every thread a tile still covers all of C', () => {
    check(5, 9000, 60, false, false);
    check(9000, 3, 60, false, false);
  });

  it('gives bit-identical results on 1 and 2 threads across passes', () => {
    const [m, n, k] = [300, 260, 1100];
    const a = rand(m * k);
    const b = rand(k * n);
    const one = new Float32Array(m * n);
    const two = new Float32Array(m * n).fill(Number.NaN);
    const before = nb.provider.threads;
    try {
      nb.provider.setThreads(1);
      addon.gemm(1, m, n, k, true, false, a, 0, b, 0, one);
      nb.provider.setThreads(2);
      addon.gemm(1, m, n, k, true, false, a, 0, b, 0, two);
    } finally {
      nb.provider.setThreads(before);
    }
    expect(two).toEqual(one);
  });

  it('batched products each split over the pool, with a shared B', () => {
    const [batch, m, n, k] = [3, 120, 140, 130];
    const a = rand(batch * m * k);
    const b = rand(k * n);
    const c = new Float32Array(batch * m * n).fill(Number.NaN);
    addon.gemm(batch, m, n, k, false, false, a, m * k, b, 0, c);
    for (let i = 0; i < batch; i++) {
      const args = { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 };
      const ref = vals(js.matmul(h(a.subarray(i * m * k, (i + 1) * m * k)), h(b), args, 'float32'));
      expectClose(c.subarray(i * m * n, (i + 1) * m * n), ref, tol);
    }
  });

  it('the pool hands back-to-back jobs over across thread-count changes (no lost wake-up)', () => {
    // Workers poll for the next job before sleeping; a worker created while a job is posted
    // must still take part in it, or the caller would wait forever (the test would time out).
    const a = new Float32Array(128 * 256).fill(0.5);
    const b = new Float32Array(256 * 128).fill(0.25);
    const c = new Float32Array(128 * 128);
    const before = nb.provider.threads;
    try {
      for (let i = 0; i < 600; i++) {
        if (i % 20 === 0) nb.provider.setThreads(1 + ((i / 20) % 3));
        const r = addon.poolTest(i % 7);
        expect(Array.from(r.counts).every((x) => x === 1)).toBe(true);
        c.fill(Number.NaN);
        addon.gemm(1, 128, 128, 256, false, false, a, 0, b, 0, c);
        expect(c[5]).toBe(32);
        expect(c[128 * 128 - 1]).toBe(32);
      }
    } finally {
      nb.provider.setThreads(before);
    }
  });

  it('conv2dBackpropFilter accumulates image chunks through the parallel GEMM', () => {
    // 64·64·9·32 > 2^20 floats per image: one image per im2col chunk, so three GEMMs
    // (288 × 16 × 4096 each) of which the last two accumulate into dW.
    const x = [3, 64, 64, 32];
    const f = [3, 3, 32, 16];
    const args: ConvArgs = {
      strides: [1, 1],
      dilations: [1, 1],
      padding: [1, 1, 1, 1],
      groups: 1,
    };
    const xv = rand(3 * 64 * 64 * 32);
    const dy = rand(3 * 64 * 64 * 16);
    const yShape = [3, 64, 64, 16];
    expectClose(
      vals(nb.conv2dBackpropFilter(h(xv), x, h(dy), yShape, f, args, 'float32')),
      vals(js.conv2dBackpropFilter(h(xv), x, h(dy), yShape, f, args, 'float32')),
      { atol: 1e-4, rtol: 1e-4 },
    );
  });
});

// Run in a child: the ISA is picked once per process. A float64 triple loop is the reference.
const AVX2_CHILD = `
const addon = require(process.argv[1]);
let seed = 7;
const rand = (n) => Float32Array.from({ length: n }, () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return (seed / 2 ** 32) * 2 - 1;
});
let worst = 0;
for (const [m, n, k, ta, tb] of [[131, 301, 77, false, false], [70, 512, 1100, true, false],
    [97, 75, 1100, false, true], [5, 3000, 60, true, true], [300, 7, 40, false, false]]) {
  const a = rand(m * k), b = rand(k * n), c = new Float32Array(m * n).fill(NaN);
  addon.gemm(1, m, n, k, ta, tb, a, 0, b, 0, c);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
    const e = Math.abs(c[i * n + j] - s) / (1 + Math.abs(s));
    worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
}
console.log(JSON.stringify({ isa: addon.info().isa, threads: addon.info().threads, worst }));
`;

describe.skipIf(!built)('native GEMM, AVX2 kernels', () => {
  it('TESSERA_NATIVE_ISA=avx2: serial and parallel AVX2 paths match a float64 reference', () => {
    const path = 'path' in loaded ? loaded.path : '';
    const r = spawnSync(process.execPath, ['-e', AVX2_CHILD, path], {
      env: { ...process.env, TESSERA_NATIVE_ISA: 'avx2' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { isa: string; threads: number; worst: number };
    expect(out.isa).toBe('avx2');
    expect(out.worst).toBeLessThan(1e-4);
  });
});

describe.skipIf(!built)('native backend outputs over uninitialised memory', () => {
  const nb = built ? createNativeBackend() : (null as unknown as NativeBackend);

  afterEach(() => {
    vi.restoreAllMocks();
  });

  // Every "uninitialised" buffer comes back full of 0xff bytes (NaN as float32), so an output
  // element a kernel does not write shows up as NaN against the reference.
  function dirtyAllocations(): { calls: () => number } {
    const real = Buffer.allocUnsafeSlow;
    const spy = vi
      .spyOn(Buffer, 'allocUnsafeSlow')
      .mockImplementation((size: number) => real(size).fill(0xff));
    return { calls: () => spy.mock.calls.length };
  }

  it('unzeroed outputs (hostF32 / hostU8, zero: false) are views over their own whole buffer', () => {
    const f = hostF32(1000, false);
    expect(f.length).toBe(1000);
    expect(f.byteOffset).toBe(0);
    expect(f.buffer.byteLength).toBe(4000);
    const u = hostU8(10, false);
    expect(u.byteOffset).toBe(0);
    expect(u.buffer.byteLength).toBe(10);
    expect(hostF32(0, false).length).toBe(0);
  });

  it('matmul, elementwise, reductions, softmax and conv2d write every element', () => {
    const d = dirtyAllocations();
    const a = rand(64 * 48);
    const b = rand(48 * 40);
    const mm = {
      batch: 1,
      m: 64,
      n: 40,
      k: 48,
      transA: false,
      transB: false,
      strideA: 0,
      strideB: 0,
    };
    expectClose(
      vals(nb.matmul(h(a), h(b), mm, 'float32')),
      vals(js.matmul(h(a), h(b), mm, 'float32')),
      tol,
    );
    const k0 = { ...mm, k: 0 };
    expect(Array.from(vals(nb.matmul(h(a), h(b), k0, 'float32')).subarray(0, 5))).toEqual([
      0, 0, 0, 0, 0,
    ]);
    const x = rand(3000);
    const y = rand(3000);
    expectClose(
      vals(nb.unary('exp', h(x), 3000, 'float32')),
      vals(js.unary('exp', h(x), 3000, 'float32')),
      tol,
    );
    expectClose(
      vals(nb.binary('mul', h(x), [30, 100], h(y), [30, 100], [30, 100], 'float32', 'float32')),
      vals(js.binary('mul', h(x), [30, 100], h(y), [30, 100], [30, 100], 'float32', 'float32')),
      tol,
    );
    const lt = nb.binary('less', h(x), [30, 100], h(y), [30, 100], [30, 100], 'float32', 'bool');
    const ltRef = js.binary('less', h(x), [30, 100], h(y), [30, 100], [30, 100], 'float32', 'bool');
    expect(Array.from((lt as JsData).values)).toEqual(Array.from((ltRef as JsData).values));
    const cond = (ltRef as JsData).values as Uint8Array;
    expectClose(
      vals(nb.where(h(cond), [30, 100], h(x), [30, 100], h(y), [30, 100], [30, 100], 'float32')),
      vals(js.where(h(cond), [30, 100], h(x), [30, 100], h(y), [30, 100], [30, 100], 'float32')),
      tol,
    );
    for (const axes of [[1], [0], [0, 1]]) {
      expectClose(
        vals(nb.reduce('sum', h(x), [30, 100], axes, 'float32', 'float32')),
        vals(js.reduce('sum', h(x), [30, 100], axes, 'float32', 'float32')),
        { atol: 1e-4, rtol: 1e-4 },
      );
    }
    expectClose(
      vals(nb.softmax(h(x), [30, 100], 1, 'float32')),
      vals(js.softmax(h(x), [30, 100], 1, 'float32')),
      tol,
    );
    const conv: ConvArgs = { strides: [1, 1], dilations: [1, 1], padding: [1, 1, 1, 1], groups: 1 };
    const xi = rand(2 * 9 * 8 * 3);
    const fi = rand(3 * 3 * 3 * 5);
    expectClose(
      vals(nb.conv2d(h(xi), [2, 9, 8, 3], h(fi), [3, 3, 3, 5], conv, 'float32')),
      vals(js.conv2d(h(xi), [2, 9, 8, 3], h(fi), [3, 3, 3, 5], conv, 'float32')),
      tol,
    );
    const dyi = rand(2 * 9 * 8 * 5);
    expectClose(
      vals(
        nb.conv2dBackpropFilter(
          h(xi),
          [2, 9, 8, 3],
          h(dyi),
          [2, 9, 8, 5],
          [3, 3, 3, 5],
          conv,
          'float32',
        ),
      ),
      vals(
        js.conv2dBackpropFilter(
          h(xi),
          [2, 9, 8, 3],
          h(dyi),
          [2, 9, 8, 5],
          [3, 3, 3, 5],
          conv,
          'float32',
        ),
      ),
      tol,
    );
    // The outputs above did come from the dirty allocator.
    expect(d.calls()).toBeGreaterThanOrEqual(10);
  });

  it('a convolution over an empty batch still returns a zero filter gradient', () => {
    dirtyAllocations();
    const conv: ConvArgs = { strides: [1, 1], dilations: [1, 1], padding: [0, 0, 0, 0], groups: 1 };
    const dw = nb.conv2dBackpropFilter(
      h(new Float32Array(0)),
      [0, 5, 5, 2],
      h(new Float32Array(0)),
      [0, 3, 3, 4],
      [3, 3, 2, 4],
      conv,
      'float32',
    );
    expect(Array.from(vals(dw))).toEqual(new Array(3 * 3 * 2 * 4).fill(0));
  });

  it('fused optimizer steps and the LSTM cell write every element', () => {
    dirtyAllocations();
    const n = 1500;
    const [p, g, m] = [rand(n), rand(n), rand(n)];
    const v = rand(n).map(Math.abs);
    const adam = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const got = nb.adamStep(h(p), h(g), h(m), h(v), n, adam, 'float32')!;
    const want = js.adamStep(h(p), h(g), h(m), h(v), n, adam, 'float32');
    // The js backend has no fused Adam (null): compare against the formula directly.
    expect(want).toBeNull();
    const po = vals(got[0]);
    for (let i = 0; i < n; i += 97) {
      const mi = m[i]! + (g[i]! - m[i]!) * 0.1;
      const vi = v[i]! + (g[i]! * g[i]! - v[i]!) * (1 - 0.999);
      expect(po[i]).toBeCloseTo(p[i]! - (mi * 0.01) / (Math.sqrt(vi) + 1e-7), 5);
    }
    expect(vals(got[1]).every(Number.isFinite)).toBe(true);
    expect(vals(got[2]).every(Number.isFinite)).toBe(true);
    const rms = nb.rmspropStep(
      h(p),
      h(g),
      h(v),
      n,
      { lr: 0.01, rho: 0.9, epsilon: 1e-7 },
      'float32',
    )!;
    expect(vals(rms[0]).every(Number.isFinite) && vals(rms[1]).every(Number.isFinite)).toBe(true);
    const [batch, units] = [8, 40];
    const z = rand(batch * 4 * units);
    const c = rand(batch * units);
    expectClose(
      vals(nb.lstmCell(h(z), h(c), batch, units, 'float32')),
      vals(js.lstmCell(h(z), h(c), batch, units, 'float32')),
      tol,
    );
  });
});
