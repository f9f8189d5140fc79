/**
 * The built-in classes a saved config may name, family by family. Each family registers its
 * classes when its module loads; what this module adds is a *use* of every family's exports, so
 * that a bundle tree-shaken under the package's `sideEffects: false` still holds every class a
 * config could name (a bare `import './layers/index.js'` would be dropped there, and loading a
 * model would then fail on its first layer). Readers of configs (`Sequential.fromConfig`,
 * functional `fromConfig`, the Keras and TF.js loaders) call {@link ensureBuiltins} first.
 */
import * as constraints from '../constraints.js';
import * as initializers from '../initializers.js';
import * as layers from '../layers/index.js';
import * as losses from '../losses.js';
import * as metrics from '../metrics.js';
import * as optimizers from '../optimizers/index.js';
import * as regularizers from '../regularizers.js';
import { lookupSerializable } from '../serialization.js';

/** A serialization category whose built-in classes this module knows. */
export type BuiltinCategory =
  | 'layer'
  | 'loss'
  | 'metric'
  | 'optimizer'
  | 'schedule'
  | 'initializer'
  | 'regularizer'
  | 'constraint';

const FAMILIES: Record<BuiltinCategory, object> = {
  layer: layers,
  loss: losses,
  metric: metrics,
  optimizer: optimizers,
  schedule: optimizers,
  initializer: initializers,
  regularizer: regularizers,
  constraint: constraints,
};

const counted = new Map<BuiltinCategory, number>();

/**
 * Makes sure the built-in classes of `category` are present before a config naming them is
 * read, and returns how many of the family's exported classes are registered in that category.
 *
 * Formula: count = |{ c ∈ exports(family) : registry[category][c.className] = c }|.
 *
 * Shape: none (a registry check, done once per category).
 *
 * @example
 * ensureBuiltins('layer'); // then deserialize('layer', { className: 'Dense', config: { units: 2 } })
 */
export function ensureBuiltins(category: BuiltinCategory): number {
  const known = counted.get(category);
  if (known !== undefined) return known;
  let n = 0;
  for (const v of Object.values(FAMILIES[category])) {
    if (typeof v !== 'function') continue;
    const name = (v as { className?: unknown }).className;
    if (typeof name === 'string' && lookupSerializable(category, name) === v) n++;
  }
  counted.set(category, n);
  return n;
}
