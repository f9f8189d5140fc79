/**
 * `reuters`, as `keras.datasets.reuters`: 11,228 Reuters newswires as word-index sequences,
 * labelled by one of 46 topics, shuffled by NumPy's `RandomState(seed)` and split by
 * `testSplit`. Read from Keras's `reuters.npz` through the restricted unpickler.
 */
import { ValueError } from '../errors.js';
import { type SequenceSplits, labelTensor } from './imdb.js';
import {
  KERAS_DATASETS_URL,
  type LoadOptions,
  type SequenceOptions,
  dataFile,
  member,
  numbersOf,
  numpyPermutation,
  prepareSequences,
  readNpzFile,
  readWordIndex,
  sequencesOf,
  splitPoint,
} from './keras_files.js';

/** Options of Reuters's {@link loadData}. */
export interface ReutersOptions extends LoadOptions, SequenceOptions {
  /** Fraction of the wires held out as the test split (default 0.2). */
  testSplit?: number;
}

const REUTERS_SHA256 = 'd6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916';
const WORD_INDEX_MD5 = '4d44cc38712099c9e383dc6e5f11a921';

/**
 * Loads Reuters as Keras does: shuffle, start character and index offset, `maxlen` filter,
 * `numWords`/`skipTop` cut, then the first `int(n · (1 − testSplit))` wires train.
 *
 * Shape: x is n sequences of varying length; y `[n]` int32 topic indices (0–45).
 * @example const [[xTrain, yTrain], [xTest, yTest]] = await reuters.loadData({ numWords: 10000 });
 */
export async function loadData(opts: ReutersOptions = {}): Promise<SequenceSplits> {
  const op = 'reuters.loadData';
  const testSplit = opts.testSplit ?? 0.2;
  splitPoint(1, testSplit, op);
  const path = await dataFile(
    'reuters.npz',
    `${KERAS_DATASETS_URL}reuters.npz`,
    REUTERS_SHA256,
    opts,
  );
  const f = await readNpzFile(path, op);
  const xs = sequencesOf(member(f, 'x', op, path), `${op}: x`);
  const ys = numbersOf(member(f, 'y', op, path), `${op}: y`);
  if (ys.length !== xs.length)
    throw new ValueError(`${op}: ${path} has ${xs.length} x but ${ys.length} y`);
  const perm = numpyPermutation(xs.length, opts.seed ?? 113);
  const [all] = prepareSequences(
    [{ xs: Array.from(perm, (i) => xs[i]!), labels: Array.from(perm, (i) => ys[i]!) }],
    opts,
    op,
  );
  const at = splitPoint(all!.xs.length, testSplit, op);
  return [
    [all!.xs.slice(0, at), labelTensor(all!.labels.slice(0, at))],
    [all!.xs.slice(at), labelTensor(all!.labels.slice(at))],
  ];
}

/**
 * The word index of Reuters (word → rank), Keras's `reuters_word_index.json`.
 * @example (await reuters.getWordIndex()).the // 1
 */
export async function getWordIndex(opts: LoadOptions = {}): Promise<Record<string, number>> {
  const path = await dataFile(
    'reuters_word_index.json',
    `${KERAS_DATASETS_URL}reuters_word_index.json`,
    WORD_INDEX_MD5,
    opts,
  );
  return readWordIndex(path, 'reuters.getWordIndex');
}

const LABEL_NAMES = [
  'cocoa',
  'grain',
  'veg-oil',
  'earn',
  'acq',
  'wheat',
  'copper',
  'housing',
  'money-supply',
  'coffee',
  'sugar',
  'trade',
  'reserves',
  'ship',
  'cotton',
  'carcass',
  'crude',
  'nat-gas',
  'cpi',
  'money-fx',
  'interest',
  'gnp',
  'meal-feed',
  'alum',
  'oilseed',
  'gold',
  'tin',
  'strategic-metal',
  'livestock',
  'retail',
  'ipi',
  'iron-steel',
  'rubber',
  'heat',
  'jobs',
  'lei',
  'bop',
  'zinc',
  'orange',
  'pet-chem',
  'dlr',
  'gas',
  'silver',
  'wpi',
  'hog',
  'lead',
] as const;

/**
 * The 46 topic names, indexed as the labels (Keras's `get_label_names`).
 * @example reuters.getLabelNames()[3] // 'earn'
 */
export function getLabelNames(): readonly string[] {
  return LABEL_NAMES;
}
