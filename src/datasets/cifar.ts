/**
 * `cifar10` and `cifar100`, as `keras.datasets`: 50,000 training and 10,000 test 32×32 colour
 * images. Keras reads the Python release, which is pickled dicts; Tessera never unpickles
 * general objects, so it reads the binary release from the same site instead (the same
 * images and labels, as fixed-size records: label byte(s) then 3,072 bytes, channel-major).
 */
import { ValueError } from '../errors.js';
import { nodeBuiltin } from '../io/node_builtin.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { type LoadOptions, dataFile } from './keras_files.js';

/** `[[xTrain, yTrain], [xTest, yTest]]`: images `[n, 32, 32, 3]` and labels `[n, 1]`, int32. */
export type ImageSplits = [[Tensor, Tensor], [Tensor, Tensor]];

const PIXELS = 32 * 32 * 3;

/**
 * Images and labels from records of `labelBytes` label bytes then 3,072 pixel bytes (red,
 * green, blue planes of 32×32), transposed to channels-last as Keras returns them.
 */
function decodeRecords(
  parts: readonly Uint8Array[],
  labelBytes: number,
  labelAt: number,
  what: string,
): [Tensor, Tensor] {
  const rec = labelBytes + PIXELS;
  let n = 0;
  for (const p of parts) {
    if (p.length % rec !== 0)
      throw new ValueError(
        `${what}: a batch file has ${p.length} bytes, not a multiple of the ${rec}-byte record`,
      );
    n += p.length / rec;
  }
  const x = new Int32Array(n * PIXELS);
  const y = new Int32Array(n);
  let i = 0;
  for (const p of parts) {
    for (let off = 0; off < p.length; off += rec, i++) {
      y[i] = p[off + labelAt]!;
      const px = off + labelBytes;
      const base = i * PIXELS;
      for (let c = 0; c < 3; c++)
        for (let k = 0; k < 1024; k++) x[base + k * 3 + c] = p[px + c * 1024 + k]!;
    }
  }
  return [tensor(x, [n, 32, 32, 3], 'int32'), tensor(y, [n, 1], 'int32')];
}

async function readParts(
  dir: string,
  names: readonly string[],
  what: string,
): Promise<Uint8Array[]> {
  const { readFile, readdir } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const { join } = await nodeBuiltin<typeof import('node:path')>('path');
  // The archive holds one folder (cifar-10-batches-bin/ or cifar-100-binary/).
  const entries = await readdir(dir, { withFileTypes: true });
  const sub = entries.find((e) => e.isDirectory());
  const root =
    sub && !entries.some((e) => e.isFile() && names.includes(e.name)) ? join(dir, sub.name) : dir;
  return Promise.all(
    names.map(async (n) => {
      try {
        return new Uint8Array(await readFile(join(root, n)));
      } catch {
        throw new ValueError(
          `${what}: ${join(root, n)} is missing; is ${dir} CIFAR's binary release?`,
        );
      }
    }),
  );
}

/**
 * CIFAR-10: 10 classes (airplane … truck).
 *
 * Shape: x `[n, 32, 32, 3]` int32 in 0–255, y `[n, 1]` int32.
 * @example const [[xTrain, yTrain], [xTest, yTest]] = await cifar10.loadData();
 */
export async function loadCifar10(opts: LoadOptions = {}): Promise<ImageSplits> {
  const what = 'cifar10.loadData';
  const dir = await dataFile(
    'cifar-10-batches-bin',
    'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    'c32a1d4ab5d03f1284b67883e8d87530',
    opts,
    { extract: true },
  );
  const train = await readParts(
    dir,
    [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
    what,
  );
  const test = await readParts(dir, ['test_batch.bin'], what);
  return [decodeRecords(train, 1, 0, what), decodeRecords(test, 1, 0, what)];
}

/**
 * CIFAR-100: 100 fine classes grouped in 20 coarse ones (`labelMode`).
 *
 * Shape: x `[n, 32, 32, 3]` int32 in 0–255, y `[n, 1]` int32.
 * @example const [[xTrain, yTrain]] = await cifar100.loadData({ labelMode: 'coarse' });
 */
export async function loadCifar100(
  opts: LoadOptions & { labelMode?: 'fine' | 'coarse' } = {},
): Promise<ImageSplits> {
  const what = 'cifar100.loadData';
  const mode = opts.labelMode ?? 'fine';
  if (mode !== 'fine' && mode !== 'coarse')
    throw new ValueError(`${what}: labelMode must be 'fine' or 'coarse', got '${mode}'`);
  const dir = await dataFile(
    'cifar-100-binary',
    'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    '03b5dce01913d631647c71ecec9e9cb8',
    opts,
    { extract: true },
  );
  const [train, test] = await Promise.all([
    readParts(dir, ['train.bin'], what),
    readParts(dir, ['test.bin'], what),
  ]);
  // Each record starts with the coarse label, then the fine one.
  const at = mode === 'coarse' ? 0 : 1;
  return [decodeRecords(train, 2, at, what), decodeRecords(test, 2, at, what)];
}
