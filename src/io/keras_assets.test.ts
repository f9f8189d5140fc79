/**
 * `.keras` assets: adapted vocabularies of the lookup layers and TextVectorization travel in
 * `assets/<layer path>/vocabulary.txt`, as Keras 3 writes them (keras/src/saving/saving_lib.py
 * `_save_state` calls `save_assets` at each saveable's path; index_lookup.py `save_assets` writes
 * the vocabulary with its special tokens, one per line; `load_assets` splits with Python's
 * `splitlines`). Keras-written archives are built here by hand in that layout, with the config
 * keys Keras 3.15's `get_config` emits, since Keras needs TensorFlow to run these layers.
 */
import { describe, expect, it } from 'vitest';
import { input } from '../layers/input_layer.js';
import { IntegerLookup, StringLookup } from '../layers/preprocessing/lookup.js';
import { TextVectorization } from '../layers/preprocessing/text_vectorization.js';
import { model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import { writeKerasWeights } from './keras_weights.js';
import { loadModelFromBytes, modelToKerasBytes, modelToTfjs } from './save_load.js';
import { readZip, writeZip } from './zip.js';

const utf8 = new TextEncoder();
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const policy = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};

/** A Keras 3 Sequential config of one input and one layer. */
function kerasSequential(
  dtype: string,
  shape: (number | null)[],
  className: string,
  config: object,
) {
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      trainable: true,
      dtype: policy,
      layers: [
        {
          module: 'keras.layers',
          class_name: 'InputLayer',
          config: {
            batch_shape: shape,
            dtype,
            sparse: false,
            ragged: false,
            name: 'input_layer',
            optional: false,
          },
          registered_name: null,
        },
        {
          module: 'keras.layers',
          class_name: className,
          config,
          registered_name: null,
          build_config: { input_shape: shape },
        },
      ],
      build_input_shape: shape,
    },
    registered_name: null,
    build_config: { input_shape: shape },
  };
}

/** StringLookup's config as Keras 3.15 writes it (IndexLookup.get_config + StringLookup's). */
function kerasStringLookupConfig(extra: object = {}) {
  return {
    name: 'string_lookup',
    trainable: true,
    dtype: policy,
    invert: false,
    max_tokens: null,
    num_oov_indices: 1,
    oov_token: '[UNK]',
    mask_token: null,
    output_mode: 'int',
    sparse: false,
    pad_to_max_tokens: false,
    idf_weights: null,
    vocabulary: null,
    vocabulary_size: 6,
    oov_method: 'floormod',
    salt: null,
    encoding: 'utf-8',
    ...extra,
  };
}

/** A `.keras` archive with Keras's layout: the weights come from an equivalent Tessera model. */
async function kerasArchive(
  config: object,
  weightsOf: Parameters<typeof writeKerasWeights>[0],
  assets: Record<string, string | Uint8Array>,
) {
  const files: Record<string, Uint8Array> = {
    'metadata.json': utf8.encode(
      JSON.stringify({ keras_version: '3.15.1', date_saved: '2026-12-07@12:00:00' }),
    ),
    'config.json': utf8.encode(JSON.stringify(config)),
    'model.weights.h5': await writeKerasWeights(weightsOf, { includeOptimizer: false }),
  };
  for (const [k, v] of Object.entries(assets))
    files[k] = typeof v === 'string' ? utf8.encode(v) : v;
  return writeZip(files);
}

function stringLookupModel() {
  const m = new Sequential([
    input({ shape: [3], dtype: 'string' }),
    new StringLookup({ name: 'string_lookup' }),
  ]);
  return m;
}

describe('.keras assets: what Tessera writes', () => {
  it('writes an adapted vocabulary to assets/ as Keras does, and reads it back', async () => {
    const tv = new TextVectorization({
      maxTokens: 12,
      outputSequenceLength: 4,
      name: 'text_vectorization',
    });
    await tv.adapt(['foo bar', 'bar baz', 'baz bada boom']);
    const x = input({ shape: [], dtype: 'string' });
    const m = model({ inputs: x, outputs: tv.apply(x) });
    const bytes = await modelToKerasBytes(m);
    const zip = readZip(bytes);
    const vocab = '\n[UNK]\nbaz\nbar\nfoo\nboom\nbada';
    // Keras writes the file at the layer's path and again at its `_lookup_layer`'s.
    expect(text(zip.get('assets/layers/text_vectorization/vocabulary.txt'))).toBe(vocab);
    expect(text(zip.get('assets/layers/text_vectorization/_lookup_layer/vocabulary.txt'))).toBe(
      vocab,
    );
    const cfg = JSON.parse(text(zip.get('config.json')));
    const layerCfg = cfg.config.layers[1].config;
    expect(layerCfg.vocabulary).toBeNull();
    expect(layerCfg.vocabulary_size).toBe(7);
    expect(layerCfg.encoding).toBe('utf-8');
    expect(cfg.config.layers[0].config.dtype).toBe('string');

    const back = await loadModelFromBytes(bytes);
    const input1 = ['foo qux bar', 'qux baz'];
    expect((back.predict(input1) as Tensor).arraySync()).toEqual([
      [4, 1, 3, 0],
      [1, 2, 0, 0],
    ]);
    const tv2 = back.layers.find((l) => l instanceof TextVectorization) as TextVectorization;
    expect(tv2.getVocabulary()).toEqual(tv.getVocabulary());
    // Learnt, not given: the loaded layer can adapt again, as in Keras.
    await tv2.adapt(['x y', 'y']);
    expect(tv2.getVocabulary()).toEqual(['', '[UNK]', 'y', 'x']);
  });

  it('keeps a given vocabulary in the config (no assets), TF-IDF weights in the config', async () => {
    const given = new StringLookup({ vocabulary: ['a', 'b'], name: 'string_lookup' });
    const m1 = new Sequential([input({ shape: [2], dtype: 'string' }), given]);
    const z1 = readZip(await modelToKerasBytes(m1));
    expect([...z1.keys()].some((k) => k.startsWith('assets/'))).toBe(false);
    expect(JSON.parse(text(z1.get('config.json'))).config.layers[1].config.vocabulary).toEqual(
      ['[UNK]', 'a', 'b'].slice(1),
    );

    const tfidf = new StringLookup({ outputMode: 'tf_idf', name: 'string_lookup' });
    await tfidf.adapt([
      ['a', 'b'],
      ['b', 'c'],
    ]);
    const m2 = new Sequential([input({ shape: [2], dtype: 'string' }), tfidf]);
    const bytes = await modelToKerasBytes(m2);
    const back = await loadModelFromBytes(bytes);
    const probe = [
      ['a', 'b'],
      ['z', 'c'],
    ];
    expect((back.predict(probe) as Tensor).arraySync()).toEqual(
      (m2.predict(probe) as Tensor).arraySync(),
    );
  });

  it('puts a vocabulary whose terms hold line breaks in the config instead', async () => {
    const l = new StringLookup({ name: 'string_lookup' });
    await l.adapt([['one\nline', 'two\u2028', 'x']]);
    const m = new Sequential([input({ shape: [3], dtype: 'string' }), l]);
    const bytes = await modelToKerasBytes(m);
    const zip = readZip(bytes);
    expect(zip.has('assets/layers/string_lookup/vocabulary.txt')).toBe(false);
    const back = await loadModelFromBytes(bytes);
    expect((back.layers[0] as StringLookup).getVocabulary()).toEqual(l.getVocabulary());
  });

  it('refuses TF.js model.json for a layer whose vocabulary needs assets', async () => {
    const l = new StringLookup();
    await l.adapt([['a']]);
    const m = new Sequential([input({ shape: [1], dtype: 'string' }), l]);
    expect(() => modelToTfjs(m)).toThrow(/cannot hold; save the model as \.keras/);
  });
});

describe('.keras assets: what Keras writes', () => {
  it("loads Keras's adapted StringLookup (docstring vocabulary) from assets/", async () => {
    const config = kerasSequential('string', [null, 3], 'StringLookup', kerasStringLookupConfig());
    const bytes = await kerasArchive(config, stringLookupModel(), {
      'assets/layers/string_lookup/vocabulary.txt': '[UNK]\nd\nz\nc\nb\na',
    });
    const m = await loadModelFromBytes(bytes);
    // Keras's docstring: adapt on [["a","c","d"],["d","z","b"]] then call on the same data.
    expect(
      (
        m.predict([
          ['a', 'c', 'd'],
          ['d', 'z', 'b'],
        ]) as Tensor
      ).arraySync(),
    ).toEqual([
      [5, 3, 1],
      [1, 2, 4],
    ]);
  });

  it("splits Keras's file as Python's splitlines and drops trailing empty lines", async () => {
    const config = kerasSequential(
      'string',
      [null, 3],
      'StringLookup',
      kerasStringLookupConfig({ vocabulary_size: 4 }),
    );
    const bytes = await kerasArchive(config, stringLookupModel(), {
      'assets/layers/string_lookup/vocabulary.txt': '[UNK]\r\nü\u2028b\rc\n\n',
    });
    const m = await loadModelFromBytes(bytes);
    expect((m.layers[0] as StringLookup).getVocabulary()).toEqual(['[UNK]', 'ü', 'b', 'c']);
  });

  it("loads Keras's TextVectorization (config keys and the _lookup_layer copy) and IntegerLookup", async () => {
    const tvConfig = {
      name: 'text_vectorization',
      trainable: true,
      dtype: policy,
      max_tokens: null,
      standardize: 'lower_and_strip_punctuation',
      split: 'whitespace',
      ngrams: null,
      output_mode: 'int',
      output_sequence_length: 4,
      pad_to_max_tokens: false,
      sparse: false,
      ragged: false,
      vocabulary: null,
      idf_weights: null,
      encoding: 'utf-8',
      vocabulary_size: 7,
    };
    const vocab = '\n[UNK]\nbaz\nbar\nfoo\nboom\nbada';
    const shapeless = kerasSequential('string', [null, 1], 'TextVectorization', tvConfig);
    const tvTessera = new Sequential([
      input({ shape: [1], dtype: 'string' }),
      new TextVectorization({ name: 'text_vectorization' }),
    ]);
    const m = await loadModelFromBytes(
      await kerasArchive(shapeless, tvTessera, {
        'assets/layers/text_vectorization/vocabulary.txt': vocab,
        'assets/layers/text_vectorization/_lookup_layer/vocabulary.txt': vocab,
      }),
    );
    // Keras's docstring example for this vocabulary.
    expect((m.predict([['foo qux bar'], ['qux baz']]) as Tensor).arraySync()).toEqual([
      [4, 1, 3, 0],
      [1, 2, 0, 0],
    ]);

    const ilConfig = {
      name: 'integer_lookup',
      trainable: true,
      dtype: policy,
      invert: false,
      max_tokens: null,
      num_oov_indices: 1,
      oov_token: -1,
      mask_token: null,
      output_mode: 'int',
      sparse: false,
      pad_to_max_tokens: false,
      vocabulary_dtype: 'int64',
      idf_weights: null,
      vocabulary: null,
      vocabulary_size: 6,
      oov_method: 'floormod',
      salt: null,
    };
    const il = await loadModelFromBytes(
      await kerasArchive(
        kerasSequential('int64', [null, 3], 'IntegerLookup', ilConfig),
        new Sequential([
          input({ shape: [3], dtype: 'int32' }),
          new IntegerLookup({ name: 'integer_lookup' }),
        ]),
        { 'assets/layers/integer_lookup/vocabulary.txt': '-1\n42\n1138\n1000\n36\n12' },
      ),
    );
    // Keras's docstring: adapt on [[12, 1138, 42], [42, 1000, 36]].
    expect(
      (
        il.predict(
          tensor(
            [
              [12, 1138, 42],
              [42, 1000, 36],
            ],
            undefined,
            'int32',
          ),
        ) as Tensor
      ).arraySync(),
    ).toEqual([
      [5, 2, 1],
      [1, 3, 4],
    ]);
  });

  it('refuses broken assets with the file named', async () => {
    const load = async (
      assets: Record<string, string | Uint8Array>,
      extra: object = {},
      cls = 'StringLookup',
    ) =>
      loadModelFromBytes(
        await kerasArchive(
          kerasSequential(
            cls === 'StringLookup' ? 'string' : 'int64',
            [null, 3],
            cls,
            cls === 'StringLookup'
              ? kerasStringLookupConfig(extra)
              : {
                  ...kerasStringLookupConfig(extra),
                  name: 'integer_lookup',
                  oov_token: -1,
                  vocabulary_dtype: 'int64',
                  encoding: undefined,
                },
          ),
          cls === 'StringLookup'
            ? stringLookupModel()
            : new Sequential([
                input({ shape: [3], dtype: 'int32' }),
                new IntegerLookup({ name: 'integer_lookup' }),
              ]),
          assets,
        ),
      );
    const path = 'assets/layers/string_lookup/vocabulary.txt';
    await expect(load({})).rejects.toThrow(FormatError);
    await expect(load({})).rejects.toThrow(
      /vocabulary\.txt is missing, but the layer was saved with a vocabulary of 6/,
    );
    await expect(load({ [path]: '[UNK]\na\nb' })).rejects.toThrow(
      /holds 3 entries, but the layer was saved with a vocabulary of 6/,
    );
    await expect(
      load({ [path]: new Uint8Array([0x5b, 0xff, 0xfe]) }, { vocabulary_size: null }),
    ).rejects.toThrow(/not valid UTF-8/);
    await expect(load({ [path]: '[UNK]\na\na' }, { vocabulary_size: null })).rejects.toThrow(
      /repeats "a"/,
    );
    await expect(
      load(
        { 'assets/layers/integer_lookup/vocabulary.txt': '-1\n4\nfive' },
        { vocabulary_size: null },
        'IntegerLookup',
      ),
    ).rejects.toThrow(/line 3 is "five", not an integer/);
    await expect(
      load({ [path]: '[UNK]\na\nb' }, { vocabulary_size: 3, output_mode: 'tf_idf' }),
    ).rejects.toThrow(/needs idf weights/);
  });
});

describe('lookup options Keras writes: oovMethod and salt', () => {
  it("hashes integers with FarmHash64 of their text (Keras's docstring)", () => {
    const oov = tensor([100, 300, 700, 1100, 1700, 2000], undefined, 'int32');
    const floormod = new IntegerLookup({
      vocabulary: [10, 20, 30],
      numOovIndices: 4,
      oovMethod: 'floormod',
    });
    const farmhash = new IntegerLookup({
      vocabulary: [10, 20, 30],
      numOovIndices: 4,
      oovMethod: 'farmhash',
    });
    expect(floormod.apply(oov).arraySync()).toEqual([0, 0, 0, 0, 0, 0]);
    expect(farmhash.apply(oov).arraySync()).toEqual([3, 3, 2, 2, 0, 1]);
    expect(() => new IntegerLookup({ salt: 3 })).toThrow(
      /salt can only be used with oovMethod 'farmhash'/,
    );
    expect(() => new StringLookup({ encoding: 'latin-1' })).toThrow(/only the 'utf-8' encoding/);
    const cfg = new StringLookup({ salt: [1, 2] }).getConfig();
    expect(cfg.salt).toEqual([1, 2]);
    expect(cfg.oovMethod).toBe('floormod');
  });
});
