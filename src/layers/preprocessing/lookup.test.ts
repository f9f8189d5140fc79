/**
 * StringLookup and IntegerLookup on the examples of Keras's docstrings (Keras needs
 * TensorFlow for these layers, so its documented outputs are the oracle) and hand-derived
 * cases: vocabulary order after adapt (count, then the token in reverse), OOV buckets
 * (FarmHash for strings, floor-mod for integers), masks, the encoded output modes, TF-IDF,
 * invert, maxTokens, config round trip and errors.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../test/helpers/expect_close.js';
import { Dataset } from '../../data/dataset.js';
import { tensor } from '../../ops/creation.js';
import { deserialize } from '../../serialization.js';
import type { StringTensor } from '../../tensor/string_tensor.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Layer } from '../layer.js';
import { IntegerLookup, StringLookup } from './lookup.js';

const vocab = ['a', 'b', 'c', 'd'];
const data = [
  ['a', 'c', 'd'],
  ['d', 'z', 'b'],
];
const ints = (t: Tensor) => t.arraySync();

describe('StringLookup (Keras docstring)', () => {
  it('maps a vocabulary, unknown strings to the OOV index 0', () => {
    expect(ints(new StringLookup({ vocabulary: vocab }).apply(data))).toEqual([
      [1, 3, 4],
      [4, 0, 2],
    ]);
  });

  it('learns the vocabulary by count, ties by the token in reverse order', async () => {
    const layer = new StringLookup();
    await layer.adapt(data);
    expect(layer.getVocabulary()).toEqual(['[UNK]', 'd', 'z', 'c', 'b', 'a']);
    expect(ints(layer.apply(data))).toEqual([
      [5, 3, 1],
      [1, 2, 4],
    ]);
  });

  it('hashes unknown strings into several OOV indices with FarmHash, as Keras', () => {
    expect(
      ints(
        new StringLookup({ vocabulary: vocab, numOovIndices: 2 }).apply([
          ['a', 'c', 'd'],
          ['m', 'z', 'b'],
        ]),
      ),
    ).toEqual([
      [2, 4, 5],
      [0, 1, 3],
    ]);
  });

  it('encodes one-hot, multi-hot, counts and TF-IDF', () => {
    expect(
      ints(
        new StringLookup({ vocabulary: vocab, outputMode: 'one_hot' }).apply([
          'a',
          'b',
          'c',
          'd',
          'z',
        ]),
      ),
    ).toEqual([
      [0, 1, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 1],
      [1, 0, 0, 0, 0],
    ]);
    const rows = [
      ['a', 'c', 'd', 'd'],
      ['d', 'z', 'b', 'z'],
    ];
    expect(
      ints(new StringLookup({ vocabulary: vocab, outputMode: 'multi_hot' }).apply(rows)),
    ).toEqual([
      [0, 1, 0, 1, 1],
      [1, 0, 1, 0, 1],
    ]);
    expect(ints(new StringLookup({ vocabulary: vocab, outputMode: 'count' }).apply(rows))).toEqual([
      [0, 1, 0, 1, 2],
      [2, 0, 1, 0, 1],
    ]);
    const tfidf = new StringLookup({ outputMode: 'tf_idf' });
    tfidf.setVocabulary(vocab, [0.25, 0.75, 0.6, 0.4]);
    expectClose(tfidf.apply(rows), [
      [0, 0.25, 0, 0.6, 0.8],
      [1.0, 0, 0.75, 0, 0.4],
    ]);
    const withOov = new StringLookup({ outputMode: 'tf_idf' });
    withOov.setVocabulary(['[UNK]', ...vocab], [0.9, 0.25, 0.75, 0.6, 0.4]);
    expectClose(withOov.apply(rows), [
      [0, 0.25, 0, 0.6, 0.8],
      [1.8, 0, 0.75, 0, 0.4],
    ]);
  });

  it('inverts indices back to strings', () => {
    const inv = new StringLookup({ vocabulary: vocab, invert: true });
    const out = inv.apply(
      tensor(
        [
          [1, 3, 4],
          [4, 0, 2],
        ],
        undefined,
        'int32',
      ),
    ) as unknown as StringTensor;
    expect(out.toArray()).toEqual([
      ['a', 'c', 'd'],
      ['d', '[UNK]', 'b'],
    ]);
  });

  it('masks, caps with maxTokens, adapts over a dataset, and round-trips its config', async () => {
    const masked = new StringLookup({ vocabulary: vocab, maskToken: '' });
    expect(ints(masked.apply([['a', '', 'z']]))).toEqual([[2, 0, 1]]);
    expect(masked.getVocabulary()).toEqual(['', '[UNK]', 'a', 'b', 'c', 'd']);
    const capped = new StringLookup({ maxTokens: 3 });
    await capped.adapt(
      Dataset.from([
        ['x', 'y', 'y'],
        ['y', 'x', 'w'],
      ]).map((r) => r as never),
    );
    expect(capped.getVocabulary()).toEqual(['[UNK]', 'y', 'x']);
    const layer = new StringLookup({ vocabulary: vocab, numOovIndices: 2, maskToken: '' });
    const again = deserialize<Layer>('layer', {
      className: 'StringLookup',
      config: layer.getConfig(),
    }) as StringLookup;
    expect(again.getVocabulary()).toEqual(layer.getVocabulary());
    expect(ints(again.apply(data))).toEqual(ints(layer.apply(data)));
  });

  it('refuses what Keras refuses, naming the layer', async () => {
    expect(() => new StringLookup({ vocabulary: ['a', 'a'] })).toThrow(
      /StringLookup\): the vocabulary repeats "a"/,
    );
    expect(() => new StringLookup({ vocabulary: ['a'], outputMode: 'tf_idf' })).toThrow(
      /needs idfWeights/,
    );
    expect(() => new StringLookup({ invert: true, outputMode: 'one_hot' })).toThrow(
      /invert works only with outputMode 'int'/,
    );
    expect(() => new StringLookup().apply(['a'])).toThrow(/give a vocabulary or call adapt\(\)/);
    await expect(new StringLookup().adapt([] as never)).rejects.toThrow();
    expect(() => new StringLookup({ vocabulary: ['a'], numOovIndices: 0 }).apply(['b'])).toThrow(
      /"b" is not in the vocabulary/,
    );
    expect(() => new StringLookup({ vocabulary: ['a'] }).apply(tensor([1]) as never)).toThrow(
      /inputs must be strings/,
    );
  });
});

describe('IntegerLookup (Keras docstring)', () => {
  const v = [12, 36, 1138, 42];
  const x = tensor(
    [
      [12, 1138, 42],
      [42, 1000, 36],
    ],
    undefined,
    'int32',
  );

  it('maps a vocabulary and learns one by count', async () => {
    expect(ints(new IntegerLookup({ vocabulary: v }).apply(x))).toEqual([
      [1, 3, 4],
      [4, 0, 2],
    ]);
    const layer = new IntegerLookup();
    await layer.adapt(x);
    expect(layer.getVocabulary()).toEqual([-1, 42, 1138, 1000, 36, 12]);
    expect(ints(layer.apply(x))).toEqual([
      [5, 2, 1],
      [1, 3, 4],
    ]);
  });

  it('floor-mods unknown integers into the OOV indices, and encodes', () => {
    const two = new IntegerLookup({ vocabulary: v, numOovIndices: 2 });
    expect(
      ints(
        two.apply(
          tensor(
            [
              [12, 1138, 42],
              [37, 1000, 36],
            ],
            undefined,
            'int32',
          ),
        ),
      ),
    ).toEqual([
      [2, 4, 5],
      [1, 0, 3],
    ]);
    expect(
      ints(
        new IntegerLookup({ vocabulary: v, outputMode: 'multi_hot' }).apply(
          tensor(
            [
              [12, 1138, 42, 42],
              [42, 7, 36, 7],
            ],
            undefined,
            'int32',
          ),
        ),
      ),
    ).toEqual([
      [0, 1, 0, 1, 1],
      [1, 0, 1, 0, 1],
    ]);
    const inv = new IntegerLookup({ vocabulary: v, invert: true });
    expect(
      ints(
        inv.apply(
          tensor(
            [
              [1, 3, 4],
              [4, 0, 2],
            ],
            undefined,
            'int32',
          ),
        ),
      ),
    ).toEqual([
      [12, 1138, 42],
      [42, -1, 36],
    ]);
  });
});

describe('lookup configs', () => {
  it('an adapted vocabulary survives getConfig/fromConfig with its assets (idf weights in the config)', async () => {
    const layer = new StringLookup({ outputMode: 'tf_idf', maskToken: '' });
    await layer.adapt([
      ['a', 'b', 'b'],
      ['c', 'b', ''],
    ]);
    const again = deserialize<Layer>('layer', {
      className: 'StringLookup',
      config: JSON.parse(JSON.stringify(layer.getConfig())),
    }) as StringLookup;
    again.loadAssets(new Map(Object.entries(layer.saveAssets()!)), 'assets/layers/string_lookup');
    expect(again.getVocabulary()).toEqual(layer.getVocabulary());
    expectClose(again.apply([['a', 'z', 'b']]), layer.apply([['a', 'z', 'b']]));
  });
});
