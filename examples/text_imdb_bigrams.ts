/**
 * "Deep Learning with Python", chapter 11's bag-of-bigrams classifier, from raw text files:
 * `textDatasetFromDirectory` on the IMDB reviews, `TextVectorization` (bigrams, 20,000 tokens,
 * multi-hot) adapted on the training texts, then Dense(16, relu) → Dropout(0.5) →
 * Dense(1, sigmoid) with rmsprop (the book reaches about 90 % test accuracy).
 *
 * Run: `npx tsx examples/text_imdb_bigrams.ts [aclImdb]` (the folder with train/ and test/;
 * default: extracted once from ../shared/datasets/imdb/aclImdb_train_test.tar.gz into a
 * temporary folder).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Dataset,
  Dense,
  Dropout,
  Sequential,
  type StringTensor,
  type Tensor,
  TextVectorization,
  model as functionalModel,
  input,
  loadModelFromBytes,
  modelToKerasBytes,
  setSeed,
  textDatasetFromDirectory,
} from '../src/index.js';
import { extractTar } from '../src/io/tar.js';

/** The aclImdb folder: given, or extracted from shared's archive. */
export async function imdbFolder(dir?: string): Promise<string> {
  if (dir) return dir;
  const archive = new URL('../../shared/datasets/imdb/aclImdb_train_test.tar.gz', import.meta.url)
    .pathname;
  if (!existsSync(archive))
    throw new Error(`no IMDB reviews at ${archive}; pass the aclImdb folder`);
  const out = mkdtempSync(join(tmpdir(), 'tessera-aclimdb-'));
  await extractTar(new Uint8Array(readFileSync(archive)), out);
  return join(out, 'aclImdb');
}

/** What the example gives: the test accuracy and the raw-text inference model's outputs. */
export interface ImdbBigramsResult {
  accuracy: number;
  /** The sample reviews and the end-to-end model's probabilities for them. */
  samples: string[];
  rawPredictions: number[];
  /** The same through TextVectorization and the trained model separately. */
  vectorizedPredictions: number[];
  /** The end-to-end model saved to .keras (vocabulary in assets/) and loaded again. */
  reloadedPredictions: number[];
}

/**
 * Trains the bigram model, then (as the book does) wraps TextVectorization and the trained
 * model into one model that takes raw strings, and saves and reloads it.
 */
export async function trainImdbBigrams(
  dir?: string,
  epochs = 5,
  verbose: 0 | 1 | 2 = 1,
): Promise<ImdbBigramsResult> {
  setSeed(11);
  const root = await imdbFolder(dir);
  const quiet = { verbose: verbose > 0 };
  const [train, val] = (await textDatasetFromDirectory(join(root, 'train'), {
    batchSize: 32,
    validationSplit: 0.2,
    subset: 'both',
    seed: 1337,
    ...quiet,
  })) as [Dataset, Dataset];
  const test = (await textDatasetFromDirectory(join(root, 'test'), {
    batchSize: 32,
    ...quiet,
  })) as Dataset;
  const vectorize = new TextVectorization({ ngrams: 2, maxTokens: 20000, outputMode: 'multi_hot' });
  await vectorize.adapt(train.map((e) => (e as [StringTensor, Tensor])[0] as never));
  const encode = (ds: Dataset) =>
    ds
      .map((e) => {
        const [x, y] = e as [StringTensor, Tensor];
        return [vectorize.apply(x), y.cast('float32').reshape([-1, 1])];
      })
      .prefetch(2);
  const model = new Sequential({
    layers: [
      new Dense({ units: 16, activation: 'relu', inputShape: [vectorize.vocabularySize()] }),
      new Dropout({ rate: 0.5 }),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: 'rmsprop', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  await model.fit(encode(train), { epochs, validationData: encode(val), verbose });
  const accuracy = (await model.evaluate(encode(test), { verbose: verbose > 0 ? 1 : 0 })).accuracy!;

  // The book's inference model: raw strings in, probabilities out.
  const text = input({ shape: [1], dtype: 'string' });
  const endToEnd = functionalModel({ inputs: text, outputs: model.apply(vectorize.apply(text)) });
  const samples = [
    'That was an excellent movie, I loved it.',
    'Dull, slow and badly acted. Awful.',
  ];
  const rows = samples.map((r) => [r]);
  const flat = (t: Tensor) => Array.from(t.dataSync());
  const reloaded = await loadModelFromBytes(await modelToKerasBytes(endToEnd));
  return {
    accuracy,
    samples,
    rawPredictions: flat(endToEnd.predict(rows) as Tensor),
    vectorizedPredictions: flat(model.predict(vectorize.apply(rows)) as Tensor),
    reloadedPredictions: flat(reloaded.predict(rows) as Tensor),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await trainImdbBigrams(process.argv[2]);
  console.log(`test accuracy: ${(r.accuracy * 100).toFixed(2)}%`);
  r.samples.forEach((s, i) =>
    console.log(`${(r.rawPredictions[i]! * 100).toFixed(1)}% positive: ${JSON.stringify(s)}`),
  );
}
