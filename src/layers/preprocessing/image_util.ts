/**
 * Helpers the image preprocessing and augmentation layers share (not part of the `layers`
 * namespace): option checks whose errors name the layer.
 */
import { ValueError } from '../../errors.js';
import type { Layer } from '../layer.js';

/**
 * Throws a ValueError naming the layer and its class.
 * @example fail(this, 'height must be a positive integer, got 0');
 */
export function fail(layer: Layer, what: string): never {
  throw new ValueError(`${layer.name} (${layer.className}): ${what}`);
}

/**
 * A positive integer option, or a ValueError naming the layer.
 * @example this.height = positiveInt(this, 'height', args.height);
 */
export function positiveInt(layer: Layer, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) {
    fail(layer, `${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

/**
 * A finite number option, or a ValueError naming the layer.
 * @example this.fillValue = finiteNumber(this, 'fillValue', args.fillValue ?? 0);
 */
export function finiteNumber(layer: Layer, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail(layer, `${name} must be a finite number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * One of `allowed`, or a ValueError listing them.
 * @example oneOf(this, 'fillMode', 'wrap', ['reflect', 'wrap']); // 'wrap'
 */
export function oneOf<T extends string>(
  layer: Layer,
  name: string,
  v: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(v as T)) {
    fail(
      layer,
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}
