/**
 * `model.layers` and `model.weights` follow Keras 3's order exactly (the order of weight-file
 * keys and optimizer slots depends on it), checked against test/fixtures/keras_layer_order.json,
 * which real Keras 3 wrote for the same graphs (scripts/keras_layer_order.py). Also: functional
 * models refuse repeated or missing inputs and outputs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../errors.js';
import { Conv1D, Conv2D } from '../layers/convolutional.js';
import { Add, BatchNormalization, Concatenate, Dense, Flatten } from '../layers/index.js';
import { input } from '../layers/input_layer.js';
import { tensor } from '../ops/creation.js';
import { setSeed } from '../ops/random.js';
import { Model, model } from './model.js';
import { Sequential } from './sequential.js';

interface KerasGraph {
  layers: string[];
  weights: { path: string; shape: number[]; trainable: boolean }[];
}
const fixture = JSON.parse(readFileSync('test/fixtures/keras_layer_order.json', 'utf8')) as {
  keras_version: string;
  graphs: Record<string, KerasGraph>;
};

const dense = (units: number, name: string) => new Dense({ units, name });

/** The graphs of scripts/keras_layer_order.py, built the same way in Tessera. */
const graphs: Record<string, () => Model> = {
  two_branches: () => {
    const a = input({ shape: [10, 6], name: 'a' });
    const b = input({ shape: [6, 6, 3], name: 'b' });
    const x = new Flatten({ name: 'flatten' }).apply(
      new Conv1D({ filters: 8, kernelSize: 3, name: 'conv1d' }).apply(a),
    );
    const y0 = new Conv2D({ filters: 4, kernelSize: 3, name: 'conv2d' }).apply(b);
    const y = new Flatten({ name: 'flatten_1' }).apply(
      new BatchNormalization({ name: 'bn' }).apply(y0),
    );
    const z = new Concatenate({ name: 'concatenate' }).apply([x, y]);
    return model({ inputs: [a, b], outputs: [dense(2, 'o1').apply(z), dense(1, 'o2').apply(y)] });
  },
  shared_twice: () => {
    const x = input({ shape: [3], name: 'x' });
    const c = dense(3, 'c');
    return model({ inputs: x, outputs: c.apply(dense(3, 'l').apply(c.apply(x))) });
  },
  unused_input_last: () => {
    const x = input({ shape: [3], name: 'x' });
    const u = input({ shape: [2], name: 'u' });
    return model({ inputs: [x, u], outputs: dense(2, 'd').apply(x) });
  },
  unused_input_first: () => {
    const x = input({ shape: [3], name: 'x' });
    const u = input({ shape: [2], name: 'u' });
    return model({ inputs: [u, x], outputs: dense(2, 'd').apply(x) });
  },
  outputs_e_d: () => {
    const x = input({ shape: [3], name: 'x' });
    const d2 = dense(2, 'd2').apply(dense(2, 'd1').apply(x));
    return model({ inputs: x, outputs: [dense(2, 'e1').apply(x), d2] });
  },
  outputs_d_e: () => {
    const x = input({ shape: [3], name: 'x' });
    const d2 = dense(2, 'd2').apply(dense(2, 'd1').apply(x));
    return model({ inputs: x, outputs: [d2, dense(2, 'e1').apply(x)] });
  },
  residual: () => {
    const x = input({ shape: [3], name: 'x' });
    const b = dense(3, 'b').apply(dense(3, 'a').apply(x));
    return model({ inputs: x, outputs: new Add({ name: 'add' }).apply([x, b]) });
  },
  nested_twice: () => {
    const ii = input({ shape: [3], name: 'ii' });
    const inner = model({ name: 'inner', inputs: ii, outputs: dense(3, 'inner_d').apply(ii) });
    const x = input({ shape: [3], name: 'x' });
    const z = input({ shape: [3], name: 'z' });
    const h = inner.apply(dense(3, 'pre').apply(x)) as never;
    const k = inner.apply(z) as never;
    return model({ inputs: [x, z], outputs: new Concatenate({ name: 'cat' }).apply([h, k]) });
  },
  bn_nested: () => {
    const seq = new Sequential({
      name: 'seq',
      layers: [
        input({ shape: [4] }),
        dense(5, 's1'),
        new BatchNormalization({ name: 'sbn' }),
        dense(3, 's2'),
      ],
    });
    const x = input({ shape: [4], name: 'x' });
    const y = new BatchNormalization({ name: 'bn0' }).apply(x);
    return model({ inputs: x, outputs: dense(2, 'head').apply(seq.apply(y) as never) });
  },
};

/** `layer/weight`: the last two parts of a variable's path (Keras prefixes nested models). */
const tail = (path: string) => path.split('/').slice(-2).join('/');

describe(`model.layers and model.weights in Keras ${fixture.keras_version}'s order`, () => {
  it('the fixture covers every graph', () => {
    expect(Object.keys(fixture.graphs).sort()).toEqual(Object.keys(graphs).sort());
  });

  for (const [name, build] of Object.entries(graphs)) {
    it(name, () => {
      const m = build();
      const k = fixture.graphs[name]!;
      expect(m.layers.map((l) => l.name)).toEqual(k.layers);
      expect(m.weights.map((w) => tail(w.name))).toEqual(k.weights.map((w) => tail(w.path)));
      expect(m.weights.map((w) => [...w.shape])).toEqual(k.weights.map((w) => w.shape));
      // Keras's trainable_variables (the optimizer's slot order) is this order, filtered.
      const trainable = k.weights.filter((w) => w.trainable).map((w) => tail(w.path));
      expect(m.trainableWeights.map((w) => tail(w.name))).toEqual(trainable);
    });
  }

  it('getWeights / setWeights use the same order', () => {
    setSeed(3);
    const m = graphs.bn_nested!();
    const values = m.weights.map((w, i) => tensor(new Float32Array(w.size).fill(i), w.shape));
    m.setWeights(values);
    const bn = m.weights.findIndex((w) => w.name === 'bn0/moving_mean');
    expect(bn).toBe(2);
    expect([...m.getWeights()[bn]!.dataSync()]).toEqual([2, 2, 2, 2]);
  });

  it('the graph still runs in an order where every input is ready', () => {
    const m = graphs.shared_twice!();
    const x = tensor([[1, 2, 3]]);
    const c = m.getLayer('c');
    const l = m.getLayer('l');
    const expected = c.apply(l.apply(c.apply(x)));
    expect([...(m.predict(x) as never as { dataSync(): Float32Array }).dataSync()]).toEqual([
      ...(expected as never as { dataSync(): Float32Array }).dataSync(),
    ]);
  });
});

describe('functional models refuse bad inputs and outputs', () => {
  it('refuses an input listed twice', () => {
    const a = input({ shape: [2], name: 'a' });
    const y = dense(1, 'y').apply(a);
    expect(() => model({ name: 'twice', inputs: [a, a], outputs: y })).toThrow(ValueError);
    expect(() => model({ name: 'twice', inputs: [a, a], outputs: y })).toThrow(
      /twice: input 'a' is listed more than once/,
    );
  });

  it('refuses empty inputs or outputs', () => {
    const a = input({ shape: [2], name: 'a' });
    const y = dense(1, 'y').apply(a);
    expect(() => model({ name: 'none', inputs: [], outputs: [] })).toThrow(ValueError);
    expect(() => model({ name: 'none', inputs: [], outputs: [] })).toThrow(
      /none: a functional model needs at least one input and one output, got 0 input\(s\) and 0 output\(s\)/,
    );
    expect(() => model({ name: 'noin', inputs: [], outputs: y })).toThrow(/got 0 input\(s\)/);
    expect(() => new Model({ name: 'noout', inputs: a, outputs: [] })).toThrow(
      /noout: .* 1 input\(s\) and 0 output\(s\)/,
    );
  });

  it('model() refuses a call without inputs and outputs', () => {
    expect(() => model({})).toThrow(ValueError);
    expect(() => model({ name: 'empty' })).toThrow(
      /model 'empty': a functional model needs both inputs and outputs, got no inputs and no outputs/,
    );
    // A subclassing base without a graph stays possible.
    expect(() => new Model({ name: 'base' })).not.toThrow();
  });
});
