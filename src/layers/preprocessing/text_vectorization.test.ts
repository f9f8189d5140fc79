/**
 * TextVectorization on Keras's docstring examples (Keras needs TensorFlow for this layer) and
 * hand-derived cases: standardization, whitespace and character splits, n-grams, padding and
 * truncation, multi-hot, counts, TF-IDF weights log(1 + N / (1 + df)), adapting on a dataset,
 * the config round trip, and errors; then a text classifier trains on it end to end.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { Dataset } from '../../data/dataset.js';
import { Sequential } from '../../models/sequential.js';
import { tensor } from '../../ops/creation.js';
import { setSeed } from '../../ops/random.js';
import { Adam } from '../../optimizers/adam.js';
import { deserialize } from '../../serialization.js';
import { stringTensor } from '../../tensor/string_tensor.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Dense } from '../dense.js';
import type { Layer } from '../layer.js';
import { TextVectorization } from './text_vectorization.js';

describe('TextVectorization (Keras docstring)', () => {
  it('adapts, then maps and pads to outputSequenceLength', async () => {
    const v = new TextVectorization({
      maxTokens: 5000,
      outputMode: 'int',
      outputSequenceLength: 4,
    });
    await v.adapt(['foo bar', 'bar baz', 'baz bada boom']);
    expect(v.apply([['foo qux bar'], ['qux baz']]).arraySync()).toEqual([
      [4, 1, 3, 0],
      [1, 2, 0, 0],
    ]);
  });

  it('takes a vocabulary: padding and OOV come first', () => {
    const v = new TextVectorization({
      maxTokens: 5000,
      outputSequenceLength: 4,
      vocabulary: ['earth', 'wind', 'and', 'fire'],
    });
    expect(v.getVocabulary()).toEqual(['', '[UNK]', 'earth', 'wind', 'and', 'fire']);
    // Truncated at the end to 4; "also" and "michigan" are OOV (1).
    expect(v.apply(['Earth, wind and also fire!', 'fire and earth michigan']).arraySync()).toEqual([
      [2, 3, 4, 1],
      [5, 4, 2, 1],
    ]);
  });
});

describe('TextVectorization', () => {
  it('standardizes as asked and splits by characters; n-grams follow the tokens', async () => {
    const raw = new TextVectorization({
      standardize: null,
      split: 'character',
      vocabulary: ['a', 'B'],
    });
    expect(raw.apply(['aBc']).arraySync()).toEqual([[2, 3, 1]]);
    const bi = new TextVectorization({ ngrams: 2, outputMode: 'int' });
    await bi.adapt(['a b c']);
    // Tokens a, b, c, then "a b", "b c": all once, in reverse order by ties.
    expect(bi.getVocabulary()).toEqual(['', '[UNK]', 'c', 'b c', 'b', 'a b', 'a']);
    expect(bi.apply(['a b']).arraySync()).toEqual([[6, 4, 5]]);
    // Without outputSequenceLength, the batch pads to its longest sequence.
    expect(bi.apply(['a', 'a b c']).arraySync()).toEqual([
      [6, 0, 0, 0, 0],
      [6, 4, 2, 5, 3],
    ]);
    expect(bi.apply('a b').arraySync()).toEqual([6, 4, 5]);
  });

  it('outputs multi-hot, counts and TF-IDF rows', async () => {
    const docs = ['the cat sat', 'the cat', 'a dog'];
    const mh = new TextVectorization({ outputMode: 'multi_hot' });
    await mh.adapt(docs);
    // the 2, cat 2, then sat, dog, a (ties in reverse order); no padding slot in this mode.
    expect(mh.getVocabulary()).toEqual(['[UNK]', 'the', 'cat', 'sat', 'dog', 'a']);
    expect(mh.apply(['the the zebra']).arraySync()).toEqual([[1, 1, 0, 0, 0, 0]]);
    const count = new TextVectorization({ outputMode: 'count', vocabulary: ['the', 'cat'] });
    expect(count.apply(['the the zebra cat']).arraySync()).toEqual([[1, 2, 1]]);
    const tfidf = new TextVectorization({ outputMode: 'tf_idf' });
    await tfidf.adapt(docs);
    const idf = (df: number) => Math.log(1 + 3 / (1 + df));
    // OOV's weight is the mean of the terms' (Keras's rule); 'the' appears in 2 documents.
    const w = [idf(2), idf(2), idf(1), idf(1), idf(1)];
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    expectClose(tfidf.apply(['the the zebra dog']), [[mean, 2 * w[0]!, 0, 0, w[3]!, 0]], {
      atol: 1e-6,
    });
  });

  it('adapts on a dataset of [text, label] batches; config plus assets restore it', async () => {
    const texts = stringTensor(['Good movie', 'bad movie', 'good good fun', 'awful']);
    const ds = Dataset.fromTensorSlices([texts, tensor([1, 0, 1, 0])]).batch(2);
    const v = new TextVectorization({ outputSequenceLength: 3 });
    await v.adapt(ds);
    expect(v.getVocabulary().slice(0, 4)).toEqual(['', '[UNK]', 'good', 'movie']);
    const again = deserialize<Layer>('layer', {
      className: 'TextVectorization',
      config: JSON.parse(JSON.stringify(v.getConfig())),
    }) as TextVectorization;
    // As Keras: the config holds the options, the learnt vocabulary travels as an asset.
    expect(again.getVocabulary()).toEqual(['', '[UNK]']);
    again.loadAssets(new Map(Object.entries(v.saveAssets()!)), 'assets/layers/text_vectorization');
    expect(again.getVocabulary()).toEqual(v.getVocabulary());
    expect(again.apply(texts).arraySync()).toEqual(v.apply(texts).arraySync());
  });

  it('refuses bad options and inputs, naming the layer', () => {
    expect(
      () => new TextVectorization({ outputMode: 'multi_hot', outputSequenceLength: 3 }),
    ).toThrow(/outputSequenceLength applies only to outputMode 'int'/);
    expect(() => new TextVectorization({ split: 'comma' as never })).toThrow(/split must be/);
    expect(() => new TextVectorization().apply(['a'])).toThrow(
      /give a vocabulary or call adapt\(\)/,
    );
    expect(() =>
      new TextVectorization({ vocabulary: ['a'] }).apply(tensor([1, 2]) as never),
    ).toThrow(/inputs must be strings/);
    expect(() => new TextVectorization({ vocabulary: ['a'] }).apply([['a', 'b']])).toThrow(
      /shape \[batch\] or \[batch, 1\]/,
    );
    expect(() =>
      new TextVectorization({ vocabulary: ['a'], standardize: (s) => s }).getConfig(),
    ).toThrow(/cannot be saved/);
  });

  it('feeds a classifier: vectorized text in a dataset trains a Dense model', async () => {
    setSeed(5);
    const good = ['great fun film', 'loved it', 'great acting', 'fun and loved'];
    const bad = ['awful film', 'boring and bad', 'bad acting', 'awful boring'];
    const v = new TextVectorization({ outputMode: 'multi_hot' });
    await v.adapt([...good, ...bad]);
    const x = v.apply([...good, ...bad]) as Tensor;
    const y = tensor([1, 1, 1, 1, 0, 0, 0, 0]).reshape([8, 1]);
    const m = new Sequential({
      layers: [new Dense({ units: 1, activation: 'sigmoid', inputShape: [v.vocabularySize()] })],
    });
    m.compile({
      optimizer: new Adam({ learningRate: 0.05 }),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    await m.fit(x, y, { epochs: 100, verbose: 0 });
    expect(m.evaluate(x, y).accuracy).toBe(1);
    const p = (m.predict(v.apply(['great and loved', 'boring awful'])) as Tensor).dataSync();
    expect(p[0]).toBeGreaterThan(0.5);
    expect(p[1]).toBeLessThan(0.5);
  });
});
