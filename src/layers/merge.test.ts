import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { ShapeError, ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, setSeed } from '../ops/random.js';
import { Tensor } from '../tensor/tensor.js';
import { input } from './input_layer.js';
import {
  Add,
  Average,
  Concatenate,
  Dot,
  Maximum,
  Minimum,
  Multiply,
  Subtract,
  add,
  average,
  concatenate,
  dot,
  maximum,
  minimum,
  multiply,
  subtract,
} from './merge.js';
import { SymbolicTensor } from './symbolic.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const toTf = (x: Tensor) => tf.tensor(Array.from(x.dataSync()), [...x.shape]);

/** Applies a tfjs merge layer to the values of xs. */
function tfApply(layer: tf.layers.Layer, xs: Tensor[]): Float32Array {
  return tf.tidy(() => (layer.apply(xs.map(toTf)) as tf.Tensor).dataSync() as Float32Array);
}

function samples(shapes: number[][], seed: number): Tensor[] {
  setSeed(seed);
  return shapes.map((s) => randomNormal(s));
}

const a = tensor([
  [1, -2, 3],
  [4, 5, -6],
]);
const b = tensor([
  [2, 2, -1],
  [0, 7, 1],
]);
const c = tensor([
  [0, -3, 5],
  [1, 1, 1],
]);

describe('elementwise merges', () => {
  const cases = [
    { cls: Add, n: 3 },
    { cls: Subtract, n: 2 },
    { cls: Multiply, n: 3 },
    { cls: Average, n: 3 },
    { cls: Maximum, n: 3 },
    { cls: Minimum, n: 3 },
  ];
  for (const { cls, n } of cases) {
    it(`${cls.className} passes the layer harness (equal shapes, broadcast, lower rank)`, () => {
      runLayerTest({
        cls,
        inputShapes: Array.from({ length: n }, () => [2, 3]),
        expectedOutputShape: [2, 3],
        expectedNumWeights: 0,
      });
      runLayerTest({
        cls,
        inputShapes: [
          [2, 3, 4],
          [2, 1, 4],
        ],
        expectedOutputShape: [2, 3, 4],
      });
      // Keras inserts axes after the batch axis for the lower-rank input: [2, 4] → [2, 1, 4].
      runLayerTest({
        cls,
        inputShapes: [
          [2, 3, 4],
          [2, 4],
        ],
        expectedOutputShape: [2, 3, 4],
      });
    });
  }

  it('compute the right values by hand', () => {
    expectClose(new Add().apply([a, b, c]), [
      [3, -3, 7],
      [5, 13, -4],
    ]);
    expectClose(new Subtract().apply([a, b]), [
      [-1, -4, 4],
      [4, -2, -7],
    ]);
    expectClose(new Multiply().apply([a, b, c]), [
      [0, 12, -15],
      [0, 35, -6],
    ]);
    expectClose(new Average().apply([a, b, c]), [
      [1, -1, 7 / 3],
      [5 / 3, 13 / 3, -4 / 3],
    ]);
    expectClose(new Maximum().apply([a, b, c]), [
      [2, 2, 5],
      [4, 7, 1],
    ]);
    expectClose(new Minimum().apply([a, b, c]), [
      [0, -3, -1],
      [0, 1, -6],
    ]);
    // Lower rank broadcasts over the inserted axis 1.
    const row = tensor([[10, 20, 30]]);
    const big = tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    expectClose(new Add().apply([big, row]), [
      [
        [11, 22, 33],
        [14, 25, 36],
      ],
    ]);
  });

  it('match tf.layers.add / subtract / multiply / average / maximum / minimum', () => {
    const xs = samples(
      [
        [3, 4],
        [3, 4],
        [3, 4],
      ],
      1,
    );
    expectClose(new Add().apply(xs), tfApply(tf.layers.add(), xs));
    expectClose(
      new Subtract().apply(xs.slice(0, 2)),
      toTf(xs[0]!).sub(toTf(xs[1]!)).dataSync() as Float32Array,
    );
    expectClose(new Multiply().apply(xs), tfApply(tf.layers.multiply(), xs));
    expectClose(new Average().apply(xs), tfApply(tf.layers.average(), xs));
    expectClose(new Maximum().apply(xs), tfApply(tf.layers.maximum(), xs));
    expectClose(new Minimum().apply(xs), tfApply(tf.layers.minimum(), xs));
  });

  it('infer symbolic shapes', () => {
    const x = input({ shape: [3, 4] });
    const y = input({ shape: [1, 4] });
    const z = input({ shape: [4] });
    expect(new Add().apply([x, y]).shape).toEqual([null, 3, 4]);
    expect(new Maximum().apply([x, z]).shape).toEqual([null, 3, 4]);
    expect(new Add().apply([input({ shape: [null, 4] }), x]).shape).toEqual([null, null, 4]);
  });

  it('OR the input masks when every input has one', () => {
    const m = new Add().computeMask([a, b], [tensor([true, false]), tensor([false, false])]);
    expect(Array.from(m!.dataSync())).toEqual([1, 0]);
    expect(new Add().computeMask([a, b], [tensor([true, false]), null])).toBeNull();
    expect(new Add().supportsMasking).toBe(true);
  });

  describe('bad input', () => {
    it('Subtract refuses 3 inputs', () => {
      const s = new Subtract({ name: 'sub3' });
      expect(() => s.apply([a, b, c])).toThrow(ValueError);
      expect(() => s.apply([a, b, c])).toThrow(
        /sub3 \(Subtract\): expects exactly 2 inputs, got 3 \(input shapes \[2, 3\], \[2, 3\], \[2, 3\]\)/,
      );
    });

    it('refuse a single input or a list of one', () => {
      expect(() => new Add({ name: 'add1' }).apply(a)).toThrow(
        /add1 \(Add\): expects a list of at least 2 inputs, got a single input of shape \[2, 3\]/,
      );
      expect(() => new Add({ name: 'add1b' }).apply([a])).toThrow(
        /add1b \(Add\): expects at least 2 inputs, got 1/,
      );
    });

    it('refuse incompatible shapes, naming the layer and every input shape', () => {
      const bad = () => new Multiply({ name: 'mul_bad' }).apply([a, tensor([[1, 2]]), b]);
      expect(bad).toThrow(ShapeError);
      expect(bad).toThrow(/mul_bad \(Multiply\).*batch sizes.*\[2, 3\], \[1, 2\], \[2, 3\]/);
      const bad2 = () =>
        new Add({ name: 'add_bad' }).apply([input({ shape: [3] }), input({ shape: [4] })]);
      expect(bad2).toThrow(
        /add_bad \(Add\): inputs have incompatible shapes \[3\] and \[4\].*input shapes: \[null, 3\], \[null, 4\]/,
      );
    });
  });
});

describe('Concatenate', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Concatenate,
      inputShapes: [
        [2, 3],
        [2, 4],
      ],
      expectedOutputShape: [2, 7],
    });
    runLayerTest({
      cls: Concatenate,
      args: { axis: 1 },
      inputShapes: [
        [2, 1, 3],
        [2, 2, 3],
        [2, 3, 3],
      ],
      expectedOutputShape: [2, 6, 3],
    });
  });

  it('concatenates by hand and matches tf.layers.concatenate', () => {
    expectClose(new Concatenate().apply([a, tensor([[9], [8]])]), [
      [1, -2, 3, 9],
      [4, 5, -6, 8],
    ]);
    const xs = samples(
      [
        [2, 3, 4],
        [2, 1, 4],
      ],
      2,
    );
    expectClose(
      new Concatenate({ axis: 1 }).apply(xs),
      tfApply(tf.layers.concatenate({ axis: 1 }), xs),
    );
    const ys = samples(
      [
        [2, 3, 4],
        [2, 3, 2],
      ],
      3,
    );
    expectClose(new Concatenate().apply(ys), tfApply(tf.layers.concatenate(), ys));
  });

  it('infers symbolic shapes (unknown sizes stay unknown)', () => {
    expect(new Concatenate().apply([input({ shape: [3] }), input({ shape: [5] })]).shape).toEqual([
      null,
      8,
    ]);
    expect(
      new Concatenate({ axis: 1 }).apply([input({ shape: [null, 2] }), input({ shape: [3, 2] })])
        .shape,
    ).toEqual([null, null, 2]);
  });

  it('refuses shapes that differ off the axis, naming the layer and the shapes', () => {
    const bad = () =>
      new Concatenate({ axis: 1, name: 'cat_bad' }).apply([
        tensor([[[1, 2]]]),
        tensor([[[1, 2, 3]]]),
      ]);
    expect(bad).toThrow(ShapeError);
    expect(bad).toThrow(
      /cat_bad \(Concatenate\): shapes must match except on the concatenation axis 1.*\[1, 1, 2\], \[1, 1, 3\]/,
    );
    const bad2 = () =>
      new Concatenate({ name: 'cat_rank' }).apply([
        input({ shape: [2] }),
        input({ shape: [2, 2] }),
      ]);
    expect(bad2).toThrow(
      /cat_rank \(Concatenate\): inputs must have the same rank; input shapes: \[null, 2\], \[null, 2, 2\]/,
    );
  });

  it("computes Keras's mask: masks joined along the axis, any over the last axis", () => {
    const x = tensor([[[1], [2]]]);
    const y = tensor([[[3], [4], [5]]]);
    const m = new Concatenate({ axis: 1 }).computeMask([x, y], [tensor([[true, false]]), null]);
    expect(Array.from(m!.dataSync())).toEqual([1, 0, 1, 1, 1]);
    expect(new Concatenate().computeMask([x, y], [null, null])).toBeNull();
  });
});

describe('Dot', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      cls: Dot,
      args: { axes: 1 },
      inputShapes: [
        [2, 3],
        [2, 3],
      ],
      expectedOutputShape: [2, 1],
    });
    runLayerTest({
      cls: Dot,
      args: { axes: [1, 2] },
      inputShapes: [
        [2, 3, 5],
        [2, 4, 3],
      ],
      expectedOutputShape: [2, 5, 4],
    });
    runLayerTest({
      cls: Dot,
      args: { axes: -1, normalize: true },
      inputShapes: [
        [2, 4],
        [2, 4],
      ],
      expectedOutputShape: [2, 1],
    });
    runLayerTest({
      cls: Dot,
      args: { axes: [2, 1] },
      inputShapes: [
        [2, 3, 4],
        [2, 4],
      ],
      expectedOutputShape: [2, 3],
    });
  });

  it('computes batched dot products by hand', () => {
    // Row-wise dot: [1·2 − 2·2 − 3, 0 + 35 − 6].
    expectClose(new Dot({ axes: 1 }).apply([a, b]), [[-5], [29]]);
    // Cosine similarity.
    const cos = new Dot({ axes: 1, normalize: true }).apply([tensor([[3, 4]]), tensor([[4, 3]])]);
    expectClose(cos, [[24 / 25]]);
    // axes [1, 1] on [1, 2, 2] x [1, 2, 3]: xᵀ·y per sample.
    const x = tensor([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const y = tensor([
      [
        [1, 0, 2],
        [0, 1, 3],
      ],
    ]);
    expectClose(new Dot({ axes: [1, 1] }).apply([x, y]), [
      [
        [1, 3, 11],
        [2, 4, 16],
      ],
    ]);
  });

  it('matches tf.layers.dot', () => {
    const [x, y] = samples(
      [
        [3, 4],
        [3, 4],
      ],
      4,
    );
    expectClose(
      new Dot({ axes: 1 }).apply([x!, y!]),
      tfApply(tf.layers.dot({ axes: 1 }), [x!, y!]),
    );
    expectClose(
      new Dot({ axes: 1, normalize: true }).apply([x!, y!]),
      tfApply(tf.layers.dot({ axes: 1, normalize: true }), [x!, y!]),
    );
    const [p, q] = samples(
      [
        [2, 3, 5],
        [2, 4, 3],
      ],
      5,
    );
    expectClose(
      new Dot({ axes: [1, 2] }).apply([p!, q!]),
      tfApply(tf.layers.dot({ axes: [1, 2] }), [p!, q!]),
      { atol: 1e-5 },
    );
  });

  it('infers symbolic shapes', () => {
    expect(
      new Dot({ axes: [1, 2] }).apply([input({ shape: [3, 5] }), input({ shape: [10, 3] })]).shape,
    ).toEqual([null, 5, 10]);
    expect(
      new Dot({ axes: -1 }).apply([input({ shape: [6] }), input({ shape: [6] })]).shape,
    ).toEqual([null, 1]);
  });

  it('refuses bad axes, mismatched sizes and a wrong number of inputs', () => {
    expect(() => new Dot({ axes: [1, 2, 3] as never })).toThrow(ValueError);
    expect(() => new Dot({ axes: 0, name: 'dot0' }).apply([a, b])).toThrow(
      /dot0 \(Dot\): cannot take the dot product over the batch axis/,
    );
    const bad = () =>
      new Dot({ axes: 1, name: 'dot_bad' }).apply([
        a,
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ]);
    expect(bad).toThrow(ShapeError);
    expect(bad).toThrow(
      /dot_bad \(Dot\): incompatible sizes 3 .* and 2 .*input shapes: \[2, 3\], \[2, 2\]/,
    );
    expect(() => new Dot({ axes: 1, name: 'dot3' }).apply([a, b, c])).toThrow(
      /dot3 \(Dot\): expects exactly 2 inputs, got 3/,
    );
  });
});

describe('functional shortcuts', () => {
  it('build and apply the layer on symbolic tensors', () => {
    const x = input({ shape: [3] });
    const y = input({ shape: [3] });
    for (const out of [
      add([x, y]),
      subtract([x, y]),
      multiply([x, y]),
      average([x, y]),
      maximum([x, y]),
      minimum([x, y]),
    ]) {
      expect(out).toBeInstanceOf(SymbolicTensor);
      expect(out.shape).toEqual([null, 3]);
    }
    expect(concatenate([x, y]).shape).toEqual([null, 6]);
    expect(concatenate([x, y]).layer).toBeInstanceOf(Concatenate);
    expect(dot([x, y], 1, true).shape).toEqual([null, 1]);
    expect(add([x, y], { name: 'named_add' }).layer.name).toBe('named_add');
  });

  it('compute on concrete tensors and arrays', () => {
    const s = add([a, b]);
    expect(s).toBeInstanceOf(Tensor);
    expectClose(s, [
      [3, 0, 2],
      [4, 12, -5],
    ]);
    expectClose(subtract([[[1, 2]], [[3, 5]]]), [[-2, -3]]);
    expectClose(concatenate([a, b], 0), [
      [1, -2, 3],
      [4, 5, -6],
      [2, 2, -1],
      [0, 7, 1],
    ]);
    expectClose(dot([a, b], -1), [[-5], [29]]);
    expect(new Concatenate({ axis: 2 }).getConfig().axis).toBe(2);
  });
});

describe('in a functional model', () => {
  it('wires two inputs through merges, trains, and survives a config round trip', async (ctx) => {
    // Imported lazily: the model module pulls in the trainer (losses, metrics); skip if absent.
    const models = await import('../models/model.js').catch(() => null);
    const { Dense } = await import('./dense.js');
    const { Dropout, Reshape, Flatten } = await import('./core.js');
    const { deserialize, serialize } = await import('../serialization.js');
    if (!models) {
      ctx.skip();
      return;
    }
    setSeed(21);
    const x1 = input({ shape: [4], name: 'x1' });
    const x2 = input({ shape: [4], name: 'x2' });
    const h1 = new Dense({ units: 6, activation: 'relu' }).apply(x1);
    const h2 = new Dense({ units: 6, activation: 'relu' }).apply(x2);
    const sum = add([h1, h2]);
    const cat = concatenate([sum, multiply([h1, h2])]);
    const r = new Flatten().apply(new Reshape({ targetShape: [3, 4] }).apply(cat));
    const out = new Dense({ units: 1 }).apply(new Dropout({ rate: 0.1 }).apply(r));
    const m = models.model({ inputs: [x1, x2], outputs: out });
    expect(out.shape).toEqual([null, 1]);
    const a1 = randomNormal([8, 4]);
    const a2 = randomNormal([8, 4]);
    const y = randomNormal([8, 1]);
    const before = m.apply([a1, a2]);
    expect(before.shape).toEqual([8, 1]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const first = m.trainOnBatch([a1, a2], y).loss!;
    let last = first;
    for (let i = 0; i < 10; i++) last = m.trainOnBatch([a1, a2], y).loss!;
    expect(last).toBeLessThan(first);
    const m2 = deserialize<typeof m>('layer', JSON.parse(JSON.stringify(serialize(m))));
    m2.setWeights(m.getWeights());
    expectClose(m2.apply([a1, a2]), m.apply([a1, a2]), { atol: 1e-6 });
  });
});
