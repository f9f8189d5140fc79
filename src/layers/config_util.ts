/** Helpers that layers' `getConfig` share (not part of the `layers` namespace). */
import { type Config, type ConfigValue, serialize } from '../serialization.js';

/**
 * Serializes an optional initializer, regularizer or constraint for a config: `{className,
 * config}`, or null when absent.
 *
 * Formula: x ? serialize(x) : null.
 *
 * Shape: not applicable.
 * @example serializeOpt(getInitializer('zeros')) // { className: 'Zeros', config: {} }
 */
export function serializeOpt(x: { getConfig(): Config } | null | undefined): ConfigValue {
  return x ? (serialize(x) as unknown as ConfigValue) : null;
}
