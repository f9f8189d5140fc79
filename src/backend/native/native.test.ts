/**
 * Kernel tests of the native backend against the js reference: odd sizes, transposed and
 * strided operands, every broadcast walk, NaN/±∞, convolution geometry, the thread pool with
 * zero and many work items, argument checking, and the fallback when the addon is missing.
 * Skipped (visibly) only where the addon was not built.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import type { BinaryOp, ConvArgs, DataHandle, PoolArgs, UnaryOp } from '../backend.js';
import { rowPattern } from '../broadcast_walk.js';
import { JsBackend, JsData } from '../cpu/index.js';
import { loadAddon } from './addon.js';
import { type NativeBackend, createNativeBackend } from './index.js';

const loaded = loadAddon();
const built = !('error' in loaded);
const js = new JsBackend();

let seed = 12345;
function rand(n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = ((seed / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}
const h = (v: Float32Array | Uint8Array): DataHandle => new JsData(v);
const vals = (d: DataHandle): Float32Array => (d as JsData).values as Float32Array;

describe.skipIf(!built)('native backend kernels', () => {
  const nb = built ? createNativeBackend() : (null as unknown as NativeBackend);
  const addon = built && 'addon' in loaded ? loaded.addon : (null as never);

  it('reports its ISA and thread count', () => {
    expect(['avx2', 'avx512']).toContain(nb.provider.isa);
    expect(nb.provider.threads).toBeGreaterThanOrEqual(1);
  });

  const sizes = [1, 7, 17, 63, 65];
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`gemm matches the reference for odd sizes (transA=${ta}, transB=${tb})`, () => {
      for (const m of sizes) {
        for (const n of sizes) {
          for (const k of [1, 17, 65, 300]) {
            const a = rand(m * k);
            const b = rand(k * n);
            const c = new Float32Array(m * n);
            addon.gemm(1, m, n, k, ta, tb, a, 0, b, 0, c);
            const args = { batch: 1, m, n, k, transA: ta, transB: tb, strideA: 0, strideB: 0 };
            expectClose(c, vals(js.matmul(h(a), h(b), args, 'float32')), {
              atol: 1e-5,
              rtol: 1e-4,
            });
          }
        }
      }
    });
  }

  it('gemm: a 1000-sized product split over threads matches the reference', () => {
    const [m, n, k] = [1000, 130, 77];
    const a = rand(m * k);
    const b = rand(k * n);
    for (const [ta, tb] of [
      [false, false],
      [true, true],
    ] as const) {
      const args = { batch: 1, m, n, k, transA: ta, transB: tb, strideA: 0, strideB: 0 };
      const got = vals(nb.matmul(h(a), h(b), args, 'float32'));
      expectClose(got, vals(js.matmul(h(a), h(b), args, 'float32')), { atol: 1e-5, rtol: 1e-4 });
    }
  });

  it('gemm with k = 0 writes zeros over whatever C held', () => {
    const c = new Float32Array(12).fill(Number.NaN);
    addon.gemm(1, 3, 4, 0, false, false, new Float32Array(0), 0, new Float32Array(0), 0, c);
    expect(Array.from(c)).toEqual(new Array(12).fill(0));
  });

  it('batched gemm: strided batch items with gaps, and a zero stride sharing one matrix', () => {
    const [batch, m, n, k] = [3, 9, 33, 20];
    const gap = 5;
    const a = rand(batch * (m * k + gap));
    const b = rand(k * n);
    const c = new Float32Array(batch * m * n);
    addon.gemm(batch, m, n, k, false, false, a, m * k + gap, b, 0, c);
    for (let i = 0; i < batch; i++) {
      const ai = a.slice(i * (m * k + gap), i * (m * k + gap) + m * k);
      const args = { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 };
      const ref = vals(js.matmul(h(ai), h(b), args, 'float32'));
      expectClose(c.subarray(i * m * n, (i + 1) * m * n), ref, { atol: 1e-5, rtol: 1e-4 });
    }
  });

  it('gemm gives the same result on 1 and on 2 threads', () => {
    const [m, n, k] = [257, 300, 129];
    const a = rand(m * k);
    const b = rand(k * n);
    const one = new Float32Array(m * n);
    const two = new Float32Array(m * n);
    const before = nb.provider.threads;
    try {
      nb.provider.setThreads(1);
      addon.gemm(1, m, n, k, false, true, a, 0, b, 0, one);
      nb.provider.setThreads(2);
      addon.gemm(1, m, n, k, false, true, a, 0, b, 0, two);
    } finally {
      nb.provider.setThreads(before);
    }
    expect(two).toEqual(one);
  });

  it('the thread pool runs every item exactly once, for zero, one and many items', () => {
    for (const n of [0, 1, 2, 3, 1000]) {
      const r = addon.poolTest(n);
      expect(r.counts.length).toBe(n);
      expect(Array.from(r.counts).every((c) => c === 1)).toBe(true);
      expect(r.threads).toBeLessThanOrEqual(Math.max(1, nb.provider.threads));
    }
  });

  it('rejects wrong array types and arrays too short for the sizes given', () => {
    const f = new Float32Array(4);
    expect(() => addon.gemm(1, 2, 2, 2, false, false, f, 0, f, 0, new Float32Array(3))).toThrow(
      /native gemm: argument 10 has 3 elements, needs 4/,
    );
    expect(() =>
      addon.gemm(1, 2, 2, 2, false, false, new Float64Array(4) as never, 0, f, 0, f),
    ).toThrow(/native gemm: argument 6 must be a Float32Array/);
    expect(() => addon.unary(99, f, f, 4, 0)).toThrow(/unknown op code 99/);
    expect(() => addon.setThreads(0)).toThrow(/threads must be in \[1, 256\], got 0/);
  });

  const special = Float32Array.of(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    1e-30,
  );
  const unaryOps: UnaryOp[] = [
    'neg',
    'abs',
    'square',
    'sqrt',
    'rsqrt',
    'reciprocal',
    'exp',
    'log',
    'relu',
    'relu6',
    'leakyRelu',
    'elu',
    'sigmoid',
    'tanh',
    'softplus',
    'step',
    'expm1',
    'log1p',
    'silu',
    'softsign',
  ];
  it.each(unaryOps)('unary %s matches the reference, NaN and ±∞ included', (op) => {
    const x = new Float32Array(1003);
    x.set(rand(1003, 8));
    x.set(special, 500);
    const got = vals(nb.unary(op, h(x), x.length, 'float32', 0.3));
    const want = vals(js.unary(op, h(x), x.length, 'float32', 0.3));
    expectClose(got, want, { rtol: 2e-6, atol: 1e-6 });
  });

  const binaryCases: [number[], number[], number[]][] = [
    [
      [40, 30],
      [40, 30],
      [40, 30],
    ],
    [[40, 30], [], [40, 30]],
    [[1], [40, 30], [40, 30]],
    [[40, 30], [30], [40, 30]],
    [
      [40, 30],
      [40, 1],
      [40, 30],
    ],
    [
      [40, 1],
      [1, 30],
      [40, 30],
    ],
    [
      [5, 8, 30],
      [8, 1],
      [5, 8, 30],
    ],
  ];
  const binaryOps: BinaryOp[] = [
    'add',
    'sub',
    'mul',
    'div',
    'maximum',
    'minimum',
    'squaredDifference',
    'reluGrad',
  ];
  for (const op of binaryOps) {
    it(`binary ${op} matches the reference on every broadcast walk`, () => {
      for (const [as, bs, os] of binaryCases) {
        const a = rand(
          as.reduce((p, q) => p * q, 1),
          3,
        );
        const b = rand(
          bs.reduce((p, q) => p * q, 1),
          3,
        );
        if (a.length > 3) a[2] = Number.NaN;
        const got = vals(nb.binary(op, h(a), as, h(b), bs, os, 'float32', 'float32'));
        const want = vals(js.binary(op, h(a), as, h(b), bs, os, 'float32', 'float32'));
        expectClose(got, want, { rtol: 1e-6, atol: 0 });
      }
    });
  }

  const compareOps: BinaryOp[] = [
    'equal',
    'notEqual',
    'less',
    'lessEqual',
    'greater',
    'greaterEqual',
  ];
  it.each(compareOps)('comparison %s matches the reference (bool output, NaN included)', (op) => {
    for (const [as, bs, os] of binaryCases) {
      const a = rand(
        as.reduce((p, q) => p * q, 1),
        2,
      ).map(Math.round);
      const b = rand(
        bs.reduce((p, q) => p * q, 1),
        2,
      ).map(Math.round);
      if (a.length > 3) a[2] = Number.NaN;
      const got = nb.binary(op, h(a), as, h(b), bs, os, 'float32', 'bool');
      const want = js.binary(op, h(a), as, h(b), bs, os, 'float32', 'bool');
      expect((got as JsData).values).toEqual((want as JsData).values);
    }
  });

  it('rowPattern finds a walk for rows, columns and scalars and refuses general broadcasts', () => {
    expect(rowPattern([[4, 3], [3]], [4, 3])).toEqual({
      rows: 4,
      cols: 3,
      ops: [
        { row: 3, el: 1 },
        { row: 0, el: 1 },
      ],
    });
    expect(
      rowPattern(
        [
          [4, 3],
          [4, 1],
        ],
        [4, 3],
      )?.ops,
    ).toEqual([
      { row: 3, el: 1 },
      { row: 1, el: 0 },
    ]);
    expect(
      rowPattern(
        [
          [2, 1, 3],
          [1, 4, 1],
        ],
        [2, 4, 3],
      ),
    ).toBeNull();
  });

  it('where matches the reference with full, scalar and row operands', () => {
    const n = 40 * 30;
    const cond = new Uint8Array(n).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const a = rand(n);
    const b = rand(30);
    const got = nb.where(h(cond), [40, 30], h(a), [40, 30], h(b), [30], [40, 30], 'float32');
    const want = js.where(h(cond), [40, 30], h(a), [40, 30], h(b), [30], [40, 30], 'float32');
    expect(vals(got)).toEqual(vals(want));
    const zero = Float32Array.of(0);
    const g2 = nb.where(h(cond), [40, 30], h(a), [40, 30], h(zero), [], [40, 30], 'float32');
    expect(vals(g2)).toEqual(
      vals(js.where(h(cond), [40, 30], h(a), [40, 30], h(zero), [], [40, 30], 'float32')),
    );
  });

  it('sum over leading, middle, trailing and all axes matches the reference', () => {
    const shape = [6, 7, 33];
    const x = rand(6 * 7 * 33);
    for (const axes of [[0], [1], [2], [0, 1], [1, 2], [0, 1, 2]]) {
      const got = vals(nb.reduce('sum', h(x), shape, axes, 'float32', 'float32'));
      const want = vals(js.reduce('sum', h(x), shape, axes, 'float32', 'float32'));
      expectClose(got, want, { rtol: 1e-5, atol: 1e-5 });
    }
  });

  it('softmax and logSoftmax over the last axis match the reference, NaN rows included', () => {
    const x = rand(50 * 13, 10);
    x[3] = Number.NaN;
    for (const log of [false, true]) {
      const got = log
        ? nb.logSoftmax(h(x), [50, 13], 1, 'float32')
        : nb.softmax(h(x), [50, 13], 1, 'float32');
      const want = log
        ? js.logSoftmax(h(x), [50, 13], 1, 'float32')
        : js.softmax(h(x), [50, 13], 1, 'float32');
      expectClose(vals(got), vals(want), { rtol: 1e-5, atol: 1e-6 });
    }
  });

  const convCases: { x: number[]; f: number[]; args: ConvArgs }[] = [
    {
      x: [2, 9, 8, 3],
      f: [3, 3, 3, 5],
      args: { strides: [1, 1], dilations: [1, 1], padding: [0, 0, 0, 0], groups: 1 },
    },
    {
      x: [2, 9, 8, 3],
      f: [3, 2, 3, 4],
      args: { strides: [2, 1], dilations: [1, 1], padding: [1, 1, 0, 1], groups: 1 },
    },
    {
      x: [1, 11, 10, 2],
      f: [3, 3, 2, 3],
      args: { strides: [1, 2], dilations: [2, 2], padding: [2, 2, 2, 2], groups: 1 },
    },
    {
      x: [3, 5, 5, 17],
      f: [1, 1, 17, 7],
      args: { strides: [1, 1], dilations: [1, 1], padding: [0, 0, 0, 0], groups: 1 },
    },
    // A window of 45 values: im2col + GEMM (the cases above, 27 values or fewer, take the
    // direct kernels).
    {
      x: [2, 7, 7, 5],
      f: [3, 3, 5, 6],
      args: { strides: [1, 1], dilations: [1, 1], padding: [1, 1, 1, 1], groups: 1 },
    },
    // 36 values with strides, dilations and uneven padding: the implicit-im2col GEMM.
    {
      x: [2, 11, 10, 6],
      f: [3, 2, 6, 5],
      args: { strides: [2, 1], dilations: [1, 2], padding: [1, 0, 2, 1], groups: 1 },
    },
    // A first layer big enough for the direct kernels to split pixels over threads.
    {
      x: [4, 28, 28, 1],
      f: [3, 3, 1, 32],
      args: { strides: [1, 1], dilations: [1, 1], padding: [0, 0, 0, 0], groups: 1 },
    },
  ];
  it.each(convCases)('conv2d and both backprops match the reference ($x, $f)', ({ x, f, args }) => {
    const xv = rand(x.reduce((p, q) => p * q, 1));
    const fv = rand(f.reduce((p, q) => p * q, 1));
    const y = js.conv2d(h(xv), x, h(fv), f, args, 'float32');
    const yShape = [x[0]!, 0, 0, f[3]!];
    const oh =
      Math.floor(
        (x[1]! + args.padding[0] + args.padding[1] - (f[0]! - 1) * args.dilations[0] - 1) /
          args.strides[0],
      ) + 1;
    const ow =
      Math.floor(
        (x[2]! + args.padding[2] + args.padding[3] - (f[1]! - 1) * args.dilations[1] - 1) /
          args.strides[1],
      ) + 1;
    yShape[1] = oh;
    yShape[2] = ow;
    expectClose(vals(nb.conv2d(h(xv), x, h(fv), f, args, 'float32')), vals(y), {
      atol: 1e-5,
      rtol: 1e-4,
    });
    const dy = rand(vals(y).length);
    expectClose(
      vals(nb.conv2dBackpropInput(h(dy), yShape, h(fv), f, x, args, 'float32')),
      vals(js.conv2dBackpropInput(h(dy), yShape, h(fv), f, x, args, 'float32')),
      { atol: 1e-5, rtol: 1e-4 },
    );
    expectClose(
      vals(nb.conv2dBackpropFilter(h(xv), x, h(dy), yShape, f, args, 'float32')),
      vals(js.conv2dBackpropFilter(h(xv), x, h(dy), yShape, f, args, 'float32')),
      { atol: 1e-5, rtol: 1e-4 },
    );
  });

  it('maxPool2d and its backward match the reference, ties and NaN included', () => {
    const shape = [2, 7, 6, 3];
    const x = rand(2 * 7 * 6 * 3).map((v) => Math.round(v * 2) / 2);
    x[10] = Number.NaN;
    for (const args of [
      { poolSize: [2, 2], strides: [2, 2], padding: [0, 0, 0, 0] },
      { poolSize: [3, 3], strides: [1, 2], padding: [1, 1, 1, 1] },
    ] as PoolArgs[]) {
      const y = js.maxPool2d(h(x), shape, args, 'float32');
      expect(vals(nb.maxPool2d(h(x), shape, args, 'float32'))).toEqual(vals(y));
      const oh =
        Math.floor((7 + args.padding[0] + args.padding[1] - args.poolSize[0]) / args.strides[0]) +
        1;
      const ow =
        Math.floor((6 + args.padding[2] + args.padding[3] - args.poolSize[1]) / args.strides[1]) +
        1;
      const dy = rand(vals(y).length);
      const dyShape = [2, oh, ow, 3];
      expectClose(
        vals(nb.maxPool2dBackward(h(dy), dyShape, h(x), shape, args, 'float32')),
        vals(js.maxPool2dBackward(h(dy), dyShape, h(x), shape, args, 'float32')),
        { atol: 1e-6, rtol: 1e-6 },
      );
    }
  });

  it('gather and scatterAdd match the reference on every axis, repeated indices included', () => {
    const shape = [3, 50, 11];
    const x = rand(3 * 50 * 11);
    const idx = Int32Array.from({ length: 40 }, (_, i) => (i * 7) % 50);
    idx[5] = idx[6]!;
    for (const axis of [0, 1, 2]) {
      const ix = idx.map((v) => v % shape[axis]!);
      const got = nb.gather(h(x), shape, new JsData(ix), ix.length, axis, 'float32');
      const want = js.gather(h(x), shape, new JsData(ix), ix.length, axis, 'float32');
      expect(vals(got)).toEqual(vals(want));
      const outShape = [...shape];
      const uShape = [...shape];
      uShape[axis] = ix.length;
      const u = rand(uShape.reduce((p, q) => p * q, 1));
      expectClose(
        vals(nb.scatterAdd(h(u), new JsData(ix), ix.length, outShape, axis, 'float32')),
        vals(js.scatterAdd(h(u), new JsData(ix), ix.length, outShape, axis, 'float32')),
        { rtol: 1e-6, atol: 1e-6 },
      );
    }
    const bad = Int32Array.of(0, 50);
    expect(() => addon.gather(x, bad, new Float32Array(2 * 11 * 3), 3, 50, 2, 11)).toThrow(
      /native gather: index 50 at position 1 is outside \[0, 50\)/,
    );
  });

  it('adamStep applies the Adam formula into new storage, leaving its inputs alone', () => {
    const n = 1000;
    const p = rand(n);
    const g = rand(n);
    const m = rand(n, 0.1);
    const v = rand(n, 0.1).map(Math.abs);
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7];
    const want = p.map((pi, i) => {
      const mi = b1 * m[i]! + (1 - b1) * g[i]!;
      const vi = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      return pi - (lr * mi) / (Math.sqrt(vi) + eps);
    });
    const p0 = p.slice();
    const out = nb.adamStep(
      h(p),
      h(g),
      h(m),
      h(v),
      n,
      { lr, beta1: b1, beta2: b2, epsilon: eps },
      'float32',
    );
    expect(out).not.toBeNull();
    expectClose(vals(out![0]), want, { rtol: 1e-5, atol: 1e-6 });
    expect(p).toEqual(p0);
    expect(
      nb.adamStep(h(p), h(g), h(m), h(v), n, { lr, beta1: b1, beta2: b2, epsilon: eps }, 'float64'),
    ).toBeNull();
  });
});

describe('native backend fallback', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('a missing addon is reported and the registry falls back to the next backend', async () => {
    vi.stubEnv('TESSERA_NATIVE_ADDON', '/nonexistent/tessera_native.node');
    vi.stubEnv('TESSERA_BACKEND', '');
    vi.resetModules();
    const addonMod = await import('./addon.js');
    const r = addonMod.loadAddon();
    expect('error' in r && r.error).toMatch(
      /native addon not built \(\/nonexistent\/tessera_native\.node missing/,
    );
    await import('../node_backends.js');
    const registry = await import('../registry.js');
    const info = registry.backendInfo();
    expect(info.name).not.toBe('native');
    expect(info.reason).toMatch(/skipped native: native addon not built/);
    expect(() => registry.setBackend('native')).toThrow(
      /backend 'native' failed to start: native addon not built/,
    );
  });

  it('TESSERA_NO_NATIVE=1 disables the addon with a reason', async () => {
    vi.stubEnv('TESSERA_NO_NATIVE', '1');
    const addonMod = await import('./addon.js');
    const r = addonMod.loadAddon();
    expect('error' in r && r.error).toBe('disabled by TESSERA_NO_NATIVE=1');
  });
});
