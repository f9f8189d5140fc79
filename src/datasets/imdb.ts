/**
 * `imdb`, as `keras.datasets.imdb`: 25,000 training and 25,000 test movie reviews, each a list
 * of word indices (most frequent word = 1, offset by `indexFrom`), labelled 1 (positive) or 0.
 * Read from Keras's `imdb.npz`, whose ragged sequences NumPy stores as pickled object arrays:
 * they go through a restricted unpickler that accepts only what such arrays need.
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  KERAS_DATASETS_URL,
  type LabelledSequences,
  type LoadOptions,
  type SequenceOptions,
  dataFile,
  member,
  numbersOf,
  numpyPermutations,
  prepareSequences,
  readNpzFile,
  readWordIndex,
  sequencesOf,
} from './keras_files.js';

/** Options of IMDB's {@link loadData}. */
export interface ImdbOptions extends LoadOptions, SequenceOptions {}

/**
 * `[[xTrain, yTrain], [xTest, yTest]]`: the sequences as arrays of word indices (ragged, as
 * Keras's object arrays), the labels as int32 tensors.
 */
export type SequenceSplits = [[number[][], Tensor], [number[][], Tensor]];

const IMDB_SHA256 = '69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f';
const WORD_INDEX_MD5 = 'bfafd718b763782e994055a2d397834f';

/** Int32 label tensor of a list. */
export function labelTensor(a: readonly number[]): Tensor {
  return tensor(Int32Array.from(a), [a.length], 'int32');
}

/**
 * Loads IMDB as Keras does: each split shuffled by NumPy's `RandomState(seed)` (train first),
 * then the start character, index offset and `maxlen` filter per split, then the
 * `numWords`/`skipTop` cut over both.
 *
 * Shape: x is n sequences of varying length (pad them with `padSequences`); y `[n]` int32.
 * @example const [[xTrain, yTrain], [xTest, yTest]] = await imdb.loadData({ numWords: 10000 });
 */
export async function loadData(opts: ImdbOptions = {}): Promise<SequenceSplits> {
  const op = 'imdb.loadData';
  const path = await dataFile('imdb.npz', `${KERAS_DATASETS_URL}imdb.npz`, IMDB_SHA256, opts);
  const f = await readNpzFile(path, op);
  const split = (xKey: string, yKey: string): LabelledSequences => {
    const xs = sequencesOf(member(f, xKey, op, path), `${op}: ${xKey}`);
    const ys = numbersOf(member(f, yKey, op, path), `${op}: ${yKey}`);
    if (ys.length !== xs.length)
      throw new ValueError(`${op}: ${path} has ${xs.length} ${xKey} but ${ys.length} ${yKey}`);
    return { xs, labels: Array.from(ys) };
  };
  const raw = [split('x_train', 'y_train'), split('x_test', 'y_test')];
  const perms = numpyPermutations(
    raw.map((r) => r.xs.length),
    opts.seed ?? 113,
  );
  const shuffled = raw.map((r, k) => ({
    xs: Array.from(perms[k]!, (i) => r.xs[i]!),
    labels: Array.from(perms[k]!, (i) => r.labels[i]!),
  }));
  const [train, test] = prepareSequences(shuffled, opts, op) as [
    LabelledSequences,
    LabelledSequences,
  ];
  return [
    [train.xs, labelTensor(train.labels)],
    [test.xs, labelTensor(test.labels)],
  ];
}

/**
 * The word index of IMDB (word → rank, 1 = most frequent), Keras's `imdb_word_index.json`.
 * Add `indexFrom` (3) to a rank to get the index used in the sequences.
 * @example const index = await imdb.getWordIndex(); index.the // 1
 */
export async function getWordIndex(opts: LoadOptions = {}): Promise<Record<string, number>> {
  const path = await dataFile(
    'imdb_word_index.json',
    `${KERAS_DATASETS_URL}imdb_word_index.json`,
    WORD_INDEX_MD5,
    opts,
  );
  return readWordIndex(path, 'imdb.getWordIndex');
}
