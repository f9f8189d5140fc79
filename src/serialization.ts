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

/**
 * How a `getX(identifier)` resolver of one category works: its built-in ids (each builds a
 * new object with default arguments), their aliases, how to recognise an instance, and the
 * hooks of the categories whose names need more than a table (losses, metrics, activations).
 */
export interface IdentifierSpec<T> {
  /** The resolver's name, for messages: `'getInitializer'`. */
  fn: string;
  /** The serialization category (`'initializer'`), also the noun in messages. */
  category: string;
  /** The instance's description in messages: `'an Initializer'`. */
  what: string;
  /** Whether a value is already an instance (returned as is). */
  isInstance(v: unknown): v is T;
  /** Built-in ids → a factory with default arguments. */
  ids: Readonly<Record<string, () => T>>;
  /** Other spellings (Keras's snake_case) → a built-in id. */
  aliases?: Readonly<Record<string, string>>;
  /** Ids and class names match whatever their case (optimizers: `'Adam'`, `'adam'`). */
  caseInsensitive?: boolean;
  /**
   * Names resolved before the table (names whose meaning depends on a context, such as
   * `'accuracy'`, or user registrations); undefined passes the name on to the table.
   */
  fromName?(id: string): T | undefined;
  /** A function given as the identifier (wrapped, or taken as it is); absent: refused. */
  fromFunction?(f: (...args: never[]) => unknown): T;
  /** What null or undefined mean (activations: linear); absent: refused. */
  fromNullish?(): T;
  /** Extra words for an unknown name (" Did you mean 'mse'?"). */
  hint?(id: string): string;
  /** The list of valid names in messages (default: the ids, aliases and registered classes). */
  validText?(): string;
}

/**
 * Resolves an identifier as Keras's `<category>.get` does, the one resolver behind
 * `getInitializer`, `getRegularizer`, `getConstraint`, `getOptimizer`, `getLoss`, `getMetric`
 * and `getActivation`: an instance is returned as is; a string is a name the category resolves
 * itself (`fromName`), a built-in id, an alias, or a registered class name (built with its
 * default config); `{className, config}` is deserialized through the registry; functions and
 * null go to the category's hooks. Anything else is refused with what was expected and what
 * came.
 *
 * Formula: none (a lookup).
 *
 * Shape: not applicable.
 * @example
 * resolveIdentifier(spec, 'glorotUniform'); // new GlorotUniform()
 */
export function resolveIdentifier<T>(spec: IdentifierSpec<T>, id: unknown): T {
  if (spec.isInstance(id)) return id;
  const fold = (s: string) => (spec.caseInsensitive ? s.toLowerCase() : s);
  const classNamed = (name: string): string | undefined =>
    registeredNames(spec.category).find((n) => fold(n) === fold(name));
  const valid = () => {
    if (spec.validText) return spec.validText();
    const names = [...Object.keys(spec.ids), ...Object.keys(spec.aliases ?? {})].join(', ');
    const classes = registeredNames(spec.category);
    return `valid: ${names}${classes.length ? ` (or a registered class name: ${classes.join(', ')})` : ''}`;
  };
  if (id == null && spec.fromNullish) return spec.fromNullish();
  if (typeof id === 'function' && spec.fromFunction) return spec.fromFunction(id as never);
  if (typeof id === 'string') {
    const named = spec.fromName?.(id);
    if (named !== undefined) return named;
    const key = Object.keys(spec.ids).find((k) => fold(k) === fold(id));
    if (key !== undefined) return spec.ids[key]!();
    const alias = Object.keys(spec.aliases ?? {}).find((k) => fold(k) === fold(id));
    if (alias !== undefined) return spec.ids[spec.aliases![alias]!]!();
    const cls = classNamed(id);
    if (cls !== undefined) return build(spec, cls, {});
    throw new ValueError(
      `${spec.fn}: unknown ${spec.category} '${id}';${spec.hint?.(id) ?? ''} ${valid()}`,
    );
  }
  if (
    id !== null &&
    typeof id === 'object' &&
    typeof (id as SerializedObject).className === 'string'
  ) {
    const s = id as SerializedObject;
    const cls = classNamed(s.className);
    if (cls === undefined)
      throw new ValueError(
        `${spec.fn}: unknown ${spec.category} class '${s.className}'; ${valid()}`,
      );
    return build(spec, cls, s.config ?? {});
  }
  const kinds = [
    'a name',
    spec.what,
    '{className, config}',
    ...(spec.fromFunction ? ['a function'] : []),
    ...(spec.fromNullish ? ['null'] : []),
  ];
  throw new ValueError(
    `${spec.fn}: expected ${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}, got ${describeValue(id)}`,
  );
}

/** A registered class of the spec's category from its config, checked to be an instance. */
function build<T>(spec: IdentifierSpec<T>, className: string, config: Config): T {
  const obj = deserialize<unknown>(spec.category, { className, config });
  if (!spec.isInstance(obj))
    throw new ValueError(`${spec.fn}: '${className}' did not build ${spec.what}`);
  return obj;
}

/**
 * A short description of an unexpected value for error messages: `null`, `number 3`,
 * `an object {"a":1}`.
 * @example describeValue(3) // 'number 3'
 */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return `an object ${JSON.stringify(v)?.slice(0, 80) ?? ''}`;
  return `${typeof v} ${String(v)}`;
}
