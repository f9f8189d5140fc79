/**
 * `textDatasetFromDirectory`, Keras's `text_dataset_from_directory` (Node): one sub-folder per
 * class of `.txt` files, read as UTF-8 strings, batched with their labels. The file order,
 * shuffle and validation split are Keras's (NumPy's `RandomState(seed)` over the sorted list).
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { StringTensor } from '../tensor/string_tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dataset } from './dataset.js';
import { indexImageDirectory } from './image_dataset.js';
import type { Element } from './structure.js';

/** Options of {@link textDatasetFromDirectory}, Keras's names. */
export interface TextDatasetOptions {
  /** `'inferred'` (from the sub-folders, default), null, or one label per file in sorted order. */
  labels?: 'inferred' | null | readonly number[];
  /** `'int'` (default), `'categorical'`, `'binary'` or null. */
  labelMode?: 'int' | 'categorical' | 'binary' | null;
  /** The class sub-folders to use, in label order (default: all, sorted). */
  classNames?: readonly string[];
  /** Texts per batch (default 32; null: single texts). */
  batchSize?: number | null;
  /** Keep at most this many characters of each text (default all). */
  maxLength?: number | null;
  /** Shuffle the files (default true), and the training texts at each epoch. */
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

/**
 * A dataset of the `.txt` files under `directory` as strings, labelled by class sub-folder
 * (Keras's `text_dataset_from_directory`); `[training, validation]` with `subset: 'both'`.
 *
 * Shape: texts `[batch]` strings; labels `[batch]` int32 (`'int'`), `[batch, classes]`
 * (`'categorical'`) or `[batch, 1]` (`'binary'`).
 * @example const [train, val] = await textDatasetFromDirectory('aclImdb/train', { validationSplit: 0.2, subset: 'both', seed: 1337 }) as [Dataset, Dataset];
 */
export async function textDatasetFromDirectory(
  directory: string,
  opts: TextDatasetOptions = {},
): Promise<Dataset | [Dataset, Dataset]> {
  const op = 'textDatasetFromDirectory';
  const { readFile } = await import('node:fs/promises');
  const labelsOpt = opts.labels === undefined ? 'inferred' : opts.labels;
  const labelMode =
    opts.labelMode === undefined ? (labelsOpt === null ? null : 'int') : opts.labelMode;
  const batchSize = opts.batchSize === undefined ? 32 : opts.batchSize;
  if (batchSize !== null && (!Number.isInteger(batchSize) || batchSize < 1))
    throw new ValueError(`${op}: batchSize must be a positive integer or null, got ${batchSize}`);
  const maxLength = opts.maxLength ?? null;
  if (maxLength !== null && (!Number.isInteger(maxLength) || maxLength < 1))
    throw new ValueError(`${op}: maxLength must be a positive integer or null, got ${maxLength}`);
  const split = opts.validationSplit;
  if (split !== undefined && !(split > 0 && split < 1))
    throw new ValueError(`${op}: validationSplit must be in (0, 1), got ${split}`);
  if ((split === undefined) !== (opts.subset === undefined))
    throw new ValueError(
      `${op}: give validationSplit and subset together (got ${split === undefined ? 'only subset' : 'only validationSplit'})`,
    );
  const shuffle = opts.shuffle ?? true;
  if (split !== undefined && shuffle && opts.seed === undefined)
    throw new ValueError(
      `${op}: with validationSplit and shuffle, give a seed so the two subsets do not overlap`,
    );
  const { paths, labels, classNames } = await indexImageDirectory(directory, {
    labels: labelsOpt,
    classNames: opts.classNames,
    shuffle,
    seed: opts.seed,
    formats: ['.txt'],
    what: 'text files',
    op,
  });
  const numClasses = classNames.length || (labels.length ? Math.max(...labels) + 1 : 0);
  if (labelMode === 'binary' && numClasses !== 2)
    throw new ValueError(`${op}: labelMode 'binary' needs exactly 2 classes, found ${numClasses}`);
  if (opts.verbose ?? true)
    console.log(
      `Found ${paths.length} files${classNames.length ? ` belonging to ${classNames.length} classes` : ''}.`,
    );
  const numVal = split === undefined ? 0 : Math.floor(split * paths.length);
  const part = (which: 'training' | 'validation') =>
    numVal === 0
      ? { ps: paths, ls: labels }
      : which === 'training'
        ? { ps: paths.slice(0, paths.length - numVal), ls: labels.slice(0, labels.length - numVal) }
        : { ps: paths.slice(paths.length - numVal), ls: labels.slice(labels.length - numVal) };
  const dec = new TextDecoder('utf-8');
  const build = (ps: string[], ls: number[], training: boolean): Dataset => {
    const load = async (i: number): Promise<Element> => {
      let text = dec.decode(await readFile(ps[i]!));
      if (maxLength !== null) text = text.slice(0, maxLength);
      const s = new StringTensor([text], []);
      if (labelMode === null || ls.length === 0) return s;
      const y = ls[i]!;
      const label: Tensor =
        labelMode === 'int'
          ? tensor(new Int32Array([y]), [], 'int32')
          : labelMode === 'binary'
            ? tensor(new Float32Array([y]), [1])
            : tensor(
                Float32Array.from({ length: numClasses }, (_, k) => (k === y ? 1 : 0)),
                [numClasses],
              );
      return [s, label];
    };
    let ids: Dataset = Dataset.range(ps.length);
    // As Keras: the training texts come in a new order at each epoch (a buffer of 8 batches).
    if (shuffle && training) ids = ids.shuffle((batchSize ?? 1) * 8, { seed: opts.seed });
    const ds = ids.map((t) => load((t as Tensor).dataSync()[0] as number), { numParallelCalls: 8 });
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
