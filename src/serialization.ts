/**
 * The serialization contract shared by layers, losses, metrics, optimizers, initializers,
 * regularizers and constraints: `getConfig()` returns plain JSON, `static fromConfig(config)`
 * rebuilds the object, and `static className` names the class in a way that survives
 * minification. Classes register under their className; deserialization looks names up in the
 * registry only: it never evaluates code.
 */
import { ValueError } from './errors.js';

/** JSON values allowed in configs. */
export type ConfigValue =
  | string
  | number
  | boolean
  | null
  | ConfigValue[]
  | { [key: string]: ConfigValue };
/** A plain-JSON config object. */
export type Config = { [key: string]: ConfigValue };

/** A serialized object: `{className, config}`, the shape of Keras's nested configs. */
export interface SerializedObject {
  className: string;
  config: Config;
}

/** What a registrable class looks like from the outside. */
export interface SerializableClass<T> {
  readonly className: string;
  fromConfig(config: Config): T;
}

/** Instances that can describe themselves. */
export interface Serializable {
  getConfig(): Config;
}

const registries = new Map<string, Map<string, SerializableClass<unknown>>>();

/**
 * Registers `cls` under `name` (default `cls.className`) in a category (`layer`, `loss`, `optimizer`, …).
 * Custom layers call this once so that saved models naming them load.
 *
 * @example
 * class MyLayer extends Layer { static override readonly className = 'MyLayer'; ... }
 * registerSerializable('layer', MyLayer);
 */
export function registerSerializable<T>(
  category: string,
  cls: SerializableClass<T>,
  name = cls.className,
): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValueError(
      `registerSerializable: class has no static className (category ${category})`,
    );
  }
  let reg = registries.get(category);
  if (!reg) {
    reg = new Map();
    registries.set(category, reg);
  }
  reg.set(name, cls as SerializableClass<unknown>);
}

/** The class registered under `className`, or undefined. */
export function lookupSerializable<T>(
  category: string,
  className: string,
): SerializableClass<T> | undefined {
  return registries.get(category)?.get(className) as SerializableClass<T> | undefined;
}

/** Class names registered in a category. */
export function registeredNames(category: string): string[] {
  return [...(registries.get(category)?.keys() ?? [])];
}

/** `{className, config}` for a serializable instance whose class has a static className. */
export function serialize(obj: Serializable): SerializedObject {
  const cls = (obj as { constructor: { className?: string } }).constructor;
  if (typeof cls.className !== 'string')
    throw new ValueError('serialize: object has no static className');
  return { className: cls.className, config: obj.getConfig() };
}

/**
 * Rebuilds an object from `{className, config}` through the registry of `category`. Unknown
 * names are refused with the list of known ones and how to register a custom class.
 */
export function deserialize<T>(category: string, s: SerializedObject): T {
  if (s === null || typeof s !== 'object' || typeof s.className !== 'string') {
    throw new ValueError(
      `deserialize (${category}): expected {className, config}, got ${JSON.stringify(s)?.slice(0, 100)}`,
    );
  }
  const cls = lookupSerializable<T>(category, s.className);
  if (!cls) {
    throw new ValueError(
      `deserialize: unknown ${category} class '${s.className}'. Known: ${registeredNames(category).join(', ')}. ` +
        `A custom class must define 'static className' and be registered with registerSerializable('${category}', Cls).`,
    );
  }
  return cls.fromConfig(s.config ?? {});
}
