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

/** Trains the bigram model; returns the test accuracy. */
export async function trainImdbBigrams(
  dir?: string,
  epochs = 5,
  verbose: 0 | 1 | 2 = 1,
): Promise<number> {
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
  return (await model.evaluate(encode(test))).accuracy!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const acc = await trainImdbBigrams(process.argv[2]);
  console.log(`test accuracy: ${(acc * 100).toFixed(2)}%`);
}
