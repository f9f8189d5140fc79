/**
 * `bostonHousing` and `californiaHousing`, as `keras.datasets`: regression data read from
 * Keras's `.npz` files, shuffled by NumPy's `RandomState(seed)` and split by `testSplit`
 * exactly as Keras does, so the same rows land in the same splits.
 */
import { ValueError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  KERAS_DATASETS_URL,
  type LoadOptions,
  dataFile,
  member,
  numbersOf,
  numpyPermutation,
  readNpzFile,
  splitPoint,
  takeRowsOf,
} from './keras_files.js';

/** Options of the housing loaders. */
export interface HousingOptions extends LoadOptions {
  /** Fraction of the rows held out as the test split (default 0.2). */
  testSplit?: number;
  /** Seed of NumPy's shuffle (default 113, Keras's). */
  seed?: number;
}

/** `[[xTrain, yTrain], [xTest, yTest]]`, float32 tensors. */
export type RegressionSplits = [[Tensor, Tensor], [Tensor, Tensor]];

async function loadRegression(
  op: string,
  name: string,
  hash: string,
  opts: HousingOptions,
  limit: number | null,
): Promise<RegressionSplits> {
  const testSplit = opts.testSplit ?? 0.2;
  splitPoint(1, testSplit, op);
  const path = await dataFile(name, `${KERAS_DATASETS_URL}${name}`, hash, opts);
  const f = await readNpzFile(path, op);
  const xa = member(f, 'x', op, path);
  const ya = member(f, 'y', op, path);
  if (xa.shape.length !== 2 || ya.shape.length !== 1 || ya.shape[0] !== xa.shape[0])
    throw new ValueError(
      `${op}: ${path} has x of shape [${xa.shape.join(', ')}] and y of shape [${ya.shape.join(', ')}]; expected [n, features] and [n]`,
    );
  const features = xa.shape[1]!;
  const n = limit === null ? xa.shape[0]! : Math.min(limit, xa.shape[0]!);
  const x = Float64Array.from(numbersOf(xa, `${op}: x`)).subarray(0, n * features);
  const y = Float64Array.from(numbersOf(ya, `${op}: y`)).subarray(0, n);
  const order = numpyPermutation(n, opts.seed ?? 113);
  const xs = Float32Array.from(takeRowsOf(x, features, order));
  const ys = Float32Array.from(takeRowsOf(y, 1, order));
  const at = splitPoint(n, testSplit, op);
  return [
    [tensor(xs.slice(0, at * features), [at, features]), tensor(ys.slice(0, at), [at])],
    [tensor(xs.slice(at * features), [n - at, features]), tensor(ys.slice(at), [n - at])],
  ];
}

/**
 * Boston housing (506 rows, 13 features, median value in k$), as `keras.datasets.boston_housing`.
 *
 * Shape: x `[n, 13]`, y `[n]` (404 / 102 rows with the defaults).
 * @example const [[xTrain, yTrain], [xTest, yTest]] = await bostonHousing.loadData();
 */
export function loadBostonHousing(opts: HousingOptions = {}): Promise<RegressionSplits> {
  return loadRegression(
    'bostonHousing.loadData',
    'boston_housing.npz',
    'f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5',
    opts,
    null,
  );
}

/** Options of California housing. */
export interface CaliforniaOptions extends HousingOptions {
  /** `'large'` (all 20,640 rows, default) or `'small'` (the first 600), as Keras. */
  version?: 'large' | 'small';
}

/**
 * California housing (20,640 block groups, 8 features, median house value), as
 * `keras.datasets.california_housing`.
 *
 * Shape: x `[n, 8]`, y `[n]`.
 * @example const [[xTrain, yTrain]] = await californiaHousing.loadData({ version: 'small' });
 */
export async function loadCaliforniaHousing(
  opts: CaliforniaOptions = {},
): Promise<RegressionSplits> {
  const version = opts.version ?? 'large';
  if (version !== 'large' && version !== 'small')
    throw new ValueError(
      `californiaHousing.loadData: version must be 'large' or 'small', got '${version}'`,
    );
  return loadRegression(
    'californiaHousing.loadData',
    'california_housing.npz',
    '1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f',
    opts,
    version === 'small' ? 600 : null,
  );
}
