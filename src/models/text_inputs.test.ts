/**
 * Models that take text: an `input({ dtype: 'string' })` feeding TextVectorization (or
 * StringLookup, Hashing) inside the model, trained with `fit` on strings and on a dataset of
 * strings; compiled steps trace from where the text became numbers and agree with eager.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/helpers/expect_close.js';
import { Dataset } from '../data/dataset.js';
import { DTypeError } from '../errors.js';
import { loadModelFromBytes, modelToKerasBytes } from '../io/save_load.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { input } from '../layers/input_layer.js';
import { GlobalAveragePooling1D } from '../layers/pooling.js';
import { StringLookup } from '../layers/preprocessing/lookup.js';
import { TextVectorization } from '../layers/preprocessing/text_vectorization.js';
import { tensor } from '../ops/creation.js';
import { setSeed } from '../ops/random.js';
import { stringTensor } from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { compiledStepInfo } from './jit_steps.js';
import { model } from './model.js';
import { Sequential } from './sequential.js';

const texts = [
  'the cat sat on the mat',
  'a dog ate my homework',
  'the dog sat',
  'cats and dogs',
  'my cat is on the mat',
  'homework is hard',
  'the mat is red',
  'a red dog',
];
const labels = [1, 0, 1, 0, 1, 0, 1, 0];

async function textModel(seed: number) {
  setSeed(seed);
  const tv = new TextVectorization({ maxTokens: 30, outputSequenceLength: 6 });
  await tv.adapt(texts);
  const x = input({ shape: [], dtype: 'string', name: 'text' });
  const ids = tv.apply(x);
  const h = new GlobalAveragePooling1D().apply(
    new Embedding({ inputDim: 30, outputDim: 4 }).apply(ids),
  );
  const y = new Dense({ units: 1, activation: 'sigmoid' }).apply(h);
  return model({ inputs: x, outputs: y });
}

describe('models with text inputs', () => {
  it('builds a graph from a string input: text layers give numbers, other layers refuse text', async () => {
    const x = input({ shape: [], dtype: 'string' });
    expect(x.dtype).toBe('string');
    const tv = new TextVectorization({ vocabulary: ['cat', 'dog'], outputSequenceLength: 3 });
    const ids = tv.apply(x);
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([null, 3]);
    expect(() => new Dense({ units: 2 }).apply(x)).toThrow(DTypeError);
    expect(() => new Dense({ units: 2 }).apply(x)).toThrow(/string tensor.*takes numbers/);
    const encoded = new StringLookup({ vocabulary: ['a', 'b'], outputMode: 'multi_hot' }).apply(
      input({ shape: [2], dtype: 'string' }),
    );
    expect(encoded.dtype).toBe('float32');
    expect(encoded.shape).toEqual([null, 3]);
  });

  it('predicts on strings, arrays or string tensors, the same as vectorizing first', async () => {
    const m = await textModel(1);
    const tv = m.layers[1] as TextVectorization;
    const direct = m.predict(texts) as Tensor;
    const viaTensor = m.predict(stringTensor(texts)) as Tensor;
    expect(viaTensor.arraySync()).toEqual(direct.arraySync());
    // The same numbers through the rest of the graph by hand.
    let h = tv.apply(texts);
    for (const l of m.layers.slice(2)) h = l.apply(h);
    expectClose(direct, h, { atol: 1e-6 });
    expect(direct.shape).toEqual([8, 1]);
  });

  it('fits on strings: compiled steps trace after the text prefix and match eager', async () => {
    const run = async (jitCompile: boolean) => {
      const m = await textModel(7);
      m.compile({
        optimizer: 'adam',
        loss: 'binaryCrossentropy',
        metrics: ['accuracy'],
        jitCompile,
      });
      const h = await m.fit(texts, tensor(labels, [8, 1]), {
        epochs: 4,
        batchSize: 4,
        shuffle: false,
        verbose: 0,
      });
      return { m, loss: h.history.loss as number[] };
    };
    const eager = await run(false);
    const jit = await run(true);
    expect(jit.loss[3]!).toBeLessThan(jit.loss[0]!);
    jit.loss.forEach((l, i) => expect(l).toBeCloseTo(eager.loss[i]!, 5));
    const info = compiledStepInfo(jit.m);
    expect(info.train.compiled.length).toBeGreaterThan(0);
    expect(info.train.fallbacks).toEqual([]);
    // The compiled graph takes the vectorized ids, not the text.
    expect(info.train.compiled[0]!.signature).toContain('int32[4,6]');
    expectClose(jit.m.predict(texts) as Tensor, eager.m.predict(texts) as Tensor, { atol: 1e-5 });
  });

  it('fits and evaluates on a dataset of [text, label] batches', async () => {
    const m = await textModel(3);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const ds = Dataset.fromTensorSlices([
      stringTensor(texts),
      tensor(labels, [8, 1]),
    ] as never).batch(3);
    const h = await m.fit(ds, { epochs: 3, verbose: 0 });
    expect(h.history.loss).toHaveLength(3);
    const logs = await m.evaluate(ds, { verbose: 0 });
    expect(Number.isFinite(logs.loss)).toBe(true);
    const p = (await m.predict(Dataset.fromTensorSlices(stringTensor(texts)).batch(5))) as Tensor;
    expect(p.shape).toEqual([8, 1]);
  });

  it('saves and loads through .keras: same predictions on raw text', async () => {
    const m = await textModel(5);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    await m.fit(texts, tensor(labels, [8, 1]), { epochs: 2, batchSize: 4, verbose: 0 });
    const back = await loadModelFromBytes(await modelToKerasBytes(m));
    expect((back.predict(texts) as Tensor).arraySync()).toEqual(
      (m.predict(texts) as Tensor).arraySync(),
    );
    expect(back.inputs[0]!.dtype).toBe('string');
  });

  it('works in a Sequential that starts with a string input', async () => {
    const tv = new TextVectorization({ maxTokens: 30, outputMode: 'multi_hot' });
    await tv.adapt(texts);
    const m = new Sequential([
      input({ shape: [1], dtype: 'string' }),
      tv,
      new Dense({ units: 1, activation: 'sigmoid' }),
    ]);
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const h = await m.fit(
      texts.map((t) => [t]),
      tensor(labels, [8, 1]),
      { epochs: 2, verbose: 0 },
    );
    expect(h.history.loss).toHaveLength(2);
  });

  it('says clearly when text meets a numeric input, or numbers a text input', async () => {
    const m = await textModel(2);
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    expect(() => m.predict(tensor([[1], [2]]))).toThrow(
      /input 'text' takes strings, got a float32 tensor/,
    );
    const x = input({ shape: [2], name: 'nums' });
    const plain = model({ inputs: x, outputs: new Dense({ units: 1 }).apply(x) });
    expect(() => plain.predict([['a', 'b']] as never)).toThrow(
      /holds strings, but input 'nums' takes numbers/,
    );
  });
});
