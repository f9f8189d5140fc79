import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import type { TypedArray } from '../../tensor/dtype.js';
import type { BinaryOp, ConvArgs, DataHandle, MatmulArgs, PoolArgs, UnaryOp } from '../backend.js';
import { CpuBackend, JsBackend, JsData } from '../cpu/index.js';
import { WasmProvider, createWasmBackend } from './index.js';

const wasm = createWasmBackend();
const js = new JsBackend();

/** Deterministic uniform values in [lo, hi) (xorshift32). */
function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed * 2654435761 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}

function h(v: TypedArray): DataHandle {
  return new JsData(v);
}

function vals(d: DataHandle): TypedArray {
  return (d as JsData).values;
}

/** Signs of zeros must match too (Object.is), beyond expectClose. */
function expectSameZeros(actual: TypedArray, expected: TypedArray): void {
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] === 0)
      expect(Object.is(actual[i], expected[i]), `zero sign at ${i}`).toBe(true);
  }
}

describe('wasm backend: setup', () => {
  it('is the CPU backend named wasm with the SIMD kernel provider', () => {
    expect(wasm).toBeInstanceOf(CpuBackend);
    expect(wasm.provider).toBeInstanceOf(WasmProvider);
    expect(wasm.name).toBe('wasm');
    expect(['simd128', 'relaxed-simd']).toContain(wasm.provider.variant);
  });

  it('sends float64 to the js code unchanged', () => {
    const a = new Float64Array([1, 2, 3, 4, 5, 6]);
    const args: MatmulArgs = {
      batch: 1,
      m: 2,
      n: 2,
      k: 3,
      transA: false,
      transB: true,
      strideA: 0,
      strideB: 0,
    };
    const out = vals(wasm.matmul(h(a), h(a), args, 'float64'));
    expect(out).toBeInstanceOf(Float64Array);
    expect(Array.from(out)).toEqual([14, 32, 32, 77]);
  });
});

describe('wasm backend: matmul', () => {
  const sizes = [1, 7, 17, 63, 65];
  function check(args: MatmulArgs, aLen: number, bLen: number, seed: number): void {
    const a = h(rand(aLen, seed));
    const b = h(rand(bLen, seed + 1));
    const got = vals(wasm.matmul(a, b, args, 'float32'));
    const want = vals(js.matmul(a, b, args, 'float32'));
    expect(got).toBeInstanceOf(Float32Array);
    expectClose(got, want, { rtol: 1e-5, atol: 1e-6 * Math.max(1, args.k) });
  }

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`matches js on odd sizes, transA=${transA} transB=${transB}`, () => {
        let seed = 1;
        for (const m of sizes) {
          for (const n of sizes) {
            for (const k of sizes) {
              const args = { batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0 };
              check(args, m * k, k * n, seed++);
            }
          }
        }
      });
    }
  }

  it('matches js on a 1000-row product spanning several cache blocks', () => {
    for (const [transA, transB] of [
      [false, false],
      [true, true],
    ] as const) {
      const args = { batch: 1, m: 1000, n: 530, k: 300, transA, transB, strideA: 0, strideB: 0 };
      check(args, 1000 * 300, 300 * 530, 7);
    }
  });

  it('handles batches with a broadcast operand (stride 0) on either side', () => {
    const [m, n, k] = [9, 13, 11];
    check(
      { batch: 3, m, n, k, transA: false, transB: false, strideA: 0, strideB: k * n },
      m * k,
      3 * k * n,
      3,
    );
    check(
      { batch: 3, m, n, k, transA: true, transB: true, strideA: m * k, strideB: 0 },
      3 * m * k,
      k * n,
      4,
    );
    check(
      { batch: 2, m, n, k, transA: false, transB: true, strideA: m * k, strideB: k * n },
      2 * m * k,
      2 * k * n,
      5,
    );
  });

  it('gives zeros for k = 0 and an empty result for m = 0', () => {
    const args = {
      batch: 2,
      m: 3,
      n: 4,
      k: 0,
      transA: false,
      transB: false,
      strideA: 0,
      strideB: 0,
    };
    const out = vals(wasm.matmul(h(new Float32Array(0)), h(new Float32Array(0)), args, 'float32'));
    expect(Array.from(out)).toEqual(new Array(24).fill(0));
    const empty = { ...args, m: 0, k: 5 };
    expect(vals(wasm.matmul(h(new Float32Array(0)), h(rand(20, 1)), empty, 'float32')).length).toBe(
      0,
    );
  });

  it('grows its memory for a large op and stays correct for the small ops after it', () => {
    const before = wasm.provider.memoryBytes;
    const n = 700;
    const args = { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: 0, strideB: 0 };
    const big = vals(wasm.matmul(h(rand(n * n, 11)), h(rand(n * n, 12)), args, 'float32'));
    expect(big.length).toBe(n * n);
    expect(wasm.provider.memoryBytes).toBeGreaterThan(before);
    expect(Number.isFinite(big[n * n - 1]!)).toBe(true);
    const x = new Float32Array([1, -2, 3]);
    expect(Array.from(vals(wasm.unary('neg', h(x), 3, 'float32')))).toEqual([-1, 2, -3]);
    check(
      { batch: 1, m: 5, n: 6, k: 7, transA: false, transB: false, strideA: 0, strideB: 0 },
      35,
      42,
      13,
    );
  });
});

describe('wasm backend: convolution', () => {
  const cases: { name: string; x: number[]; f: number[]; args: ConvArgs }[] = [
    {
      name: 'valid 3×3',
      x: [2, 7, 6, 5],
      f: [3, 3, 5, 6],
      args: conv([1, 1], [1, 1], [0, 0, 0, 0]),
    },
    {
      name: 'stride 2',
      x: [2, 9, 8, 3],
      f: [3, 3, 3, 4],
      args: conv([2, 2], [1, 1], [0, 0, 0, 0]),
    },
    {
      name: 'dilation 2',
      x: [1, 9, 9, 4],
      f: [3, 2, 4, 5],
      args: conv([1, 1], [2, 2], [0, 0, 0, 0]),
    },
    {
      name: "'same' padding",
      x: [2, 6, 7, 3],
      f: [3, 3, 3, 7],
      args: conv([1, 1], [1, 1], [1, 1, 1, 1]),
    },
    {
      name: 'same, stride 2, odd pads',
      x: [1, 8, 7, 2],
      f: [4, 3, 2, 3],
      args: conv([2, 2], [1, 1], [1, 2, 1, 1]),
    },
    {
      name: 'groups = 2',
      x: [2, 6, 6, 4],
      f: [3, 3, 2, 6],
      args: conv([1, 1], [1, 1], [1, 1, 1, 1], 2),
    },
    {
      name: 'pointwise 1×1',
      x: [3, 4, 5, 6],
      f: [1, 1, 6, 9],
      args: conv([1, 1], [1, 1], [0, 0, 0, 0]),
    },
    {
      name: 'depthwise (js path)',
      x: [1, 5, 5, 3],
      f: [3, 3, 1, 6],
      args: conv([1, 1], [1, 1], [1, 1, 1, 1], 3),
    },
  ];

  function conv(
    strides: [number, number],
    dilations: [number, number],
    padding: [number, number, number, number],
    groups = 1,
  ): ConvArgs {
    return { strides, dilations, padding, groups };
  }

  const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);

  for (const { name, x: xs, f: fs, args } of cases) {
    it(`conv2d and both gradients match js: ${name}`, () => {
      const x = h(rand(size(xs), 21));
      const f = h(rand(size(fs), 22));
      const y = vals(js.conv2d(x, xs, f, fs, args, 'float32'));
      expectClose(vals(wasm.conv2d(x, xs, f, fs, args, 'float32')), y, { atol: 1e-5 });
      const ys = [xs[0]!, 0, 0, fs[3]!];
      const oh =
        Math.floor(
          (xs[1]! + args.padding[0] + args.padding[1] - ((fs[0]! - 1) * args.dilations[0] + 1)) /
            args.strides[0],
        ) + 1;
      const ow =
        Math.floor(
          (xs[2]! + args.padding[2] + args.padding[3] - ((fs[1]! - 1) * args.dilations[1] + 1)) /
            args.strides[1],
        ) + 1;
      ys[1] = oh;
      ys[2] = ow;
      expect(y.length).toBe(size(ys));
      const dy = h(rand(y.length, 23));
      expectClose(
        vals(wasm.conv2dBackpropInput(dy, ys, f, fs, xs, args, 'float32')),
        vals(js.conv2dBackpropInput(dy, ys, f, fs, xs, args, 'float32')),
        { atol: 1e-5 },
      );
      expectClose(
        vals(wasm.conv2dBackpropFilter(x, xs, dy, ys, fs, args, 'float32')),
        vals(js.conv2dBackpropFilter(x, xs, dy, ys, fs, args, 'float32')),
        { atol: 1e-5 },
      );
    });
  }
});

describe('wasm backend: pooling', () => {
  const cases: { name: string; x: [number, number, number, number]; args: PoolArgs }[] = [
    { name: '2×2 stride 2, 5 channels', x: [2, 6, 7, 5], args: pool([2, 2], [2, 2], [0, 0, 0, 0]) },
    {
      name: '3×3 stride 1, same padding, 8 channels',
      x: [1, 5, 5, 8],
      args: pool([3, 3], [1, 1], [1, 1, 1, 1]),
    },
    {
      name: '3×2 stride 2, odd padding, 3 channels',
      x: [2, 7, 6, 3],
      args: pool([3, 2], [2, 2], [1, 1, 0, 1]),
    },
  ];

  function pool(
    poolSize: [number, number],
    strides: [number, number],
    padding: [number, number, number, number],
  ): PoolArgs {
    return { poolSize, strides, padding };
  }

  for (const { name, x: xs, args } of cases) {
    it(`max and avg pools and their gradients match js: ${name}`, () => {
      const n = xs.reduce((p, d) => p * d, 1);
      const xv = rand(n, 31);
      // Ties, signed zeros and NaN: the first maximum must win exactly as in js.
      xv[0] = Number.NaN;
      xv[5] = xv[10]!;
      xv[7] = -0;
      xv[12] = 0;
      const x = h(xv);
      const y = vals(js.maxPool2d(x, xs, args, 'float32'));
      const got = vals(wasm.maxPool2d(x, xs, args, 'float32'));
      expectClose(got, y, { rtol: 0, atol: 0 });
      expectSameZeros(got, y);
      const oh =
        Math.floor(
          (xs[1] + args.padding[0] + args.padding[1] - args.poolSize[0]) / args.strides[0],
        ) + 1;
      const ow =
        Math.floor(
          (xs[2] + args.padding[2] + args.padding[3] - args.poolSize[1]) / args.strides[1],
        ) + 1;
      const ys = [xs[0], oh, ow, xs[3]];
      expect(y.length).toBe(ys.reduce((p, d) => p * d, 1));
      const dy = h(rand(y.length, 32));
      expectClose(
        vals(wasm.maxPool2dBackward(dy, ys, x, xs, args, 'float32')),
        vals(js.maxPool2dBackward(dy, ys, x, xs, args, 'float32')),
      );
      const xf = h(rand(n, 33));
      expectClose(
        vals(wasm.avgPool2d(xf, xs, args, 'float32')),
        vals(js.avgPool2d(xf, xs, args, 'float32')),
      );
      expectClose(
        vals(wasm.avgPool2dBackward(dy, ys, xs, args, 'float32')),
        vals(js.avgPool2dBackward(dy, ys, xs, args, 'float32')),
      );
    });
  }
});

describe('wasm backend: unary', () => {
  const special = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    1e-40,
    -1e-40,
    1e-8,
    -1e-8,
    1e-3,
    -1e-3,
    0.3,
    -0.3,
    0.62,
    0.63,
    -0.63,
    1,
    -1,
    2.5,
    -2.5,
    6,
    6.5,
    10,
    -10,
    20,
    -20,
    40,
    -40,
    87,
    -87,
    88.5,
    -88.5,
    89,
    -100,
    -104,
    1e30,
    -1e30,
  ];
  const ops: UnaryOp[] = [
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
  ];
  const data = new Float32Array([...special, ...rand(203, 41, -30, 30), ...rand(101, 42, 0, 3)]);

  for (const op of ops) {
    it(`${op} matches js, NaN, ±Infinity and −0 included`, () => {
      const param = op === 'elu' ? 1 : op === 'leakyRelu' ? 0.2 : 0;
      const got = vals(wasm.unary(op, h(data), data.length, 'float32', param));
      const want = vals(js.unary(op, h(data), data.length, 'float32', param));
      expect(got).toBeInstanceOf(Float32Array);
      // Subnormal results may flush differently; the absolute floor covers them.
      expectClose(got, want, { rtol: 2e-6, atol: 1e-37 });
      expectSameZeros(got, want);
    });
  }

  it('leaves ops it does not accelerate (and non-float32 dtypes) to js', () => {
    const x = new Float32Array([0.5, -1.5, 2.5]);
    expect(Array.from(vals(wasm.unary('round', h(x), 3, 'float32')))).toEqual([0, -2, 2]);
    const i = new Int32Array([3, -4]);
    expect(Array.from(vals(wasm.unary('neg', h(i), 2, 'int32')))).toEqual([-3, 4]);
  });
});

describe('wasm backend: binary', () => {
  const ops: BinaryOp[] = [
    'add',
    'sub',
    'mul',
    'div',
    'maximum',
    'minimum',
    'squaredDifference',
    'reluGrad',
  ];
  const shapes: [number[], number[], number[]][] = [
    [
      [5, 7],
      [5, 7],
      [5, 7],
    ],
    [[3, 11], [1], [3, 11]],
    [[], [4, 5], [4, 5]],
    [[6, 9], [9], [6, 9]],
    [[9], [6, 9], [6, 9]],
    [[2, 3, 5], [5], [2, 3, 5]],
    [
      [4, 6],
      [4, 1],
      [4, 6],
    ],
    [
      [4, 1],
      [1, 6],
      [4, 6],
    ],
    [
      [2, 1, 5],
      [2, 3, 5],
      [2, 3, 5],
    ],
    [[13], [13], [13]],
    // From here on at least MIN_WASM_BINARY (128) elements, so the wasm kernels run.
    [
      [25, 7],
      [25, 7],
      [25, 7],
    ],
    [[13, 11], [1], [13, 11]],
    [[], [32, 5], [32, 5]],
    [[16, 9], [9], [16, 9]],
    [[9], [16, 9], [16, 9]],
    [
      [16, 9],
      [1, 9],
      [16, 9],
    ],
    [[1, 16, 9], [9], [1, 16, 9]],
    [[9, 3, 5], [5], [9, 3, 5]],
    [
      [9, 3, 5],
      [3, 5],
      [9, 3, 5],
    ],
    [
      [24, 6],
      [24, 1],
      [24, 6],
    ],
    [
      [24, 1],
      [1, 6],
      [24, 6],
    ],
    [
      [9, 1, 5],
      [9, 3, 5],
      [9, 3, 5],
    ],
    [[131], [131], [131]],
  ];
  const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);

  for (const op of ops) {
    it(`${op} matches js on equal, scalar, row, per-row and general broadcasts`, () => {
      let seed = 51;
      for (const [as, bs, os] of shapes) {
        const av = rand(size(as), seed++, -2, 2);
        const bv = rand(size(bs), seed++, -2, 2);
        if (av.length > 4) {
          av[0] = Number.NaN;
          av[1] = -0;
          av[2] = 0;
          av[3] = Number.POSITIVE_INFINITY;
        }
        if (bv.length > 4) {
          bv[1] = 0;
          bv[2] = -0;
          bv[4] = Number.NaN;
        }
        const got = vals(wasm.binary(op, h(av), as, h(bv), bs, os, 'float32', 'float32'));
        const want = vals(js.binary(op, h(av), as, h(bv), bs, os, 'float32', 'float32'));
        expect(got).toBeInstanceOf(Float32Array);
        expectClose(got, want, { rtol: 0, atol: 0 });
        expectSameZeros(got, want);
      }
    });
  }
});

describe('wasm backend: comparisons and where', () => {
  const shapes: [number[], number[], number[]][] = [
    [
      [5, 7],
      [5, 7],
      [5, 7],
    ],
    [[3, 11], [], [3, 11]],
    [[1], [4, 5], [4, 5]],
    [[6, 9], [9], [6, 9]],
    [
      [4, 6],
      [4, 1],
      [4, 6],
    ],
    [
      [2, 1, 5],
      [2, 3, 5],
      [2, 3, 5],
    ],
  ];
  const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);
  const ops: BinaryOp[] = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];

  for (const op of ops) {
    it(`${op} gives the same bool mask as js, NaN included`, () => {
      let seed = 81;
      for (const [as, bs, os] of shapes) {
        // Few distinct values, so equal pairs occur.
        const av = rand(size(as), seed++, -2, 2).map((v) => Math.round(v));
        const bv = rand(size(bs), seed++, -2, 2).map((v) => Math.round(v));
        av[0] = Number.NaN;
        if (bv.length > 2) bv[2] = Number.NaN;
        const got = vals(wasm.binary(op, h(av), as, h(bv), bs, os, 'float32', 'bool'));
        const want = vals(js.binary(op, h(av), as, h(bv), bs, os, 'float32', 'bool'));
        expect(got).toBeInstanceOf(Uint8Array);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    });
  }

  it('where matches js for full, scalar, row and per-row operands', () => {
    const cases: [number[], number[], number[], number[]][] = [
      [[5, 7], [5, 7], [], [5, 7]],
      [[5, 7], [], [5, 7], [5, 7]],
      [[5, 7], [7], [5, 1], [5, 7]],
      [
        [5, 1],
        [5, 7],
        [5, 7],
        [5, 7],
      ],
      [[], [3, 4], [3, 4], [3, 4]],
      [[7], [5, 7], [], [5, 7]],
      [
        [2, 1, 3],
        [2, 4, 3],
        [2, 4, 3],
        [2, 4, 3],
      ],
    ];
    let seed = 91;
    for (const [cs, as, bs, os] of cases) {
      const c = new Uint8Array(size(cs)).map((_, i) => ((i * 7 + seed) % 3 === 0 ? 1 : 0));
      const av = rand(size(as), seed++);
      const bv = rand(size(bs), seed++);
      const got = vals(wasm.where(h(c), cs, h(av), as, h(bv), bs, os, 'float32'));
      const want = vals(js.where(h(c), cs, h(av), as, h(bv), bs, os, 'float32'));
      expect(got).toBeInstanceOf(Float32Array);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
});

describe('wasm backend: reductions and softmax', () => {
  const shape = [3, 5, 7, 6];
  const x = h(rand(3 * 5 * 7 * 6, 61, -3, 3));

  it('sum matches js over leading, trailing, all and middle axes', () => {
    for (const axes of [[3], [2, 3], [0], [0, 1], [0, 1, 2, 3], [1], [1, 2], [0, 2]]) {
      const got = vals(wasm.reduce('sum', x, shape, axes, 'float32', 'float32'));
      const want = vals(js.reduce('sum', x, shape, axes, 'float32', 'float32'));
      expectClose(got, want, { rtol: 1e-6, atol: 1e-6 });
    }
  });

  it('softmax and logSoftmax match js, including rows with ±Infinity and NaN', () => {
    const v = rand(4 * 9, 62, -5, 5);
    v[2] = Number.POSITIVE_INFINITY;
    v[9] = Number.NEGATIVE_INFINITY;
    v[19] = Number.NaN;
    for (let i = 27; i < 36; i++) v[i] = Number.NEGATIVE_INFINITY;
    for (const s of [
      [4, 9],
      [2, 2, 9],
    ]) {
      expectClose(
        vals(wasm.softmax(h(v), s, s.length - 1, 'float32')),
        vals(js.softmax(h(v), s, s.length - 1, 'float32')),
      );
      expectClose(
        vals(wasm.logSoftmax(h(v), s, s.length - 1, 'float32')),
        vals(js.logSoftmax(h(v), s, s.length - 1, 'float32')),
      );
    }
    const w = rand(3 * 1000, 63, -20, 20);
    expectClose(
      vals(wasm.softmax(h(w), [3, 1000], 1, 'float32')),
      vals(js.softmax(h(w), [3, 1000], 1, 'float32')),
    );
    expectClose(
      vals(wasm.softmax(h(w), [3, 1000], 0, 'float32')),
      vals(js.softmax(h(w), [3, 1000], 0, 'float32')),
    );
  });
});

describe('wasm backend: fused Adam step', () => {
  it('equals the tensor formula rounded to float32 after every operation', () => {
    const n = 37;
    const p = rand(n, 71);
    const g = rand(n, 72);
    const m = rand(n, 73, -0.1, 0.1);
    const v = rand(n, 74, 0, 0.01);
    const hyper = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    const out = wasm.adamStep(h(p), h(g), h(m), h(v), n, hyper, 'float32');
    expect(out).not.toBeNull();
    const [po, mo, vo] = out!.map(vals);
    const f = Math.fround;
    const c1 = f(1 - hyper.beta1);
    const c2 = f(1 - hyper.beta2);
    for (let i = 0; i < n; i++) {
      const m2 = f(m[i]! + f(f(g[i]! - m[i]!) * c1));
      const v2 = f(v[i]! + f(f(f(g[i]! * g[i]!) - v[i]!) * c2));
      const step = f(f(m2 * f(hyper.lr)) / f(f(Math.sqrt(v2)) + f(hyper.epsilon)));
      expect(mo![i]).toBe(m2);
      expect(vo![i]).toBe(v2);
      expect(po![i]).toBe(f(p[i]! - step));
    }
    expect(Array.from(p)).toEqual(Array.from(rand(n, 71)));
  });
});

describe('wasm backend: fused LSTM gates', () => {
  // Saturating, signed-zero and non-finite values sprinkled through the gates and the state.
  const zSpecial = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    20,
    -20,
    9,
    -9,
  ];
  const cSpecial = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 5, -5];

  function withSpecials(
    v: Float32Array,
    special: number[],
    every: number,
    seed: number,
  ): Float32Array {
    for (let i = seed % every, k = seed; i < v.length; i += every, k++) {
      v[i] = special[k % special.length]!;
    }
    return v;
  }

  // Every remainder of units mod 4, with and without whole vectors before it.
  for (const units of [1, 3, 6, 7, 8, 33]) {
    for (const batch of [1, 5, 64]) {
      it(`lstmCell and lstmCellGrad match js for batch ${batch}, units ${units}`, () => {
        const seed = units * 100 + batch;
        const z = withSpecials(rand(batch * 4 * units, seed, -4, 4), zSpecial, 11, seed);
        const c = withSpecials(rand(batch * units, seed + 1, -3, 3), cSpecial, 13, seed);
        const dhc = rand(batch * 2 * units, seed + 2);
        const got = vals(wasm.lstmCell(h(z), h(c), batch, units, 'float32'));
        const want = vals(js.lstmCell(h(z), h(c), batch, units, 'float32'));
        expect(got).toBeInstanceOf(Float32Array);
        expectClose(got, want, { rtol: 1e-5, atol: 1e-6 });

        const [dz, dc] = wasm.lstmCellGrad(h(z), h(c), h(want), h(dhc), batch, units, 'float32');
        const [wdz, wdc] = js.lstmCellGrad(h(z), h(c), h(want), h(dhc), batch, units, 'float32');
        expect(vals(dz)).toBeInstanceOf(Float32Array);
        expectClose(vals(dz), vals(wdz), { rtol: 1e-5, atol: 1e-6 });
        expectClose(vals(dc), vals(wdc), { rtol: 1e-5, atol: 1e-6 });
        // The inputs are left as they were.
        expect(Array.from(dhc)).toEqual(Array.from(rand(batch * 2 * units, seed + 2)));
      });
    }
  }

  it('keeps the gradient accurate where the gates saturate', () => {
    // σ'(12) ≈ 6e-6 and 1 − tanh²(6) ≈ 2.5e-5 lose most of their digits as 1 − σ and 1 − tanh².
    const units = 4;
    const z = new Float32Array([12, -12, 15, 3, 12, 16, -15, 2, 6, -6, 7, 1, 12, -12, 9, 0.5]);
    const c = new Float32Array([1, -1, 2, 0.5]);
    const dhc = new Float32Array([1, 1, 1, 1, 0, 0, 0, 0]);
    const hc = vals(js.lstmCell(h(z), h(c), 1, units, 'float32'));
    const [dz] = wasm.lstmCellGrad(h(z), h(c), h(hc), h(dhc), 1, units, 'float32');
    const [wdz] = js.lstmCellGrad(h(z), h(c), h(hc), h(dhc), 1, units, 'float32');
    expectClose(vals(dz), vals(wdz), { rtol: 1e-4, atol: 0 });
  });

  it('leaves float64 to the js reference', () => {
    const z = new Float64Array(rand(2 * 4 * 3, 5));
    const c = new Float64Array(rand(2 * 3, 6));
    const got = vals(wasm.lstmCell(h(z), h(c), 2, 3, 'float64'));
    expect(got).toBeInstanceOf(Float64Array);
    expect(Array.from(got)).toEqual(Array.from(vals(js.lstmCell(h(z), h(c), 2, 3, 'float64'))));
  });
});

describe('wasm backend: asynchronous set-up (browsers)', () => {
  it('compiles the kernels asynchronously into a working runtime of the same variant', async () => {
    const { WasmRuntime, sharedRuntime } = await import('./runtime.js');
    const rt = await WasmRuntime.loadAsync();
    expect(rt.variant).toBe(sharedRuntime().variant);
    // The async runtime computes what the shared one does (a small GEMM through its memory).
    rt.reset();
    const a = rt.put(Float32Array.of(1, 2, 3, 4));
    const b = rt.put(Float32Array.of(5, 6, 7, 8));
    const c = rt.alloc(4);
    rt.k.gemm(0, 0, 2, 2, 2, a, 2, b, 2, c, 2, 0, rt.work);
    expect(Array.from(rt.get(c, 4))).toEqual([19, 22, 43, 50]);
  });

  it('ready() resolves to the automatically chosen backend', async () => {
    const { ready, getBackend } = await import('../registry.js');
    const b = await ready();
    expect(b).toBe(getBackend());
    expect(['native', 'wasm', 'js']).toContain(b.name);
  });
});
