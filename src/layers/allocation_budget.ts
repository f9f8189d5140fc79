/**
 * Bounds on what building layers may allocate while a model is rebuilt from a file. A loader
 * knows how many values the file's weights hold; a config that declares more (`units: 2000000`
 * in a 200 KB file) is refused at the first `addWeight` past the bound, before its initializer
 * allocates, instead of after gigabytes of fresh weights. Layers without weights are held to a
 * sane bound on the shapes they declare. Outside {@link withAllocationBudget} nothing is bounded.
 */
import type { SymbolicShape } from './symbolic.js';

/** What a model being loaded may allocate: see {@link withAllocationBudget}. */
export interface AllocationBudget {
  /** Where the bound comes from, for messages: `model.weights.h5`. */
  readonly source: string;
  /** Values the file's weights hold in all (elements, whatever their stored dtype). */
  readonly storedElements: number;
  /** Values of the largest weight array in the file. */
  readonly largestElements: number;
  /** Most weight values all layers built under the budget may declare together. */
  readonly maxWeightElements: number;
  /** Most values one sample of one layer output (a symbolic shape, batch axis excluded) may have. */
  readonly maxActivationElements: number;
  /** Most values the shape inference of a layer may allocate for one of its inputs. */
  readonly maxTransientElements: number;
  /** Makes the error to throw (the loader passes its FormatError, which this folder cannot import). */
  readonly error: (message: string) => Error;
}

interface Active {
  budget: AllocationBudget;
  used: number;
}

let active: Active | null = null;

/**
 * Runs `fn` (which builds a model) with weight creation and declared shapes bounded by
 * `budget`; restores the previous budget afterwards, whatever happens.
 * @example
 * const model = withAllocationBudget(budget, () => modelFromKerasConfig(json));
 */
export function withAllocationBudget<T>(budget: AllocationBudget, fn: () => T): T {
  const saved = active;
  active = { budget, used: 0 };
  try {
    return fn();
  } finally {
    active = saved;
  }
}

/** The number of values of a shape (null axes count as 1, as a batch of one). */
function elementsOf(shape: readonly (number | null)[]): number {
  let n = 1;
  for (const d of shape) n *= d ?? 1;
  return n;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function fmtDims(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}

/**
 * Counts a weight about to be created against the active budget (no-op without one); throws
 * the budget's error, naming the layer, the weight, its shape and what the file holds, when
 * the weights declared so far would exceed it.
 * @example chargeWeight('dense', 'kernel', [4, 2000000]);
 */
export function chargeWeight(
  layerName: string,
  weightName: string,
  shape: readonly number[],
): void {
  if (!active) return;
  const { budget } = active;
  const n = elementsOf(shape);
  if (active.used + n <= budget.maxWeightElements) {
    active.used += n;
    return;
  }
  throw budget.error(
    `layer '${layerName}' declares weight '${weightName}' of shape ${fmtDims(shape)} (${fmt(n)} values, ${fmt(active.used + n)} with the weights before it), but ${budget.source} holds ${fmt(budget.storedElements)} values in all (largest array: ${fmt(budget.largestElements)}); the config does not match its weights`,
  );
}

/**
 * Checks the output shapes a layer declares against the active budget's sane bound (no-op
 * without one): a layer without weights (Reshape, RepeatVector, UpSampling…) can declare
 * outputs far larger than any file.
 * @example checkDeclaredShapes('repeat_vector', [[null, 1e9, 8]], 'output');
 */
export function checkDeclaredShapes(
  layerName: string,
  shapes: readonly SymbolicShape[],
  what: 'output' | 'input',
): void {
  if (!active) return;
  const { budget } = active;
  const max = what === 'output' ? budget.maxActivationElements : budget.maxTransientElements;
  for (const s of shapes) {
    const n = elementsOf(s);
    if (n > max) {
      throw budget.error(
        `layer '${layerName}' declares an ${what} of shape ${fmtDims(s)} (${fmt(n)} values per sample), more than the ${fmt(max)} a model loaded from ${budget.source} may declare`,
      );
    }
  }
}
