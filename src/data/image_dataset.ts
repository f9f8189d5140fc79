/**
 * `imageDatasetFromDirectory`, Keras's `image_dataset_from_directory` (Node): one sub-folder
 * per class, PNG and JPEG files decoded by {@link decodeImage} (fast-png, jpeg-js), resized to
 * `imageSize`, batched. The file order, the shuffle and the validation split follow Keras's
 * (NumPy's `RandomState(seed)` over the sorted file list), so the same seed gives the same
 * training and validation files as Keras.
 */
import { NumpyRandomState } from '../datasets/numpy_random.js';
import { ValueError } from '../errors.js';
import { nodeBuiltin } from '../io/node_builtin.js';
import { resizeImages } from '../ops/image.js';
import type { Dataset } from './dataset.js';
import { type DirectoryDatasetOptions, directoryDataset } from './directory_dataset.js';
import { decodeImage } from './image_decode.js';

// The decoder lives in image_decode.ts (browser and Node); exported from here as before.
export { decodeImage, type DecodeImageOptions } from './image_decode.js';

/** Options of {@link imageDatasetFromDirectory}, Keras's names. */
export interface ImageDatasetOptions extends DirectoryDatasetOptions {
  /** `'rgb'` (default), `'grayscale'` or `'rgba'`. */
  colorMode?: 'rgb' | 'grayscale' | 'rgba';
  /** `[height, width]` every image is resized to (default [256, 256]). */
  imageSize?: readonly [number, number];
  /** Resize interpolation (default `'bilinear'`). */
  interpolation?: 'bilinear' | 'nearest' | 'bicubic';
  /** Crop to the target aspect ratio before resizing (default false). */
  cropToAspectRatio?: boolean;
  /** Pad to the target aspect ratio before resizing (default false). */
  padToAspectRatio?: boolean;
}

const EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/**
 * Image files of a folder, recursively, in Keras's order (`sorted(os.walk(dir))`): a folder's
 * own files sorted by name, then each sub-folder's, folders sorted by path.
 */
async function listImages(
  dir: string,
  followLinks: boolean,
  extensions: readonly string[] = EXTENSIONS,
): Promise<string[]> {
  const { readdir, stat } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const { join } = await nodeBuiltin<typeof import('node:path')>('path');
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const folders: string[] = [];
  const filesOf = new Map<string, string[]>();
  const walk = async (d: string) => {
    folders.push(d);
    const files: string[] = [];
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const isDir =
        e.isDirectory() || (followLinks && e.isSymbolicLink() && (await stat(p)).isDirectory());
      if (isDir) await walk(p);
      else if (extensions.some((x) => e.name.toLowerCase().endsWith(x))) files.push(e.name);
    }
    filesOf.set(d, files.sort(byName));
  };
  await walk(dir);
  return folders.sort(byName).flatMap((d) => filesOf.get(d)!.map((f) => join(d, f)));
}

/**
 * The image files of a directory in Keras's order with their labels: class folders sorted
 * (or as `classNames` lists them), each walked as `os.walk` (its own files, then its
 * sub-folders'), then, with `shuffle`, paths and labels shuffled by `RandomState(seed)` as
 * Keras's `index_directory` does.
 * @example const { paths, labels, classNames } = await indexImageDirectory('pets', { shuffle: true, seed: 1 });
 */
export async function indexImageDirectory(
  directory: string,
  opts: {
    labels?: 'inferred' | null | readonly number[];
    classNames?: readonly string[];
    shuffle?: boolean;
    seed?: number;
    /** File extensions to list (default PNG and JPEG). */
    formats?: readonly string[];
    /** What the files are, for messages (default 'images'). */
    what?: string;
    /** The calling function, for messages. */
    op?: string;
  } = {},
): Promise<{ paths: string[]; labels: number[]; classNames: string[] }> {
  const op = opts.op ?? 'imageDatasetFromDirectory';
  const { readdir } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const { join } = await nodeBuiltin<typeof import('node:path')>('path');
  const labelsOpt = opts.labels === undefined ? 'inferred' : opts.labels;
  let classNames: string[] = [];
  let paths: string[] = [];
  let labels: number[] = [];
  if (labelsOpt === 'inferred') {
    const dirs = (await readdir(directory, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    if (opts.classNames) {
      for (const c of opts.classNames)
        if (!dirs.includes(c))
          throw new ValueError(
            `${op}: ${directory} has no class folder '${c}' (folders: ${dirs.join(', ')})`,
          );
      classNames = [...opts.classNames];
    } else classNames = dirs;
    for (let k = 0; k < classNames.length; k++) {
      const files = await listImages(join(directory, classNames[k]!), false, opts.formats);
      paths.push(...files);
      labels.push(...files.map(() => k));
    }
  } else {
    paths = await listImages(directory, false, opts.formats);
    if (Array.isArray(labelsOpt)) {
      if (labelsOpt.length !== paths.length)
        throw new ValueError(
          `${op}: labels has ${labelsOpt.length} entries but ${directory} holds ${paths.length} images`,
        );
      labels = [...labelsOpt];
    }
  }
  if (paths.length === 0)
    throw new ValueError(
      `${op}: no ${opts.what ?? 'images'} found in ${directory} (looked for ${(opts.formats ?? EXTENSIONS).join(', ')})`,
    );
  // Keras shuffles paths and labels with two generators from the same seed: the same order.
  if (opts.shuffle ?? true) {
    const seed = opts.seed ?? Math.floor(Math.random() * 1e6);
    new NumpyRandomState(seed).shuffle(paths);
    if (labels.length) new NumpyRandomState(seed).shuffle(labels);
  }
  return { paths, labels, classNames };
}

/**
 * A dataset of the images under `directory`, labelled by their class sub-folder (Keras's
 * `image_dataset_from_directory`); `[training, validation]` with `subset: 'both'`.
 *
 * Shape: images `[batch, height, width, channels]` float32 in 0–255; labels `[batch]` int32
 * (`'int'`), `[batch, classes]` (`'categorical'`) or `[batch, 1]` (`'binary'`).
 * @example const [train, val] = await imageDatasetFromDirectory('cats_vs_dogs', { validationSplit: 0.2, subset: 'both', seed: 1337, imageSize: [180, 180] }) as [Dataset, Dataset];
 */
export async function imageDatasetFromDirectory(
  directory: string,
  opts: ImageDatasetOptions = {},
): Promise<Dataset | [Dataset, Dataset]> {
  const op = 'imageDatasetFromDirectory';
  const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const colorMode = opts.colorMode ?? 'rgb';
  const channels = ({ rgb: 3, grayscale: 1, rgba: 4 } as const)[colorMode];
  if (!channels)
    throw new ValueError(
      `${op}: colorMode must be 'rgb', 'grayscale' or 'rgba', got '${colorMode}'`,
    );
  const [height, width] = opts.imageSize ?? [256, 256];
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1)
    throw new ValueError(
      `${op}: imageSize must be two positive integers, got ${JSON.stringify(opts.imageSize)}`,
    );
  return directoryDataset(directory, opts, {
    op,
    index: (o) => indexImageDirectory(directory, o),
    load: async (path) => {
      const img = await decodeImage(new Uint8Array(await readFile(path)), channels, path);
      return resizeImages(img.reshape([1, ...img.shape]), height, width, {
        interpolation: opts.interpolation ?? 'bilinear',
        cropToAspectRatio: opts.cropToAspectRatio,
        padToAspectRatio: opts.padToAspectRatio,
      }).reshape([height, width, channels]);
    },
  });
}
