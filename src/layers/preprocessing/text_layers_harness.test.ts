/**
 * The text and lookup layers through the Keras-style layer harness (build, output and
 * symbolic shapes, weights, config round trip with the archive's assets): StringLookup,
 * IntegerLookup, TextVectorization and Hashing on fixed token inputs, adapted (vocabulary in
 * assets) and given (vocabulary in the config). They have no gradients (integer or count
 * outputs of discrete inputs), so the gradient and compiled checks are off.
 */
import { describe, it } from 'vitest';
import { runLayerTest } from '../../../test/helpers/run_layer_test.js';
import { tensor } from '../../ops/creation.js';
import { stringTensor } from '../../tensor/string_tensor.js';
import type { Layer } from '../layer.js';
import { Hashing } from './hashing.js';
import { IntegerLookup, StringLookup } from './lookup.js';
import { TextVectorization } from './text_vectorization.js';

const words = stringTensor([
  ['a', 'c', 'd'],
  ['d', 'z', 'b'],
]);
const noGrad = { gradCheck: false, compiledCheck: false, trainingStep: false } as const;

describe('text layers through the layer harness', () => {
  it('StringLookup: adapted (assets) and given (config), int and multi-hot', () => {
    runLayerTest({
      make: (a) => {
        const l = new StringLookup(a as never);
        l.learn([
          ['a', 'c', 'd'],
          ['d', 'z', 'b'],
        ]);
        return l as Layer;
      },
      inputValues: [words],
      expectedOutputShape: [2, 3],
      expectedNumWeights: 0,
      ...noGrad,
    });
    runLayerTest({
      cls: StringLookup,
      args: { vocabulary: ['a', 'b', 'c', 'd'], outputMode: 'multi_hot', numOovIndices: 2 },
      inputValues: [words],
      expectedOutputShape: [2, 6],
      ...noGrad,
    });
  });

  it('IntegerLookup: adapted with a mask, and tf-idf with given weights', () => {
    const ids = tensor(
      [
        [12, 1138, 42],
        [42, 1000, 36],
      ],
      undefined,
      'int32',
    );
    runLayerTest({
      make: (a) => {
        const l = new IntegerLookup({ ...(a as object), maskToken: 0 });
        l.learn([
          [12, 1138, 42],
          [42, 1000, 36],
        ]);
        return l as Layer;
      },
      inputValues: [ids],
      expectedOutputShape: [2, 3],
      ...noGrad,
    });
    runLayerTest({
      cls: IntegerLookup,
      args: {
        vocabulary: [12, 36, 1138, 42],
        idfWeights: [0.5, 0.25, 0.75, 0.6],
        outputMode: 'tf_idf',
      },
      inputValues: [ids],
      expectedOutputShape: [2, 5],
      ...noGrad,
    });
  });

  it('TextVectorization: int sequences and bigram counts', () => {
    const texts = stringTensor(['The cat sat.', 'A dog, the cat!']);
    runLayerTest({
      make: (a) => {
        const l = new TextVectorization({ ...(a as object), outputSequenceLength: 5 });
        l.setVocabulary(['the', 'cat', 'sat', 'dog']);
        return l as Layer;
      },
      inputValues: [texts],
      expectedOutputShape: [2, 5],
      ...noGrad,
    });
    runLayerTest({
      cls: TextVectorization,
      args: { vocabulary: ['the', 'cat', 'the cat'], ngrams: 2, outputMode: 'count' },
      inputValues: [texts],
      expectedOutputShape: [2, 4],
      ...noGrad,
    });
  });

  it('Hashing: strings into bins, salted, one-hot', () => {
    runLayerTest({
      cls: Hashing,
      args: { numBins: 3, salt: [133, 137] },
      inputValues: [words],
      expectedOutputShape: [2, 3],
      ...noGrad,
    });
    runLayerTest({
      cls: Hashing,
      args: { numBins: 4, outputMode: 'multi_hot' },
      inputValues: [words],
      expectedOutputShape: [2, 4],
      ...noGrad,
    });
  });
});
