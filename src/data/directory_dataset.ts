/**
 * What `imageDatasetFromDirectory` and `textDatasetFromDirectory` share, as Keras's
 * `dataset_utils` does: the option checks, the indexed and seeded file list, the validation
 * split, the labels by mode, and the per-epoch shuffle of the training files, around a loader
 * that turns one file into a tensor.
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dataset } from './dataset.js';
import type { Element, Leaf } from './structure.js';

/** The options both directory datasets take, Keras's names. */
export interface DirectoryDatasetOptions {
  /** `'inferred'` (from the sub-folders, default), null (no labels), or one label per file in sorted order. */
  labels?: 'inferred' | null | readonly number[];
  /** `'int'` (default), `'categorical'` (one-hot), `'binary'` (two classes, `[b, 1]` float) or null. */
  labelMode?: 'int' | 'categorical' | 'binary' | null;
  /** The class sub-folders to use, in label order (default: all, sorted). */
  classNames?: readonly string[];
  /** Files per batch (default 32; null: single files). */
  batchSize?: number | null;
  /** Shuffle the files (default true), and the training files at each epoch. */
  shuffle?: boolean;
  /** Seed of the shuffle and split. */
  seed?: number;
  /** Fraction of the files held out for validation. */
  validationSplit?: number;
  /** `'training'`, `'validation'` or `'both'` (needed with validationSplit). */
  subset?: 'training' | 'validation' | 'both';
  /** Print `Found N files belonging to K classes.` (default true). */
  verbose?: boolean;
}

/** How a directory dataset indexes and loads its files. */
export interface DirectorySource {
  /** The calling function, for messages. */
  op: string;
  /** Lists the files in Keras's order with their labels (seeded shuffle applied). */
  index(opts: {
    labels: 'inferred' | null | readonly number[];
    classNames?: readonly string[];
    shuffle: boolean;
    seed?: number;
  }): Promise<{ paths: string[]; labels: number[]; classNames: string[] }>;
  /** One file as a tensor. */
  load(path: string): Promise<Leaf>;
  /** Files loaded at once (default 4). */
  parallel?: number;
}

/**
 * The dataset (or `[training, validation]` with `subset: 'both'`) of a directory's files.
 * @example await directoryDataset('pets', opts, { op, index, load })
 */
export async function directoryDataset(
  directory: string,
  opts: DirectoryDatasetOptions,
  src: DirectorySource,
): Promise<Dataset | [Dataset, Dataset]> {
  const { op } = src;
  const labelsOpt = opts.labels === undefined ? 'inferred' : opts.labels;
  const labelMode =
    opts.labelMode === undefined ? (labelsOpt === null ? null : 'int') : opts.labelMode;
  const batchSize = opts.batchSize === undefined ? 32 : opts.batchSize;
  if (batchSize !== null && (!Number.isInteger(batchSize) || batchSize < 1))
    throw new ValueError(`${op}: batchSize must be a positive integer or null, got ${batchSize}`);
  const split = opts.validationSplit;
  if (split !== undefined && !(split > 0 && split < 1))
    throw new ValueError(`${op}: validationSplit must be in (0, 1), got ${split}`);
  if ((split === undefined) !== (opts.subset === undefined))
    throw new ValueError(
      `${op}: give validationSplit and subset together (got ${split === undefined ? 'only subset' : 'only validationSplit'})`,
    );
  if (opts.subset !== undefined && !['training', 'validation', 'both'].includes(opts.subset))
    throw new ValueError(
      `${op}: subset must be 'training', 'validation' or 'both', got '${opts.subset}'`,
    );
  const shuffle = opts.shuffle ?? true;
  if (split !== undefined && shuffle && opts.seed === undefined)
    throw new ValueError(
      `${op}: with validationSplit and shuffle, give a seed so the two subsets do not overlap`,
    );
  const { paths, labels, classNames } = await src.index({
    labels: labelsOpt,
    classNames: opts.classNames,
    shuffle,
    seed: opts.seed,
  });
  const numClasses = classNames.length || (labels.length ? Math.max(...labels) + 1 : 0);
  if (labelMode === 'binary' && numClasses !== 2)
    throw new ValueError(`${op}: labelMode 'binary' needs exactly 2 classes, found ${numClasses}`);
  if (opts.verbose ?? true)
    console.log(
      `Found ${paths.length} files${classNames.length ? ` belonging to ${classNames.length} classes` : ''}.`,
    );
  // Keras's split: the last int(split · n) files of the shuffled list validate.
  const numVal = split === undefined ? 0 : Math.floor(split * paths.length);
  const part = (which: 'training' | 'validation') =>
    numVal === 0
      ? { ps: paths, ls: labels }
      : which === 'training'
        ? { ps: paths.slice(0, paths.length - numVal), ls: labels.slice(0, labels.length - numVal) }
        : { ps: paths.slice(paths.length - numVal), ls: labels.slice(labels.length - numVal) };
  const labelOf = (y: number): Tensor =>
    labelMode === 'int'
      ? tensor(new Int32Array([y]), [], 'int32')
      : labelMode === 'binary'
        ? tensor(new Float32Array([y]), [1])
        : tensor(
            Float32Array.from({ length: numClasses }, (_, k) => (k === y ? 1 : 0)),
            [numClasses],
          );
  const build = (ps: string[], ls: number[], training: boolean): Dataset => {
    const load = async (i: number): Promise<Element> => {
      const x = await src.load(ps[i]!);
      return labelMode === null || ls.length === 0 ? x : [x, labelOf(ls[i]!)];
    };
    let ids: Dataset = Dataset.range(ps.length);
    // As Keras: the training files come in a new order at each epoch, through a buffer of
    // eight batches (shuffled by index, before anything is read).
    if (shuffle && training) ids = ids.shuffle((batchSize ?? 1) * 8, { seed: opts.seed });
    const ds = ids.map((t) => load((t as Tensor).dataSync()[0] as number), {
      numParallelCalls: src.parallel ?? 4,
    });
    return batchSize !== null ? ds.batch(batchSize) : ds;
  };
  if (opts.subset === 'both') {
    const tr = part('training');
    const va = part('validation');
    return [build(tr.ps, tr.ls, true), build(va.ps, va.ls, false)];
  }
  const which = opts.subset === 'validation' ? 'validation' : 'training';
  const p = part(which);
  return build(p.ps, p.ls, which === 'training');
}
