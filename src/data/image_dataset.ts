import { NumpyRandomState } from '../datasets/numpy_random.js';
/**
 * `imageDatasetFromDirectory`, Keras's `image_dataset_from_directory` (Node): one sub-folder
 * per class, PNG and JPEG files decoded by pure-JS decoders (fast-png, jpeg-js), resized to
 * `imageSize`, batched. The file order, the shuffle and the validation split follow Keras's
 * (NumPy's `RandomState(seed)` over the sorted file list), so the same seed gives the same
 * training and validation files as Keras.
 */
import { ValueError } from '../errors.js';
import { FormatError } from '../io/errors.js';
import { resizeImages } from '../layers/preprocessing/image.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dataset } from './dataset.js';
import type { Element } from './structure.js';

/** Options of {@link imageDatasetFromDirectory}, Keras's names. */
export interface ImageDatasetOptions {
  /** `'inferred'` (from the sub-folders, default), null (no labels), or one label per file in sorted order. */
  labels?: 'inferred' | null | readonly number[];
  /** `'int'` (default), `'categorical'` (one-hot), `'binary'` (two classes, `[b, 1]` float) or null. */
  labelMode?: 'int' | 'categorical' | 'binary' | null;
  /** The class sub-folders to use, in label order (default: all, sorted). */
  classNames?: readonly string[];
  /** `'rgb'` (default), `'grayscale'` or `'rgba'`. */
  colorMode?: 'rgb' | 'grayscale' | 'rgba';
  /** Images per batch (default 32; null: single images). */
  batchSize?: number | null;
  /** `[height, width]` every image is resized to (default [256, 256]). */
  imageSize?: readonly [number, number];
  /** Shuffle the files (default true), and the batches' order at each epoch. */
  shuffle?: boolean;
  /** Seed of the shuffle and split. */
  seed?: number;
  /** Fraction of the files held out for validation. */
  validationSplit?: number;
  /** `'training'`, `'validation'` or `'both'` (needed with validationSplit). */
  subset?: 'training' | 'validation' | 'both';
  /** Resize interpolation (default `'bilinear'`). */
  interpolation?: 'bilinear' | 'nearest' | 'bicubic';
  /** Crop to the target aspect ratio before resizing (default false). */
  cropToAspectRatio?: boolean;
  /** Pad to the target aspect ratio before resizing (default false). */
  padToAspectRatio?: boolean;
  /** Print `Found N files belonging to K classes.` (default true). */
  verbose?: boolean;
}

const EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** Decodes PNG or JPEG bytes to an `[h, w, channels]` float32 image (0–255). */
export async function decodeImage(
  bytes: Uint8Array,
  channels: 1 | 3 | 4,
  name: string,
): Promise<Tensor> {
  let w: number;
  let h: number;
  let src: ArrayLike<number>;
  let srcC: number;
  let maxVal = 255;
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const { decode } = await import('fast-png');
    let png: ReturnType<typeof decode>;
    try {
      png = decode(bytes);
    } catch (err) {
      throw new FormatError(`${name}: not a valid PNG (${(err as Error).message})`);
    }
    if (png.palette) {
      const { convertIndexedToRgb } = await import('fast-png');
      src = convertIndexedToRgb(png);
      srcC = png.palette[0]!.length;
    } else {
      src = png.data as ArrayLike<number>;
      srcC = png.channels;
    }
    w = png.width;
    h = png.height;
    maxVal = png.depth === 16 ? 65535 : png.depth < 8 && !png.palette ? 2 ** png.depth - 1 : 255;
  } else if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const jpeg = await import('jpeg-js');
    let img: { width: number; height: number; data: Uint8Array };
    try {
      // Bounded by the file: a JPEG header cannot ask for more than 64 megapixels here.
      img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: 64,
        maxMemoryUsageInMB: 512,
      });
    } catch (err) {
      throw new FormatError(`${name}: not a valid JPEG (${(err as Error).message})`);
    }
    w = img.width;
    h = img.height;
    src = img.data;
    srcC = 4;
  } else {
    throw new FormatError(
      `${name}: not a PNG or JPEG file (magic bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`,
    );
  }
  const out = new Float32Array(w * h * channels);
  const scale = 255 / maxVal;
  for (let p = 0; p < w * h; p++) {
    const o = p * srcC;
    // Gray sources fill every channel; alpha is opaque when the source has none.
    const r = src[o]! * scale;
    const g = srcC >= 3 ? src[o + 1]! * scale : r;
    const b = srcC >= 3 ? src[o + 2]! * scale : r;
    const a = srcC === 4 ? src[o + 3]! * scale : srcC === 2 ? src[o + 1]! * scale : 255;
    if (channels === 1) out[p] = srcC >= 3 ? 0.2989 * r + 0.587 * g + 0.114 * b : r;
    else {
      out[p * channels] = r;
      out[p * channels + 1] = g;
      out[p * channels + 2] = b;
      if (channels === 4) out[p * channels + 3] = a;
    }
  }
  return tensor(out, [h, w, channels]);
}

/**
 * Image files of a folder, recursively, in Keras's order (`sorted(os.walk(dir))`): a folder's
 * own files sorted by name, then each sub-folder's, folders sorted by path.
 */
async function listImages(
  dir: string,
  followLinks: boolean,
  extensions: readonly string[] = EXTENSIONS,
): Promise<string[]> {
  const { readdir, stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
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
  const { readdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
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
  const { readdir, readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const labelsOpt = opts.labels === undefined ? 'inferred' : opts.labels;
  const labelMode =
    opts.labelMode === undefined ? (labelsOpt === null ? null : 'int') : opts.labelMode;
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

  const { paths, labels, classNames } = await indexImageDirectory(directory, {
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
  const numVal = split === undefined ? 0 : Math.floor(split * paths.length);
  const part = (which: 'training' | 'validation') => {
    if (numVal === 0) return { paths, labels };
    return which === 'training'
      ? {
          paths: paths.slice(0, paths.length - numVal),
          labels: labels.slice(0, labels.length - numVal),
        }
      : { paths: paths.slice(paths.length - numVal), labels: labels.slice(labels.length - numVal) };
  };

  const build = (ps: string[], ls: number[], training: boolean): Dataset => {
    const load = async (i: number): Promise<Element> => {
      const img = await decodeImage(new Uint8Array(await readFile(ps[i]!)), channels, ps[i]!);
      const resized = resizeImages(img.reshape([1, ...img.shape]), height, width, {
        interpolation: opts.interpolation ?? 'bilinear',
        cropToAspectRatio: opts.cropToAspectRatio,
        padToAspectRatio: opts.padToAspectRatio,
      }).reshape([height, width, channels]);
      if (labelMode === null || ls.length === 0) return resized;
      const y = ls[i]!;
      const label =
        labelMode === 'int'
          ? tensor(new Int32Array([y]), [], 'int32')
          : labelMode === 'binary'
            ? tensor(new Float32Array([y]), [1])
            : tensor(
                Float32Array.from({ length: numClasses }, (_, k) => (k === y ? 1 : 0)),
                [numClasses],
              );
      return [resized, label];
    };
    let ids: Dataset = Dataset.range(ps.length);
    // As Keras: the training images come in a new order at each epoch, through a buffer of
    // eight batches (shuffled by index, before anything is decoded).
    if (shuffle && training) ids = ids.shuffle((batchSize ?? 1) * 8, { seed: opts.seed });
    const ds = ids.map((t) => load((t as Tensor).dataSync()[0] as number), { numParallelCalls: 4 });
    return batchSize !== null ? ds.batch(batchSize) : ds;
  };
  if (opts.subset === 'both') {
    const tr = part('training');
    const va = part('validation');
    return [build(tr.paths, tr.labels, true), build(va.paths, va.labels, false)];
  }
  const which = opts.subset === 'validation' ? 'validation' : 'training';
  const p = part(which);
  return build(p.paths, p.labels, which === 'training');
}
