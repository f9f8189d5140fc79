/**
 * Allocation budgets for loading models from files: what a model's config may declare is
 * bounded by the weight data the file actually holds (HDF5 dataset shapes, a TF.js manifest
 * checked against its shards, arrays already read), so a config claiming `units: 2000000`
 * beside a few kilobytes of weights is refused before anything large is allocated.
 */
import type { AllocationBudget } from '../layers/allocation_budget.js';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from './errors.js';
import type { H5Reader } from './h5.js';
import type { WeightsManifest } from './weights_manifest.js';

/**
 * Weight values a loaded model may declare beyond those its file stores (4 MiB of float32):
 * room for small variables a format leaves out, far below anything that hurts.
 */
export const LOAD_WEIGHT_SLACK = 1 << 20;

/**
 * Most values one sample of a layer output may declare in a loaded model (2^28): no real
 * model comes near, and a shape beyond it can only make later allocations fail.
 */
export const LOAD_MAX_ACTIVATION = 2 ** 28;

/**
 * Most values shape inference may allocate for one input of a layer without its own shape
 * rule (2^24, 64 MiB of float32), or the file's weight count when larger.
 */
export const LOAD_MAX_TRANSIENT = 2 ** 24;

/**
 * Weight values a loaded model may declare in all when the caller allows weights the file
 * does not set (TF.js `strict: false`): 2^27, 512 MiB of float32.
 */
export const LOAD_MAX_UNSTORED = 2 ** 27;

/**
 * A budget from what a file stores: `stored` weight values in all, the largest array
 * `largest`. Errors are FormatErrors prefixed with `where`.
 * @example const b = loadBudget('model.weights.h5', 1024, 512, 'loadModelFromBytes');
 */
export function loadBudget(
  source: string,
  stored: number,
  largest: number,
  where: string,
): AllocationBudget {
  return {
    source,
    storedElements: stored,
    largestElements: largest,
    maxWeightElements: stored + LOAD_WEIGHT_SLACK,
    maxActivationElements: LOAD_MAX_ACTIVATION,
    maxTransientElements: Math.max(LOAD_MAX_TRANSIENT, stored),
    error: (message) => new FormatError(`${where}: ${message}`),
  };
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The budget of an HDF5 weights file: the values of all its datasets, read from their shapes
 * (no data is read), and never more than the file has bytes, since a dataset without stored
 * data (HDF5 fill values) holds no weights.
 * @example const budget = h5Budget(reader, h5Bytes.length, 'model.weights.h5', 'loadModelFromBytes');
 */
export function h5Budget(
  r: H5Reader,
  fileBytes: number,
  source: string,
  where: string,
): AllocationBudget {
  let stored = 0;
  let largest = 0;
  // Iterative walk: the reader's own limits bound the number of objects; depth is bounded here.
  const stack: [string, number][] = [['', 0]];
  while (stack.length) {
    const [p, depth] = stack.pop()!;
    for (const k of r.keys(p)) {
      const c = p ? `${p}/${k}` : k;
      if (r.isDataset(c)) {
        const n = sizeOf(r.datasetInfo(c).shape);
        stored += n;
        largest = Math.max(largest, n);
      } else if (depth < 64 && r.isGroup(c)) stack.push([c, depth + 1]);
    }
  }
  return loadBudget(source, Math.min(stored, fileBytes), Math.min(largest, fileBytes), where);
}

/**
 * The budget of a TF.js weights manifest whose shards were checked against it
 * (`resolveWeightShards`): the values of its entries (or a sane bound, {@link LOAD_MAX_UNSTORED},
 * when `allowUnstored`: weights the manifest lacks are then allowed).
 * @example const budget = manifestBudget(json.weightsManifest, 'decodeTfjsModel');
 */
export function manifestBudget(
  manifest: WeightsManifest,
  where: string,
  opts: { allowUnstored?: boolean } = {},
): AllocationBudget {
  let stored = 0;
  let largest = 0;
  for (const g of manifest) {
    for (const e of g.weights) {
      const n = sizeOf(e.shape);
      stored += n;
      largest = Math.max(largest, n);
    }
  }
  const budget = loadBudget('the weight shards', stored, largest, where);
  // Weights left unset keep fresh values: bounded by a sane size instead of by the shards.
  if (!opts.allowUnstored) return budget;
  return {
    ...budget,
    maxWeightElements: Math.max(budget.maxWeightElements, LOAD_MAX_UNSTORED),
  };
}

/**
 * The budget of weight arrays already read from a file (a legacy `.h5`).
 * @example const budget = tensorsBudget(legacy.weights.flatMap((l) => l.values), '.h5 model_weights', 'loadModelFromBytes');
 */
export function tensorsBudget(
  values: readonly Tensor[],
  source: string,
  where: string,
): AllocationBudget {
  let stored = 0;
  let largest = 0;
  for (const t of values) {
    stored += t.size;
    largest = Math.max(largest, t.size);
  }
  return loadBudget(source, stored, largest, where);
}
