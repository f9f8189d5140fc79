import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck, randomValues } from '../../test/helpers/grad_check.js';
import { rng } from '../../test/helpers/rng.js';
import { variable } from '../autograd/variable.js';
import type { ConvArgs, PoolArgs } from '../backend/backend.js';
import { BaseBackend } from '../backend/base.js';
import { JsBackend } from '../backend/cpu/index.js';
import { ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  biasAdd,
  conv1d,
  conv2d,
  conv2dTranspose,
  deconvOutputLength,
  depthwiseConv2d,
  separableConv2d,
} from './conv.js';
import { tensor, zeros } from './creation.js';
import { transpose } from './movement.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function randomArray(shape: readonly number[], seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: sizeOf(shape) }, () => 2 * r() - 1);
}

function randomTensor(shape: number[], seed: number): Tensor {
  return tensor(randomArray(shape, seed), shape);
}

function toTf<R extends tf.Rank>(t: Tensor): tf.Tensor<R> {
  return tf.tensor(Array.from(t.dataSync()), [...t.shape] as number[]) as unknown as tf.Tensor<R>;
}

const TOL = { rtol: 1e-4, atol: 1e-5 };

interface NaiveConv {
  strides?: [number, number];
  dilations?: [number, number];
  /** [top, bottom, left, right] */
  pads?: [number, number, number, number];
  groups?: number;
}

/**
 * Direct 2-D convolution by definition, in float64: for every output element, the sum over
 * kernel taps and the group's input channels, with zeros outside x.
 */
function naiveConv2d(
  x: ArrayLike<number>,
  xs: readonly number[],
  k: ArrayLike<number>,
  ks: readonly number[],
  o: NaiveConv = {},
): { values: number[]; shape: number[] } {
  const [n, h, w, c] = xs as [number, number, number, number];
  const [kh, kw, cg, cout] = ks as [number, number, number, number];
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const [pt, pb, pl, pr] = o.pads ?? [0, 0, 0, 0];
  const groups = o.groups ?? 1;
  const coutG = cout / groups;
  expect(cg * groups).toBe(c);
  const oh = Math.floor((h + pt + pb - (kh - 1) * dh - 1) / sh) + 1;
  const ow = Math.floor((w + pl + pr - (kw - 1) * dw - 1) / sw) + 1;
  const values: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let oc = 0; oc < cout; oc++) {
          const g = Math.floor(oc / coutG);
          let s = 0;
          for (let di = 0; di < kh; di++)
            for (let dj = 0; dj < kw; dj++) {
              const y = i * sh + di * dh - pt;
              const xx = j * sw + dj * dw - pl;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              for (let ci = 0; ci < cg; ci++) {
                const xv = x[((b * h + y) * w + xx) * c + g * cg + ci]!;
                s += xv * k[((di * kw + dj) * cg + ci) * cout + oc]!;
              }
            }
          values.push(s);
        }
  return { values, shape: [n, oh, ow, cout] };
}

describeBackends('conv2d: values', () => {
  it('hand-computed: a 2×2 difference kernel', () => {
    // x[i, j] = 4i + j; k = [[1, 0], [0, -1]] → y[i, j] = x[i, j] − x[i+1, j+1] = −5.
    const x = tensor(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    const k = tensor([1, 0, 0, -1], [2, 2, 1, 1]);
    expectClose(conv2d(x, k), new Array(9).fill(-5));
    expect(conv2d(x, k).shape).toEqual([1, 3, 3, 1]);
    // 'same' pads one row/column after (TensorFlow's split): the last row/column sees zeros.
    const same = conv2d(x, k, { padding: 'same' }).dataSync();
    expect(Array.from(same)).toEqual([
      -5, -5, -5, 3, -5, -5, -5, 7, -5, -5, -5, 11, 12, 13, 14, 15,
    ]);
  });

  const cases: {
    name: string;
    xs: number[];
    ks: number[];
    opts: Parameters<typeof conv2d>[2];
    naive: NaiveConv;
  }[] = [
    { name: 'valid', xs: [2, 6, 5, 3], ks: [3, 2, 3, 4], opts: {}, naive: {} },
    {
      name: 'strides 2, same',
      xs: [2, 7, 6, 3],
      ks: [3, 3, 3, 5],
      opts: { strides: 2, padding: 'same' },
      // out 4×3: rows (3·2 + 3 − 7) = 2 → [1, 1]; cols (2·2 + 3 − 6) = 1 → [0, 1].
      naive: { strides: [2, 2], pads: [1, 1, 0, 1] },
    },
    {
      name: 'strides [2, 1], kernel 2×3, same',
      xs: [1, 5, 5, 2],
      ks: [2, 3, 2, 3],
      opts: { strides: [2, 1], padding: 'same' },
      naive: { strides: [2, 1], pads: [0, 1, 1, 1] },
    },
    {
      name: 'dilation 2, same',
      xs: [1, 7, 7, 2],
      ks: [3, 3, 2, 3],
      opts: { dilationRate: 2, padding: 'same' },
      naive: { dilations: [2, 2], pads: [2, 2, 2, 2] },
    },
    {
      name: 'dilation [2, 1] with strides 2 (valid)',
      xs: [1, 9, 8, 2],
      ks: [3, 2, 2, 2],
      opts: { dilationRate: [2, 1], strides: 2 },
      naive: { dilations: [2, 1], strides: [2, 2] },
    },
    {
      name: 'groups 2',
      xs: [2, 5, 5, 4],
      ks: [3, 3, 2, 6],
      opts: { groups: 2, padding: 'same' },
      naive: { groups: 2, pads: [1, 1, 1, 1] },
    },
    {
      name: 'groups = channels (depthwise path), multiplier 2, strides 2',
      xs: [2, 6, 6, 3],
      ks: [3, 3, 1, 6],
      opts: { groups: 3, strides: 2 },
      naive: { groups: 3, strides: [2, 2] },
    },
    { name: '1×1 (pointwise path)', xs: [2, 4, 3, 5], ks: [1, 1, 5, 3], opts: {}, naive: {} },
    {
      name: '1×1 with strides 2',
      xs: [1, 5, 5, 2],
      ks: [1, 1, 2, 3],
      opts: { strides: 2 },
      naive: { strides: [2, 2] },
    },
  ];
  for (const c of cases) {
    it(`matches a direct convolution: ${c.name}`, () => {
      const x = randomTensor(c.xs, 1);
      const k = randomTensor(c.ks, 2);
      const ref = naiveConv2d(x.dataSync(), c.xs, k.dataSync(), c.ks, c.naive);
      const y = conv2d(x, k, c.opts);
      expect(y.shape).toEqual(ref.shape);
      expectClose(y, ref.values, { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('channelsFirst equals channelsLast between transposes', () => {
    const x = randomTensor([2, 3, 6, 5], 3); // NCHW
    const k = randomTensor([3, 3, 3, 4], 4);
    const opts = { strides: 2, padding: 'same' as const };
    const y = conv2d(x, k, { ...opts, dataFormat: 'channelsFirst' });
    const ref = transpose(conv2d(transpose(x, [0, 2, 3, 1]), k, opts), [0, 3, 1, 2]);
    expect(y.shape).toEqual([2, 4, 3, 3]);
    expectClose(y, ref);
    // Keras's spelling is accepted.
    expectClose(conv2d(x, k, { ...opts, dataFormat: 'channels_first' }), ref);
  });

  it('promotes int32 inputs to float32', () => {
    const y = conv2d(tensor([[[[1], [2]]]], undefined, 'int32'), tensor([[[[3]]]]));
    expect(y.dtype).toBe('float32');
    expectClose(y, [3, 6]);
  });
});

describeBackends('conv ops vs TensorFlow.js', () => {
  for (const pad of ['valid', 'same'] as const) {
    for (const s of [1, 2]) {
      it(`conv2d, padding ${pad}, strides ${s}`, () => {
        const x = randomTensor([2, 9, 8, 3], 5);
        const k = randomTensor([3, 3, 3, 4], 6);
        const y = conv2d(x, k, { strides: s, padding: pad });
        const ty = tf.conv2d(toTf<tf.Rank.R4>(x), toTf<tf.Rank.R4>(k), s, pad);
        expect(y.shape).toEqual(ty.shape);
        expectClose(y, ty.dataSync(), TOL);
      });
    }
  }

  it('conv2d with dilation 2 (same)', () => {
    const x = randomTensor([1, 8, 9, 2], 7);
    const k = randomTensor([3, 2, 2, 3], 8);
    const y = conv2d(x, k, { dilationRate: 2, padding: 'same' });
    const ty = tf.conv2d(toTf<tf.Rank.R4>(x), toTf<tf.Rank.R4>(k), 1, 'same', 'NHWC', 2);
    expectClose(y, ty.dataSync(), TOL);
  });

  for (const [pad, s, d] of [
    ['valid', 1, 1],
    ['same', 2, 1],
    ['same', 1, 2],
  ] as const) {
    it(`conv1d, padding ${pad}, stride ${s}, dilation ${d}`, () => {
      const x = randomTensor([2, 11, 3], 9);
      const k = randomTensor([3, 3, 4], 10);
      const y = conv1d(x, k, { strides: s, padding: pad, dilationRate: d });
      const ty = tf.conv1d(toTf<tf.Rank.R3>(x), toTf<tf.Rank.R3>(k), s, pad, 'NWC', d);
      expect(y.shape).toEqual(ty.shape);
      expectClose(y, ty.dataSync(), TOL);
    });
  }

  for (const pad of ['valid', 'same'] as const) {
    for (const [s, kSize] of [
      [1, 3],
      [2, 3],
      [2, 2],
      [3, 2],
    ] as const) {
      it(`conv2dTranspose, padding ${pad}, strides ${s}, kernel ${kSize}`, () => {
        const x = randomTensor([2, 4, 5, 3], 11);
        const k = randomTensor([kSize, kSize, 2, 3], 12); // [kh, kw, filters, in]
        const y = conv2dTranspose(x, k, { strides: s, padding: pad });
        const oh = deconvOutputLength(4, kSize, pad, null, s);
        const ow = deconvOutputLength(5, kSize, pad, null, s);
        expect(y.shape).toEqual([2, oh, ow, 2]);
        const ty = tf.conv2dTranspose(
          toTf<tf.Rank.R4>(x),
          toTf<tf.Rank.R4>(k),
          [2, oh, ow, 2],
          s,
          pad,
        );
        expectClose(y, ty.dataSync(), TOL);
      });
    }
  }

  for (const [m, s, d, pad] of [
    [1, 1, 1, 'valid'],
    [2, 2, 1, 'same'],
    [2, 1, 2, 'same'],
  ] as const) {
    it(`depthwiseConv2d, multiplier ${m}, strides ${s}, dilation ${d}, ${pad}`, () => {
      const x = randomTensor([2, 7, 6, 3], 13);
      const k = randomTensor([3, 3, 3, m], 14);
      const y = depthwiseConv2d(x, k, { strides: s, dilationRate: d, padding: pad });
      const ty = tf.depthwiseConv2d(toTf<tf.Rank.R4>(x), toTf<tf.Rank.R4>(k), s, pad, 'NHWC', d);
      expect(y.shape).toEqual(ty.shape);
      expectClose(y, ty.dataSync(), TOL);
    });
  }

  it('separableConv2d', () => {
    const x = randomTensor([2, 6, 7, 3], 15);
    const dk = randomTensor([3, 3, 3, 2], 16);
    const pk = randomTensor([1, 1, 6, 4], 17);
    const y = separableConv2d(x, dk, pk, { padding: 'same', strides: 2 });
    const ty = tf.separableConv2d(
      toTf<tf.Rank.R4>(x),
      toTf<tf.Rank.R4>(dk),
      toTf<tf.Rank.R4>(pk),
      2,
      'same',
    );
    expect(y.shape).toEqual(ty.shape);
    expectClose(y, ty.dataSync(), TOL);
  });
});

describe('conv gradients vs TensorFlow.js (tf.grads)', () => {
  for (const [pad, s] of [
    ['valid', 1],
    ['same', 2],
  ] as const) {
    it(`conv2d, padding ${pad}, strides ${s}: dx and dkernel`, () => {
      const x = randomTensor([2, 7, 6, 3], 21);
      const k = randomTensor([3, 3, 3, 4], 22);
      const y = conv2d(x, k, { strides: s, padding: pad });
      const dy = randomTensor([...y.shape], 23);
      const [gx, gk] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad),
      )([toTf(x), toTf(k)], toTf(dy));
      const xv = variable(x);
      const kv = variable(k);
      conv2d(xv, kv, { strides: s, padding: pad }).backward(dy);
      expectClose(xv.grad!, gx!.dataSync(), TOL);
      expectClose(kv.grad!, gk!.dataSync(), TOL);
    });
  }

  it('conv2dTranspose (same, strides 2): dx and dkernel', () => {
    const x = randomTensor([2, 3, 4, 3], 24);
    const k = randomTensor([3, 3, 2, 3], 25);
    const y = conv2dTranspose(x, k, { strides: 2, padding: 'same' });
    const dy = randomTensor([...y.shape], 26);
    const [gx, gk] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 6, 8, 2], 2, 'same'),
    )([toTf(x), toTf(k)], toTf(dy));
    const xv = variable(x);
    const kv = variable(k);
    conv2dTranspose(xv, kv, { strides: 2, padding: 'same' }).backward(dy);
    expectClose(xv.grad!, gx!.dataSync(), TOL);
    expectClose(kv.grad!, gk!.dataSync(), TOL);
  });

  it('depthwiseConv2d (multiplier 2, same): dx and dkernel', () => {
    const x = randomTensor([2, 5, 6, 3], 27);
    const k = randomTensor([3, 3, 3, 2], 28);
    const y = depthwiseConv2d(x, k, { padding: 'same' });
    const dy = randomTensor([...y.shape], 29);
    const [gx, gk] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'),
    )([toTf(x), toTf(k)], toTf(dy));
    const xv = variable(x);
    const kv = variable(k);
    depthwiseConv2d(xv, kv, { padding: 'same' }).backward(dy);
    expectClose(xv.grad!, gx!.dataSync(), TOL);
    expectClose(kv.grad!, gk!.dataSync(), TOL);
  });
});

describe('conv gradient checks (float64, central differences)', () => {
  const x = (shape: number[], seed = 1) => randomValues(shape, seed);
  it('conv2d: strides 2, same padding', () => {
    gradCheck(
      (a, b) => conv2d(a, b, { strides: 2, padding: 'same' }),
      [x([2, 5, 4, 2]), x([3, 3, 2, 3], 2)],
    );
  });
  it('conv2d: dilation 2', () => {
    gradCheck((a, b) => conv2d(a, b, { dilationRate: 2 }), [x([1, 6, 5, 2]), x([2, 2, 2, 2], 2)]);
  });
  it('conv2d: groups 2, channelsFirst', () => {
    gradCheck(
      (a, b) => conv2d(a, b, { groups: 2, padding: 'same', dataFormat: 'channelsFirst' }),
      [x([2, 4, 4, 3]), x([3, 2, 2, 4], 2)],
    );
  });
  it('conv2d: 1×1 pointwise', () => {
    gradCheck((a, b) => conv2d(a, b), [x([2, 3, 2, 3]), x([1, 1, 3, 2], 2)]);
  });
  it('conv1d: causal, dilation 2', () => {
    gradCheck(
      (a, b) => conv1d(a, b, { padding: 'causal', dilationRate: 2 }),
      [x([2, 6, 2]), x([2, 2, 3], 2)],
    );
  });
  it('conv2dTranspose: strides 2, same, outputPadding 1', () => {
    gradCheck(
      (a, b) => conv2dTranspose(a, b, { strides: 2, padding: 'same', outputPadding: 1 }),
      [x([1, 3, 3, 2]), x([3, 3, 2, 2], 2)],
    );
  });
  it('conv2dTranspose: valid, channelsFirst', () => {
    gradCheck(
      (a, b) => conv2dTranspose(a, b, { strides: [2, 1], dataFormat: 'channelsFirst' }),
      [x([1, 2, 3, 3]), x([2, 2, 3, 2], 2)],
    );
  });
  it('depthwiseConv2d: multiplier 2, strides 2, same', () => {
    gradCheck(
      (a, b) => depthwiseConv2d(a, b, { strides: 2, padding: 'same' }),
      [x([2, 5, 5, 2]), x([3, 3, 2, 2], 2)],
    );
  });
  it('separableConv2d', () => {
    gradCheck(
      (a, b, c) => separableConv2d(a, b, c, { padding: 'same' }),
      [x([1, 4, 4, 2]), x([3, 3, 2, 2], 2), x([1, 1, 4, 3], 3)],
    );
  });
  it('biasAdd: channelsLast and channelsFirst', () => {
    gradCheck((a, b) => biasAdd(a, b), [x([2, 3, 4]), x([4], 2)]);
    gradCheck((a, b) => biasAdd(a, b, 'channelsFirst'), [x([2, 4, 3]), x([4], 2)]);
  });
  it('second order: the gradient of a conv2d gradient (conv2dBackpropInput/Filter backwards)', () => {
    // f(x, k) = conv2dTranspose(x, k) is conv2dBackpropInput; its own backward uses conv2d and
    // conv2dBackpropFilter, so checking it covers all three recorded ops.
    gradCheck(
      (a, b) => conv2dTranspose(a, b, { strides: 2 }).square(),
      [x([1, 2, 3, 2]), x([2, 3, 2, 2], 2)],
    );
  });
});

describe('conv2dTranspose output sizes (Keras deconv_output_length)', () => {
  it('follows the Keras table', () => {
    // [n, k, padding, outputPadding, stride, dilation] → length
    const table: [number, number, 'valid' | 'same', number | null, number, number, number][] = [
      [4, 3, 'valid', null, 1, 1, 6],
      [4, 3, 'valid', null, 2, 1, 9],
      [4, 2, 'valid', null, 3, 1, 12],
      [4, 3, 'same', null, 2, 1, 8],
      [4, 3, 'same', 1, 2, 1, 8],
      [4, 3, 'same', 0, 2, 1, 7],
      [4, 3, 'valid', 1, 2, 1, 10],
      [5, 3, 'valid', null, 1, 2, 9],
    ];
    for (const [n, k, p, op, s, d, want] of table) {
      expect(deconvOutputLength(n, k, p, op, s, d), JSON.stringify([n, k, p, op, s, d])).toBe(want);
    }
  });

  it('is the adjoint of conv2d: <convT(x, k), z> = <x, conv2d(z, k)>', () => {
    for (const [pad, s, op] of [
      ['same', 2, 1],
      ['valid', 2, 1],
      ['valid', 3, null],
    ] as const) {
      const x = randomTensor([1, 3, 4, 2], 31);
      const k = randomTensor([3, 3, 3, 2], 32);
      const y = conv2dTranspose(x, k, { strides: s, padding: pad, outputPadding: op });
      const z = randomTensor([...y.shape], 33);
      const lhs = y.mul(z).sum().item();
      // The forward convolution from y's size uses the same padding rule (TensorFlow's).
      const pads = (size: number, n: number, k_: number) => {
        if (pad === 'valid') return [0, 0];
        const total = Math.max((n - 1) * s + k_ - size, 0);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      };
      const [pt, pb] = pads(y.shape[1]!, 3, 3);
      const [pl, pr] = pads(y.shape[2]!, 4, 3);
      const ref = naiveConv2d(z.dataSync(), y.shape, k.dataSync(), k.shape, {
        strides: [s, s],
        pads: [pt!, pb!, pl!, pr!],
      });
      // conv(z) has shape of x only on the covered part; 'valid' may cover more rows than x.
      const xv = x.dataSync();
      let rhs = 0;
      const [, oh, ow] = ref.shape as [number, number, number];
      for (let i = 0; i < Math.min(oh, 3); i++)
        for (let j = 0; j < Math.min(ow, 4); j++)
          for (let c = 0; c < 2; c++)
            rhs += xv[(i * 4 + j) * 2 + c]! * ref.values[(i * ow + j) * 2 + c]!;
      expect(lhs).toBeCloseTo(rhs, 3);
    }
  });
});

describe('BaseBackend defaults (gather/matmul/scatterAdd) agree with the js kernels', () => {
  const js = new JsBackend();
  const base = BaseBackend.prototype;
  const f64 = (shape: number[], seed: number) =>
    js.fromArray(Float64Array.from(randomArray(shape, seed)), 'float64');
  const read = (h: ReturnType<typeof f64>, n: number) => js.readSync(h, 'float64', n);
  const convCases: [string, number[], number[], ConvArgs][] = [
    [
      'plain',
      [2, 5, 4, 3],
      [3, 2, 3, 4],
      { strides: [1, 1], dilations: [1, 1], padding: [0, 0, 0, 0], groups: 1 },
    ],
    [
      'strided, padded',
      [1, 6, 7, 2],
      [3, 3, 2, 3],
      { strides: [2, 3], dilations: [1, 1], padding: [1, 1, 0, 2], groups: 1 },
    ],
    [
      'dilated',
      [1, 7, 7, 2],
      [2, 3, 2, 2],
      { strides: [1, 1], dilations: [2, 2], padding: [1, 0, 2, 2], groups: 1 },
    ],
    [
      'grouped',
      [2, 4, 5, 4],
      [3, 3, 2, 6],
      { strides: [1, 2], dilations: [1, 1], padding: [1, 1, 1, 1], groups: 2 },
    ],
    [
      'depthwise',
      [1, 5, 5, 3],
      [3, 3, 1, 6],
      { strides: [2, 2], dilations: [1, 1], padding: [1, 1, 1, 1], groups: 3 },
    ],
    [
      'pointwise',
      [2, 3, 3, 4],
      [1, 1, 4, 2],
      { strides: [1, 1], dilations: [1, 1], padding: [0, 0, 0, 0], groups: 1 },
    ],
  ];
  for (const [name, xs, ks, args] of convCases) {
    it(`conv2d and its backprops: ${name}`, () => {
      const x = f64(xs, 1);
      const k = f64(ks, 2);
      const y = js.conv2d(x, xs, k, ks, args, 'float64');
      const yb = base.conv2d.call(js, x, xs, k, ks, args, 'float64');
      const oh =
        Math.floor(
          (xs[1]! + args.padding[0] + args.padding[1] - (ks[0]! - 1) * args.dilations[0] - 1) /
            args.strides[0],
        ) + 1;
      const ow =
        Math.floor(
          (xs[2]! + args.padding[2] + args.padding[3] - (ks[1]! - 1) * args.dilations[1] - 1) /
            args.strides[1],
        ) + 1;
      const ys = [xs[0]!, oh, ow, ks[3]!];
      const ny = sizeOf(ys);
      expectClose(read(yb, ny), read(y, ny), { rtol: 1e-12, atol: 1e-12 });
      const dy = f64(ys, 3);
      const dx = js.conv2dBackpropInput(dy, ys, k, ks, xs, args, 'float64');
      const dxb = base.conv2dBackpropInput.call(js, dy, ys, k, ks, xs, args, 'float64');
      expectClose(read(dxb, sizeOf(xs)), read(dx, sizeOf(xs)), { rtol: 1e-12, atol: 1e-12 });
      const dk = js.conv2dBackpropFilter(x, xs, dy, ys, ks, args, 'float64');
      const dkb = base.conv2dBackpropFilter.call(js, x, xs, dy, ys, ks, args, 'float64');
      expectClose(read(dkb, sizeOf(ks)), read(dk, sizeOf(ks)), { rtol: 1e-12, atol: 1e-12 });
    });
  }
  const poolCases: [string, number[], PoolArgs][] = [
    ['2×2', [2, 4, 4, 3], { poolSize: [2, 2], strides: [2, 2], padding: [0, 0, 0, 0] }],
    [
      'overlapping, padded',
      [1, 5, 6, 2],
      { poolSize: [3, 3], strides: [2, 1], padding: [1, 1, 1, 1] },
    ],
    [
      'asymmetric padding',
      [2, 5, 5, 2],
      { poolSize: [2, 3], strides: [2, 2], padding: [0, 1, 1, 1] },
    ],
  ];
  for (const [name, xs, args] of poolCases) {
    it(`pools and their backprops: ${name}`, () => {
      const x = f64(xs, 4);
      const oh =
        Math.floor(
          (xs[1]! + args.padding[0] + args.padding[1] - args.poolSize[0]) / args.strides[0],
        ) + 1;
      const ow =
        Math.floor(
          (xs[2]! + args.padding[2] + args.padding[3] - args.poolSize[1]) / args.strides[1],
        ) + 1;
      const ys = [xs[0]!, oh, ow, xs[3]!];
      const ny = sizeOf(ys);
      const nx = sizeOf(xs);
      const dy = f64(ys, 5);
      for (const kind of ['max', 'avg'] as const) {
        const fwd = kind === 'max' ? 'maxPool2d' : 'avgPool2d';
        expectClose(
          read(base[fwd].call(js, x, xs, args, 'float64'), ny),
          read(js[fwd](x, xs, args, 'float64'), ny),
          { rtol: 1e-12, atol: 1e-12 },
        );
      }
      expectClose(
        read(base.maxPool2dBackward.call(js, dy, ys, x, xs, args, 'float64'), nx),
        read(js.maxPool2dBackward(dy, ys, x, xs, args, 'float64'), nx),
        { rtol: 1e-12, atol: 1e-12 },
      );
      expectClose(
        read(base.avgPool2dBackward.call(js, dy, ys, xs, args, 'float64'), nx),
        read(js.avgPool2dBackward(dy, ys, xs, args, 'float64'), nx),
        { rtol: 1e-12, atol: 1e-12 },
      );
    });
  }
});

describe('conv errors', () => {
  const x4 = zeros([2, 5, 5, 3]);
  const k4 = zeros([3, 3, 3, 4]);
  it('names the op, the expected rank and the shape', () => {
    expect(() => conv2d(zeros([2, 5, 3]), k4)).toThrow(ShapeError);
    expect(() => conv2d(zeros([2, 5, 3]), k4)).toThrow(
      'conv2d: x must have rank 4 ([batch, height, width, channels]), got shape [2, 5, 3]',
    );
    expect(() => conv2d(x4, zeros([3, 3, 4]))).toThrow(
      /conv2d: kernel must have rank 4 .*\[3, 3, 4\]/,
    );
    expect(() => conv1d(x4, zeros([3, 3, 4]))).toThrow(
      'conv1d: x must have rank 3 ([batch, steps, channels]), got shape [2, 5, 5, 3]',
    );
    expect(() => conv2dTranspose(zeros([5, 3]), k4)).toThrow(/conv2dTranspose: x must have rank 4/);
    expect(() => depthwiseConv2d(zeros([5, 5, 3]), k4)).toThrow(
      /depthwiseConv2d: x must have rank 4/,
    );
  });
  it('reports channel mismatches with both shapes', () => {
    expect(() => conv2d(x4, zeros([3, 3, 2, 4]))).toThrow(
      "conv2d: input channels (3) must equal the kernel's input channels (2) × groups (1); x [2, 5, 5, 3], kernel [3, 3, 2, 4]",
    );
    expect(() => conv2d(zeros([1, 5, 5, 4]), zeros([3, 3, 2, 4]), { groups: 3 })).toThrow(
      /conv2d: groups \(3\) must divide the input channels \(4\) and the filters \(4\)/,
    );
    expect(() => conv2dTranspose(x4, zeros([3, 3, 4, 2]))).toThrow(
      /conv2dTranspose: input channels \(3\) must equal the kernel's last axis \(2\)/,
    );
    expect(() => depthwiseConv2d(x4, zeros([3, 3, 2, 1]))).toThrow(
      /depthwiseConv2d: input channels \(3\) must equal the depthwise kernel's channels \(2\)/,
    );
    expect(() => separableConv2d(x4, zeros([3, 3, 3, 2]), zeros([1, 1, 5, 4]))).toThrow(
      /separableConv2d: pointwiseKernel input channels \(5\) must equal channels × multiplier \(6\)/,
    );
  });
  it('reports a kernel larger than the (padded) input, naming both sizes', () => {
    expect(() => conv2d(zeros([1, 2, 5, 3]), k4)).toThrow(
      "conv2d: kernel height 3 is larger than the input height 2 with padding 'valid'; x [1, 2, 5, 3], kernel [3, 3, 3, 4]",
    );
    expect(() => conv2d(zeros([1, 5, 4, 3]), k4, { dilationRate: 2 })).toThrow(
      /conv2d: kernel width 3 \(dilated to 5\) is larger than the input width 4/,
    );
    expect(() => conv1d(zeros([1, 2, 3]), zeros([4, 3, 1]))).toThrow(
      /conv1d: kernel length 4 is larger than the input length 2/,
    );
    // 'same' and 'causal' padding always fit.
    expect(conv2d(zeros([1, 2, 2, 3]), k4, { padding: 'same' }).shape).toEqual([1, 2, 2, 4]);
  });
  it('rejects invalid strides, dilation, groups, padding and outputPadding', () => {
    expect(() => conv2d(x4, k4, { strides: 0 })).toThrow(ValueError);
    expect(() => conv2d(x4, k4, { strides: [1, 1, 1] })).toThrow(
      'conv2d: strides must be a positive integer or 2 of them, got [1,1,1]',
    );
    expect(() => conv2d(x4, k4, { dilationRate: 1.5 })).toThrow(/conv2d: dilationRate must be/);
    expect(() => conv2d(x4, k4, { groups: 0 })).toThrow(
      /conv2d: groups must be a positive integer/,
    );
    expect(() => conv2d(x4, k4, { padding: 'causal' as never })).toThrow(
      /conv2d: padding must be 'valid' or 'same'/,
    );
    expect(() =>
      conv2dTranspose(x4, zeros([3, 3, 2, 3]), { strides: 2, outputPadding: 2 }),
    ).toThrow(/conv2dTranspose: outputPadding \(2, 2\) must be smaller than strides \(2, 2\)/);
    expect(() => conv2d(x4, k4, { dataFormat: 'NHWC' as never })).toThrow(/conv2d: dataFormat/);
    expect(() => biasAdd(zeros([2, 3]), zeros([4]))).toThrow(/biasAdd: bias length 4 differs/);
  });
});

describe('biasAdd', () => {
  it('adds along the channel axis', () => {
    expectClose(biasAdd(zeros([2, 3]), tensor([1, 2, 3])), [1, 2, 3, 1, 2, 3]);
    expectClose(biasAdd(zeros([1, 2, 2]), tensor([1, 2]), 'channelsFirst'), [1, 1, 2, 2]);
  });
});
