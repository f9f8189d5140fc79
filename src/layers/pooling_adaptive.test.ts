/**
 * AdaptiveAveragePooling1D/2D/3D, AdaptiveMaxPooling1D/2D/3D and the ops adaptiveAveragePool /
 * adaptiveMaxPool: Keras 3.15.1's own outputs (scripts/adaptive_pool_golden.py →
 * test/fixtures/adaptive_pool_golden.json, numpy backend), the layer harness, float64 gradient
 * checks of the ops, a brute-force reference of the bin rule, Keras configs, a `.keras` round
 * trip and typed errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kerasRoundTrip } from '../../test/helpers/conv3d_golden.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { gradCheck } from '../../test/helpers/grad_check.js';
import { READ, WRITE } from '../../test/helpers/keras_config_context.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import type { Json, JsonObject } from '../io/keras_config/json.js';
import { layerConfigToKeras, layerFromKeras } from '../io/keras_config/layers.js';
import {
  adaptiveAveragePool,
  adaptiveMaxPool,
  adaptivePoolBins,
  normalizeOutputSize,
} from '../ops/adaptive_pool.js';
import { tensor, zeros } from '../ops/creation.js';
import { transpose } from '../ops/movement.js';
import { randomNormal } from '../ops/random.js';
import { deserialize } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { input } from './input_layer.js';
import type { Layer } from './layer.js';
import {
  AdaptiveAveragePooling1D,
  AdaptiveAveragePooling2D,
  AdaptiveAveragePooling3D,
  AdaptiveMaxPooling1D,
  AdaptiveMaxPooling2D,
  AdaptiveMaxPooling3D,
  type AdaptivePoolingArgs,
} from './pooling_adaptive.js';

interface GArr {
  shape: number[];
  data: number[];
}
interface LayerCase {
  label: string;
  className: string;
  outputSize: number | number[];
  dataFormat: 'channels_last' | 'channels_first';
  input: GArr;
  output: GArr;
  config: JsonObject;
}
interface OpCase {
  label: string;
  op: 'adaptive_average_pool' | 'adaptive_max_pool';
  outputSize: number | number[];
  dataFormat: 'channels_last' | 'channels_first';
  input: GArr;
  output: GArr;
}
const GOLDEN = JSON.parse(
  readFileSync(new URL('../../test/fixtures/adaptive_pool_golden.json', import.meta.url), 'utf8'),
) as { keras: string; cases: LayerCase[]; opCases: OpCase[] };

type Cls = new (args: AdaptivePoolingArgs) => Layer;
const CLASSES: Record<string, Cls> = {
  AdaptiveAveragePooling1D,
  AdaptiveAveragePooling2D,
  AdaptiveAveragePooling3D,
  AdaptiveMaxPooling1D,
  AdaptiveMaxPooling2D,
  AdaptiveMaxPooling3D,
};
const NAMES = Object.keys(CLASSES);

/**
 * The definition, element by element: every output position pools the box of input positions
 * its bins cover (channels-last input, any number of spatial axes).
 */
function bruteForce(x: Tensor, out: number[], kind: 'avg' | 'max'): number[] {
  const [n, ...rest] = x.shape;
  const c = rest.at(-1)!;
  const sp = rest.slice(0, -1);
  const v = x.dataSync();
  const bins = sp.map((l, i) => adaptivePoolBins(l, out[i]!));
  const strides = sp.map((_, i) => sp.slice(i + 1).reduce((a, b) => a * b, 1) * c);
  const res: number[] = [];
  const outIdx = (k: number): number[] => {
    const idx: number[] = [];
    for (let i = out.length - 1; i >= 0; i--) {
      idx.unshift(k % out[i]!);
      k = Math.floor(k / out[i]!);
    }
    return idx;
  };
  const nOut = out.reduce((a, b) => a * b, 1);
  for (let b = 0; b < n!; b++) {
    for (let k = 0; k < nOut; k++) {
      const o = outIdx(k);
      for (let ch = 0; ch < c; ch++) {
        let acc = kind === 'max' ? Number.NEGATIVE_INFINITY : 0;
        let count = 0;
        const walk = (axis: number, off: number): void => {
          if (axis === sp.length) {
            const val = v[b * sp.reduce((a, s) => a * s, c) + off + ch]!;
            acc = kind === 'max' ? Math.max(acc, val) : acc + val;
            count++;
            return;
          }
          const [s, e] = bins[axis]![o[axis]!]!;
          for (let p = s; p < e; p++) walk(axis + 1, off + p * strides[axis]!);
        };
        walk(0, 0);
        res.push(kind === 'max' ? acc : acc / count);
      }
    }
  }
  return res;
}

describe('adaptivePoolBins', () => {
  it("is PyTorch's and Keras's rule", () => {
    expect(adaptivePoolBins(5, 3)).toEqual([
      [0, 2],
      [1, 4],
      [3, 5],
    ]);
    expect(adaptivePoolBins(8, 4)).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 8],
    ]);
    expect(adaptivePoolBins(3, 5)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    expect(adaptivePoolBins(6, 1)).toEqual([[0, 6]]);
    // Every bin holds ⌈L/out⌉ or ⌈L/out⌉ + 1 positions, the first starts at 0, the last ends at L.
    for (let l = 1; l <= 20; l++) {
      for (let o = 1; o <= 20; o++) {
        const b = adaptivePoolBins(l, o);
        const small = Math.ceil(l / o);
        expect(b[0]![0]).toBe(0);
        expect(b.at(-1)![1]).toBe(l);
        for (const [s, e] of b) expect([small, small + 1]).toContain(e - s);
      }
    }
  });
});

describe('adaptiveAveragePool / adaptiveMaxPool', () => {
  it(`match Keras ${GOLDEN.keras}'s keras.ops (numpy backend)`, () => {
    expect(GOLDEN.opCases.length).toBeGreaterThan(0);
    for (const c of GOLDEN.opCases) {
      const op = c.op === 'adaptive_max_pool' ? adaptiveMaxPool : adaptiveAveragePool;
      const y = op(tensor(c.input.data, c.input.shape), c.outputSize, {
        dataFormat: c.dataFormat,
      });
      expect([...y.shape], c.label).toEqual(c.output.shape);
      expectClose(y, c.output.data, { rtol: 1e-5, atol: 1e-6 });
    }
  });

  it('equal the element-by-element definition (1-D, 2-D, 3-D; bins that divide or not)', () => {
    const cases: [number[], number[]][] = [
      [[2, 7, 3], [3]],
      [[1, 3, 2], [5]],
      [
        [1, 7, 5, 2],
        [3, 2],
      ],
      [
        [1, 4, 9, 1],
        [4, 4],
      ],
      [
        [1, 3, 5, 4, 2],
        [2, 3, 3],
      ],
      [
        [1, 6, 2, 4, 1],
        [4, 1, 2],
      ],
    ];
    for (const [shape, out] of cases) {
      const x = randomNormal(shape, 0, 1, { seed: shape.length * 7 + out[0]! });
      expectClose(adaptiveAveragePool(x, out), bruteForce(x, out, 'avg'), {
        rtol: 1e-5,
        atol: 1e-6,
      });
      expectClose(adaptiveMaxPool(x, out), bruteForce(x, out, 'max'), { atol: 0 });
    }
  });

  it('handle channelsFirst as the transposed channelsLast', () => {
    const x = randomNormal([2, 5, 7, 3], 0, 1, { seed: 3 });
    for (const op of [adaptiveAveragePool, adaptiveMaxPool]) {
      const last = op(x, [3, 4]);
      const first = op(transpose(x, [0, 3, 1, 2]), [3, 4], { dataFormat: 'channelsFirst' });
      expect([...first.shape]).toEqual([2, 3, 3, 4]);
      expectClose(transpose(first, [0, 2, 3, 1]), last.dataSync(), { atol: 0 });
    }
  });

  it('keep float64 and promote ints to float32', () => {
    const x64 = tensor([1, 2, 3, 4, 5], [1, 5, 1], 'float64');
    expect(adaptiveAveragePool(x64, 2).dtype).toBe('float64');
    const xi = tensor([1, 2, 3, 4, 5], [1, 5, 1], 'int32');
    const y = adaptiveAveragePool(xi, 2);
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.dataSync())).toEqual([2, 4]);
    expect(Array.from(adaptiveMaxPool(xi, 2).dataSync())).toEqual([3, 5]);
  });

  describe('gradients (float64, central differences)', () => {
    const cases: { label: string; shape: number[]; out: number[]; first?: boolean }[] = [
      { label: '1-D, 7 → 3', shape: [2, 7, 2], out: [3] },
      { label: '1-D, 3 → 5 (overlapping bins)', shape: [1, 3, 2], out: [5] },
      { label: '2-D, 5×6 → 3×2 (mixed)', shape: [1, 5, 6, 2], out: [3, 2] },
      { label: '2-D channelsFirst, 4×5 → 2×3', shape: [1, 2, 4, 5], out: [2, 3], first: true },
      { label: '3-D, 3×4×5 → 2×2×3', shape: [1, 3, 4, 5, 1], out: [2, 2, 3] },
    ];
    for (const kind of ['avg', 'max'] as const) {
      for (const c of cases) {
        it(`${kind === 'avg' ? 'adaptiveAveragePool' : 'adaptiveMaxPool'}: ${c.label}`, () => {
          const op = kind === 'avg' ? adaptiveAveragePool : adaptiveMaxPool;
          const x = randomNormal(c.shape, 0, 1, { seed: 11 + c.shape.length });
          gradCheck(
            (t) => op(t, c.out, { dataFormat: c.first ? 'channelsFirst' : 'channelsLast' }),
            [x],
          );
        });
      }
    }
  });

  it('refuse bad arguments with typed errors naming the op', () => {
    const x = zeros([1, 4, 4, 2]);
    expect(() => adaptiveAveragePool(x, 0)).toThrow(ValueError);
    expect(() => adaptiveAveragePool(x, 0)).toThrow(
      'adaptiveAveragePool: outputSize must be a positive integer or 2 of them, got 0',
    );
    expect(() => adaptiveMaxPool(x, [2, 2, 2])).toThrow(
      /adaptiveMaxPool: outputSize must be a positive integer or 2 of them/,
    );
    expect(() => adaptiveMaxPool(x, [2, 1.5])).toThrow(ValueError);
    expect(() => adaptiveMaxPool(zeros([4, 4]), 2)).toThrow(ShapeError);
    expect(() => adaptiveMaxPool(zeros([1, 2, 2, 2, 2, 2]), 2)).toThrow(
      /adaptiveMaxPool: x must have rank 3, 4 or 5/,
    );
    expect(() => adaptiveAveragePool(zeros([1, 0, 3]), 2)).toThrow(ShapeError);
    expect(() => adaptiveAveragePool(tensor([true, false], [1, 2, 1], 'bool'), 1)).toThrow(
      DTypeError,
    );
    expect(() => adaptiveAveragePool(x, 2, { dataFormat: 'nhwc' as never })).toThrow(ValueError);
  });

  it('normalizeOutputSize repeats a lone integer', () => {
    expect(normalizeOutputSize(3, 2, 'op')).toEqual([3, 3]);
    expect(normalizeOutputSize([1, 2, 3], 3, 'op')).toEqual([1, 2, 3]);
    expect(() => normalizeOutputSize(-1, 1, 'op')).toThrow(ValueError);
  });
});

describe('adaptive pooling layers', () => {
  it(`match Keras ${GOLDEN.keras}'s outputs (numpy backend)`, () => {
    for (const name of NAMES) {
      const cases = GOLDEN.cases.filter((c) => c.className === name);
      expect(cases.length, name).toBeGreaterThanOrEqual(8);
      for (const c of cases) {
        const layer = new CLASSES[name]!({ outputSize: c.outputSize, dataFormat: c.dataFormat });
        const y = layer.apply(tensor(c.input.data, c.input.shape)) as Tensor;
        expect([...y.shape], c.label).toEqual(c.output.shape);
        expectClose(y, c.output.data, { rtol: 1e-5, atol: 1e-6 });
        expect(layer.computeOutputShape(c.input.shape), c.label).toEqual(c.output.shape);
      }
    }
  });

  it("load Keras's configs", () => {
    for (const c of GOLDEN.cases) {
      const layer = layerFromKeras(
        { module: 'keras.layers', class_name: c.className, config: c.config as Json },
        c.label,
        READ,
      );
      expect(layer.className).toBe(c.className);
      const y = layer.apply(tensor(c.input.data, c.input.shape)) as Tensor;
      expectClose(y, c.output.data, { rtol: 1e-5, atol: 1e-6 });
    }
  });

  // Built-in classes (every registered layer) are written as Keras writes them.
  it("write Keras's configs", () => {
    for (const c of GOLDEN.cases) {
      const layer = layerFromKeras(
        { module: 'keras.layers', class_name: c.className, config: c.config as Json },
        c.label,
        READ,
      );
      expect(layerConfigToKeras(layer, WRITE), c.label).toEqual(c.config);
    }
  });

  const harness: { name: string; args: AdaptivePoolingArgs; in: number[]; out: number[] }[] = [
    { name: 'AdaptiveAveragePooling1D', args: { outputSize: 3 }, in: [2, 7, 3], out: [2, 3, 3] },
    {
      name: 'AdaptiveMaxPooling1D',
      args: { outputSize: [4], dataFormat: 'channelsFirst' },
      in: [2, 3, 6],
      out: [2, 3, 4],
    },
    {
      name: 'AdaptiveAveragePooling2D',
      args: { outputSize: [3, 2], dataFormat: 'channelsFirst' },
      in: [2, 2, 5, 6],
      out: [2, 2, 3, 2],
    },
    { name: 'AdaptiveMaxPooling2D', args: { outputSize: 2 }, in: [2, 5, 4, 2], out: [2, 2, 2, 2] },
    {
      name: 'AdaptiveAveragePooling3D',
      args: { outputSize: [2, 1, 3] },
      in: [1, 3, 2, 5, 2],
      out: [1, 2, 1, 3, 2],
    },
    {
      name: 'AdaptiveMaxPooling3D',
      args: { outputSize: 2, dataFormat: 'channelsFirst' },
      in: [1, 2, 3, 4, 3],
      out: [1, 2, 2, 2, 2],
    },
  ];
  for (const h of harness) {
    it(`${h.name} passes the layer harness`, () => {
      runLayerTest({
        cls: CLASSES[h.name] as never,
        args: h.args as Record<string, unknown>,
        inputShape: h.in,
        expectedOutputShape: h.out,
        expectedNumWeights: 0,
      });
    });
  }

  it('give symbolic shapes with unknown spatial sizes', () => {
    const y = new AdaptiveAveragePooling2D({ outputSize: [3, 4] }).apply(
      input({ shape: [null, null, 5] }),
    );
    expect([...y.shape]).toEqual([null, 3, 4, 5]);
    const z = new AdaptiveMaxPooling1D({ outputSize: 2, dataFormat: 'channelsFirst' }).apply(
      input({ shape: [6, null] }),
    );
    expect([...z.shape]).toEqual([null, 6, 2]);
  });

  it('round-trip configs through the registry', () => {
    for (const name of NAMES) {
      const rank = Number(name.at(-2));
      const layer = new CLASSES[name]!({ outputSize: 2, dataFormat: 'channelsFirst', name: 'p' });
      const cfg = layer.getConfig();
      expect(cfg.outputSize).toEqual(new Array(rank).fill(2));
      expect(cfg.dataFormat).toBe('channelsFirst');
      const back = deserialize<Layer>('layer', { className: name, config: cfg });
      expect(back).toBeInstanceOf(CLASSES[name]);
      expect(back.getConfig()).toEqual(cfg);
    }
  });

  it('round-trip through .keras', async () => {
    await kerasRoundTrip(
      [
        new AdaptiveMaxPooling2D({ outputSize: [3, 2] }),
        new AdaptiveAveragePooling2D({ outputSize: 1, dataFormat: 'channelsFirst' }),
      ],
      [7, 5, 2],
    );
    await kerasRoundTrip(
      [
        new AdaptiveAveragePooling1D({ outputSize: 4 }),
        new AdaptiveMaxPooling1D({ outputSize: 3 }),
      ],
      [9, 2],
    );
    await kerasRoundTrip(
      [
        new AdaptiveAveragePooling3D({ outputSize: [2, 3, 1] }),
        new AdaptiveMaxPooling3D({ outputSize: 1 }),
      ],
      [3, 5, 4, 2],
    );
  });

  it('refuse bad options and inputs with typed errors naming the layer', () => {
    expect(() => new AdaptiveAveragePooling2D({ outputSize: 0, name: 'ap' })).toThrow(ValueError);
    expect(() => new AdaptiveAveragePooling2D({ outputSize: 0, name: 'ap' })).toThrow(
      'ap (AdaptiveAveragePooling2D): outputSize must be a positive integer or 2 of them, got 0',
    );
    expect(() => new AdaptiveMaxPooling1D({ outputSize: [-2], name: 'm1' })).toThrow(
      'm1 (AdaptiveMaxPooling1D): outputSize must be a positive integer or 1 of them, got [-2]',
    );
    expect(() => new AdaptiveMaxPooling3D({ outputSize: [2, 2], name: 'm3' })).toThrow(
      /^m3 \(AdaptiveMaxPooling3D\): outputSize must be a positive integer or 3 of them/,
    );
    expect(() => new AdaptiveMaxPooling2D({ outputSize: [2, 2.5] })).toThrow(ValueError);
    expect(() => new AdaptiveMaxPooling2D({ name: 'none' })).toThrow(
      'none (AdaptiveMaxPooling2D): outputSize is required',
    );
    expect(
      () => new AdaptiveAveragePooling1D({ outputSize: 2, dataFormat: 'nwc' as never, name: 'f' }),
    ).toThrow(/^f \(AdaptiveAveragePooling1D\): dataFormat must be 'channelsLast' or/);

    const p = new AdaptiveMaxPooling2D({ outputSize: 2, name: 'pool' });
    expect(() => p.apply(zeros([2, 4, 4]))).toThrow(ShapeError);
    expect(() => p.apply(zeros([2, 4, 4]))).toThrow(
      'pool (AdaptiveMaxPooling2D): expected rank 4, got input shape [2, 4, 4]',
    );
    expect(() =>
      new AdaptiveAveragePooling3D({ outputSize: 1, name: 'p3' }).apply(zeros([1, 4, 4, 4])),
    ).toThrow(/^p3 \(AdaptiveAveragePooling3D\): expected rank 5/);
    expect(() =>
      new AdaptiveAveragePooling1D({ outputSize: 1, name: 'e' }).apply(zeros([1, 0, 2])),
    ).toThrow(/^e \(AdaptiveAveragePooling1D\): every spatial axis needs at least one position/);
    expect(() =>
      new AdaptiveAveragePooling1D({ outputSize: 1, name: 'r' }).computeOutputShape([1, 2, 3, 4]),
    ).toThrow(ShapeError);
  });
});
