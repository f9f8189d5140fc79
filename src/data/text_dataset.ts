/**
 * `textDatasetFromDirectory`, Keras's `text_dataset_from_directory` (Node): one sub-folder per
 * class of `.txt` files, read as UTF-8 strings, batched with their labels. The file order,
 * shuffle and validation split are Keras's (NumPy's `RandomState(seed)` over the sorted list).
 */
import { ValueError } from '../errors.js';
import { nodeBuiltin } from '../io/node_builtin.js';
import { StringTensor } from '../tensor/string_tensor.js';
import type { Dataset } from './dataset.js';
import { type DirectoryDatasetOptions, directoryDataset } from './directory_dataset.js';
import { indexImageDirectory } from './image_dataset.js';

/** Options of {@link textDatasetFromDirectory}, Keras's names. */
export interface TextDatasetOptions extends DirectoryDatasetOptions {
  /** Keep at most this many characters of each text (default all). */
  maxLength?: number | null;
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
  const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const maxLength = opts.maxLength ?? null;
  if (maxLength !== null && (!Number.isInteger(maxLength) || maxLength < 1))
    throw new ValueError(`${op}: maxLength must be a positive integer or null, got ${maxLength}`);
  const dec = new TextDecoder('utf-8');
  return directoryDataset(directory, opts, {
    op,
    index: (o) =>
      indexImageDirectory(directory, { ...o, formats: ['.txt'], what: 'text files', op }),
    load: async (path) => {
      const text = dec.decode(await readFile(path));
      return new StringTensor([maxLength === null ? text : text.slice(0, maxLength)], []);
    },
    parallel: 8,
  });
}
