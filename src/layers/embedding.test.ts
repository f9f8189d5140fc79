import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { randomValues } from '../../test/helpers/grad_check.js';
import { runLayerTest } from '../../test/helpers/run_layer_test.js';
import { variableGrads } from '../autograd/grad.js';
import { ValueError } from '../errors.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { setSeed } from '../ops/random.js';
import { Embedding } from './embedding.js';
import { input } from './input_layer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ids = (a: number[][]) => tensor(a, undefined, 'int32');

describe('Embedding', () => {
  it('passes the layer harness (gradient checked on the embedding matrix)', () => {
    runLayerTest({
      cls: Embedding,
      args: { inputDim: 10, outputDim: 4 },
      inputShape: [2, 3],
      inputDType: 'int32',
      expectedOutputShape: [2, 3, 4],
      expectedNumWeights: 1,
      expectedNumTrainableWeights: 1,
      expectedWeightShapes: [[10, 4]],
      learningRate: 0.5,
    });
    // Any id shape: [batch] and [batch, a, b].
    runLayerTest({
      cls: Embedding,
      args: { inputDim: 12, outputDim: 2, maskZero: true },
      inputShape: [5],
      inputDType: 'int32',
      expectedOutputShape: [5, 2],
      learningRate: 0.5,
    });
    runLayerTest({
      cls: Embedding,
      args: { inputDim: 10, outputDim: 3 },
      inputShape: [2, 2, 3],
      inputDType: 'int32',
      expectedOutputShape: [2, 2, 3, 3],
      learningRate: 0.5,
    });
  });

  it('matches tf.layers.embedding with the same weights', () => {
    const w = Array.from(randomValues([6 * 3], 1).values);
    const ours = new Embedding({ inputDim: 6, outputDim: 3 });
    const theirs = tf.layers.embedding({ inputDim: 6, outputDim: 3 });
    const x = [
      [0, 5, 2, 2],
      [1, 3, 4, 0],
    ];
    ours.apply(ids(x));
    theirs.build([2, 4]);
    ours.setWeights([tensor(w, [6, 3])]);
    theirs.setWeights([tf.tensor(w, [6, 3])]);
    const y = ours.apply(ids(x));
    const ty = theirs.apply(tf.tensor(x, undefined, 'int32')) as tf.Tensor;
    expect(y.shape).toEqual(ty.shape);
    expectClose(y, ty.dataSync(), { rtol: 1e-6 });
    // The gradient into the matrix: a scatter-add of dy rows (repeated ids add up).
    const dy = Array.from(randomValues([2 * 4 * 3], 2).values);
    const { grads } = variableGrads(
      () =>
        ours
          .apply(ids(x))
          .mul(tensor(dy, [2, 4, 3]))
          .sum(),
      [ours.embeddings!],
    );
    const tg = tf.variableGrads(
      () =>
        (theirs.apply(tf.tensor(x, undefined, 'int32')) as tf.Tensor)
          .mul(tf.tensor(dy, [2, 4, 3]))
          .sum() as tf.Scalar,
      [theirs.trainableWeights[0]!.read() as tf.Variable],
    );
    expectClose(grads[0]!, Object.values(tg.grads)[0]!.dataSync(), { rtol: 1e-5, atol: 1e-6 });
  });

  it('its gradient is a scatter-add into the used rows (repeated ids add up)', () => {
    const x = [
      [1, 1, 3],
      [0, 3, 3],
    ];
    const layer = new Embedding({ inputDim: 5, outputDim: 2, dtype: 'float64' });
    layer.apply(ids(x));
    const dy = Array.from(randomValues([2 * 3 * 2], 3).values);
    const { grads } = variableGrads(
      () =>
        layer
          .apply(ids(x))
          .mul(tensor(dy, [2, 3, 2], 'float64'))
          .sum(),
      [layer.embeddings!],
    );
    const want = Array.from({ length: 5 }, () => [0, 0]);
    x.flat().forEach((id, k) => {
      want[id]![0] += dy[2 * k]!;
      want[id]![1] += dy[2 * k + 1]!;
    });
    expectClose(grads[0]!, want, { rtol: 1e-12, atol: 1e-12 });
  });

  it('accepts integer-valued float ids', () => {
    const e = new Embedding({ inputDim: 4, outputDim: 2 });
    const a = e.apply(tensor([[1, 3]]));
    const b = e.apply(ids([[1, 3]]));
    expectClose(a, b, { rtol: 0, atol: 0 });
  });

  it('refuses bad ids, naming the layer, the id and inputDim', () => {
    const e = new Embedding({ inputDim: 5, outputDim: 2, name: 'tok_emb' });
    expect(() => e.apply(ids([[1, 5]]))).toThrow(ValueError);
    expect(() => e.apply(ids([[1, 5]]))).toThrow(
      /tok_emb \(Embedding\): token id 5 is out of range \[0, 5\) for inputDim 5/,
    );
    expect(() => e.apply(ids([[-1, 2]]))).toThrow(
      /tok_emb \(Embedding\): token id -1 is out of range/,
    );
    expect(() => e.apply(tensor([[1.5, 2]]))).toThrow(
      /tok_emb \(Embedding\): token ids must be integers, got 1.5/,
    );
    expect(() => e.apply(tensor([[Number.NaN]]))).toThrow(/must be integers, got NaN/);
  });

  it('refuses bad options', () => {
    expect(() => new Embedding({ inputDim: 0, outputDim: 2 })).toThrow(
      /inputDim must be a positive integer/,
    );
    expect(() => new Embedding({ inputDim: 3, outputDim: 1.5 })).toThrow(/outputDim must be/);
    expect(() => new Embedding({} as never)).toThrow(ValueError);
  });

  it('maskZero: the mask is ids != 0, and only then does it support masking', () => {
    const x = ids([
      [3, 1, 0, 0],
      [2, 0, 4, 0],
    ]);
    const e = new Embedding({ inputDim: 5, outputDim: 2, maskZero: true });
    e.apply(x);
    const m = e.computeMask(x, null)!;
    expect(m.dtype).toBe('bool');
    expect(m.arraySync()).toEqual([
      [true, true, false, false],
      [true, false, true, false],
    ]);
    expect(e.supportsMasking).toBe(true);
    const plain = new Embedding({ inputDim: 5, outputDim: 2 });
    expect(plain.supportsMasking).toBe(false);
    expect(plain.computeMask(x, null)).toBeNull();
  });

  it('default initializer is RandomUniform(−0.05, 0.05), as Keras', () => {
    setSeed(3);
    const e = new Embedding({ inputDim: 50, outputDim: 8 });
    e.apply(ids([[1]]));
    const v = Array.from(e.embeddings!.dataSync());
    expect(Math.max(...v)).toBeLessThan(0.05);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...v)).toBeGreaterThan(0.04);
    expect(e.getConfig().embeddingsInitializer).toEqual({
      className: 'RandomUniform',
      config: { minval: -0.05, maxval: 0.05, seed: null },
    });
  });

  it('symbolic shapes, and inputLength fixes the input shape of a Sequential', () => {
    const t = input({ shape: [7], dtype: 'int32' });
    expect(new Embedding({ inputDim: 9, outputDim: 3 }).apply(t).shape).toEqual([null, 7, 3]);
    const m = new Sequential({
      layers: [new Embedding({ inputDim: 9, outputDim: 3, inputLength: 7 })],
    });
    expect(m.outputs[0]!.shape).toEqual([null, 7, 3]);
    expect(m.countParams()).toBe(27);
  });

  it('config round trip (regularizer, constraint, maskZero)', () => {
    const e = new Embedding({
      inputDim: 7,
      outputDim: 2,
      maskZero: true,
      embeddingsRegularizer: 'l2',
      embeddingsConstraint: 'unitNorm',
      embeddingsInitializer: 'glorotUniform',
    });
    const c = e.getConfig();
    expect(c).toMatchObject({ inputDim: 7, outputDim: 2, maskZero: true });
    const again = Embedding.fromConfig(JSON.parse(JSON.stringify(c)));
    expect(again.getConfig()).toEqual(c);
    expect(again.maskZero).toBe(true);
    // The regularizer adds a loss once built.
    again.apply(ids([[1]]));
    expect(again.losses).toHaveLength(1);
  });
});
