/**
 * MNIST and Fashion-MNIST from their four gzipped IDX files in a local directory (Node only:
 * Tessera never downloads data). Keras's `mnist.load_data()` returns the same arrays.
 */
import { ValueError } from '../errors.js';
import { nodeBuiltin } from '../io/node_builtin.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseIdx } from './idx.js';

/** Train and test arrays: images `[n, 28, 28]` float32 (0..255, or 0..1 when normalized), labels `[n]` int32. */
export interface MnistData {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/**
 * Loads MNIST-format data from `dir` (files `train-images-idx3-ubyte.gz`,
 * `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`).
 *
 * Shape: x `[n, 28, 28]`, y `[n]`.
 * @example const { xTrain, yTrain } = await loadMnist('../shared/datasets/mnist', { normalize: true });
 */
export async function loadMnist(
  dir: string,
  opts: { normalize?: boolean } = {},
): Promise<MnistData> {
  const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const { gunzipSync } = await nodeBuiltin<typeof import('node:zlib')>('zlib');
  const { join } = await nodeBuiltin<typeof import('node:path')>('path');
  const read = async (name: string) => {
    const raw = await readFile(join(dir, name));
    return parseIdx(new Uint8Array(gunzipSync(raw)), name);
  };
  const [xtr, ytr, xte, yte] = await Promise.all([
    read('train-images-idx3-ubyte.gz'),
    read('train-labels-idx1-ubyte.gz'),
    read('t10k-images-idx3-ubyte.gz'),
    read('t10k-labels-idx1-ubyte.gz'),
  ]);
  const scale = opts.normalize ? 1 / 255 : 1;
  const images = (a: typeof xtr, name: string) => {
    if (a.shape.length !== 3)
      throw new ValueError(`loadMnist: ${name} must be rank 3, got [${a.shape.join(', ')}]`);
    const f = new Float32Array(a.data.length);
    for (let i = 0; i < f.length; i++) f[i] = a.data[i]! * scale;
    return tensor(f, a.shape);
  };
  const labels = (a: typeof ytr, n: number, name: string) => {
    if (a.shape.length !== 1 || a.shape[0] !== n)
      throw new ValueError(
        `loadMnist: ${name} must have shape [${n}], got [${a.shape.join(', ')}]`,
      );
    return tensor(Int32Array.from(a.data), [n], 'int32');
  };
  return {
    xTrain: images(xtr, 'train images'),
    yTrain: labels(ytr, xtr.shape[0]!, 'train labels'),
    xTest: images(xte, 'test images'),
    yTest: labels(yte, xte.shape[0]!, 'test labels'),
  };
}
