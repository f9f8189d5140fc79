/**
 * `mnist` and `fashionMnist`, as `keras.datasets`: MNIST from Keras's `mnist.npz`, and
 * Fashion-MNIST from the four gzipped IDX files Keras fetches (or a local folder of them).
 */
import { ValueError } from '../errors.js';
import { nodeBuiltin } from '../io/node_builtin.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseIdx } from './idx.js';
import {
  KERAS_DATASETS_URL,
  type LoadOptions,
  dataFile,
  intTensor,
  member,
  readNpzFile,
} from './keras_files.js';

/** `[[xTrain, yTrain], [xTest, yTest]]`: images `[n, 28, 28]` and labels `[n]`, int32. */
export type DigitSplits = [[Tensor, Tensor], [Tensor, Tensor]];

/**
 * MNIST as Keras returns it: 60,000 training and 10,000 test images of handwritten digits,
 * pixel values 0–255, unshuffled.
 *
 * Shape: x `[n, 28, 28]` int32, y `[n]` int32.
 * @example const [[xTrain, yTrain], [xTest, yTest]] = await mnist.loadData();
 */
export async function loadMnistData(opts: LoadOptions = {}): Promise<DigitSplits> {
  const op = 'mnist.loadData';
  const path = await dataFile(
    'mnist.npz',
    `${KERAS_DATASETS_URL}mnist.npz`,
    '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1',
    opts,
  );
  const f = await readNpzFile(path, op);
  const get = (k: string, shape: (number | null)[]) =>
    intTensor(member(f, k, op, path), `${op}: ${k}`, shape);
  const xTrain = get('x_train', [null, 28, 28]);
  const yTrain = get('y_train', [xTrain.shape[0]!]);
  const xTest = get('x_test', [null, 28, 28]);
  const yTest = get('y_test', [xTest.shape[0]!]);
  return [
    [xTrain, yTrain],
    [xTest, yTest],
  ];
}

const FASHION_FILES = [
  // Keras gives no hashes for these; the md5s are the ones Zalando publishes for the files.
  ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
  ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
  ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
  ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
] as const;

/**
 * Fashion-MNIST as Keras returns it (10 clothing classes, same shapes as MNIST). `path` may be
 * a folder holding the four `.gz` files.
 *
 * Shape: x `[n, 28, 28]` int32, y `[n]` int32.
 * @example const [[xTrain, yTrain]] = await fashionMnist.loadData();
 */
export async function loadFashionMnist(opts: LoadOptions = {}): Promise<DigitSplits> {
  const op = 'fashionMnist.loadData';
  const { readFile, stat } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const { join } = await nodeBuiltin<typeof import('node:path')>('path');
  const { gunzipSync } = await nodeBuiltin<typeof import('node:zlib')>('zlib');
  const isDir =
    opts.path !== undefined &&
    (await stat(opts.path).then(
      (s) => s.isDirectory(),
      () => false,
    ));
  const arrays = await Promise.all(
    FASHION_FILES.map(async ([name, md5]) => {
      const p = isDir
        ? join(opts.path!, name)
        : await dataFile(
            name,
            `${KERAS_DATASETS_URL}${name}`,
            md5,
            { ...opts, path: undefined },
            {
              cacheSubdir: join('datasets', 'fashion-mnist'),
            },
          );
      // A gzip member of these files inflates to under 50 MB; more is not Fashion-MNIST.
      const raw = gunzipSync(await readFile(p), { maxOutputLength: 64 << 20 });
      return parseIdx(new Uint8Array(raw), `${op}: ${name}`);
    }),
  );
  const [ytr, xtr, yte, xte] = arrays as [
    (typeof arrays)[0],
    (typeof arrays)[0],
    (typeof arrays)[0],
    (typeof arrays)[0],
  ];
  const images = (a: typeof xtr, name: string) => {
    if (a.shape.length !== 3 || a.shape[1] !== 28 || a.shape[2] !== 28)
      throw new ValueError(
        `${op}: ${name} has shape [${a.shape.join(', ')}]; expected [n, 28, 28]`,
      );
    return tensor(Int32Array.from(a.data), a.shape, 'int32');
  };
  const labels = (a: typeof ytr, n: number, name: string) => {
    if (a.shape.length !== 1 || a.shape[0] !== n)
      throw new ValueError(`${op}: ${name} has shape [${a.shape.join(', ')}]; expected [${n}]`);
    return tensor(Int32Array.from(a.data), [n], 'int32');
  };
  return [
    [images(xtr, 'train images'), labels(ytr, xtr.shape[0]!, 'train labels')],
    [images(xte, 'test images'), labels(yte, xte.shape[0]!, 'test labels')],
  ];
}
