/**
 * `Lambda`: a layer from a JavaScript function, as Keras's. Files never carry code, so a
 * Lambda saves the *name* its function was registered under (`registerLambda`) and loads only
 * when that name is registered again; a Keras file's Lambda holding Python bytecode is refused,
 * and one naming a registered Python function loads when a JavaScript function is registered
 * under the same name.
 */
import { ValueError } from '../errors.js';
import { type Config, type ConfigValue, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs } from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** A Lambda's function: the inputs (one tensor or a list) and the `arguments` record. */
export type LambdaFunction = (
  inputs: Tensor | Tensor[],
  args: Readonly<Record<string, ConfigValue>>,
) => Tensor;

const registry = new Map<string, LambdaFunction>();
const names = new Map<LambdaFunction, string>();

/**
 * Registers a function for {@link Lambda} layers under a name, so that models using it save
 * and load (the file keeps the name, never the code). Keras's registered names
 * (`'package>name'`) work too.
 * @example registerLambda('double', (x) => (x as Tensor).mul(2));
 */
export function registerLambda(name: string, fn: LambdaFunction): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new ValueError(
      `registerLambda: the name must be a non-empty string, got ${String(name)}`,
    );
  if (typeof fn !== 'function')
    throw new ValueError(`registerLambda('${name}'): expected a function, got ${typeof fn}`);
  const prev = registry.get(name);
  if (prev && prev !== fn) names.delete(prev);
  registry.set(name, fn);
  names.set(fn, name);
}

/** Options of {@link Lambda}. */
export interface LambdaArgs extends LayerArgs {
  /** The function, or the name it was registered under with {@link registerLambda}. */
  function: LambdaFunction | string;
  /**
   * The output shape without the batch axis (default: inferred by running the function on
   * zeros once).
   */
  outputShape?: readonly (number | null)[] | null;
  /** Extra keyword values passed to the function (plain JSON, saved with the layer). */
  arguments?: Record<string, ConfigValue> | null;
}

/**
 * Wraps a function as a layer (Keras's `Lambda`).
 *
 * Formula: `y = fn(x, arguments)`.
 *
 * Shape: `outputShape` when given, else what the function returns on a batch of zeros.
 * @example
 * registerLambda('square', (x) => (x as Tensor).square());
 * const y = new Lambda({ function: 'square' }).apply(x);
 */
export class Lambda extends Layer {
  static override readonly className = 'Lambda';
  readonly fn: LambdaFunction;
  readonly outputShapeArg: (number | null)[] | null;
  readonly fnArgs: Record<string, ConfigValue>;

  constructor(args: LambdaArgs) {
    super(args);
    const where = `${this.name} (Lambda)`;
    const f = args?.function;
    if (typeof f === 'string') {
      const fn = registry.get(f);
      if (!fn)
        throw new ValueError(
          `${where}: no function is registered as '${f}'; register it with registerLambda('${f}', fn) before loading (files carry the name, never code)`,
        );
      this.fn = fn;
    } else if (typeof f === 'function') this.fn = f;
    else
      throw new ValueError(
        `${where}: function must be a function or a registered name, got ${typeof f}`,
      );
    if ((args as { mask?: unknown }).mask != null)
      throw new ValueError(`${where}: a mask function is not supported`);
    this.outputShapeArg = args.outputShape ? [...args.outputShape] : null;
    this.fnArgs = { ...(args.arguments ?? {}) };
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    return this.fn(inputs, this.fnArgs);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    if (this.outputShapeArg) {
      const first = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
      return [first[0] ?? null, ...this.outputShapeArg];
    }
    return super.computeOutputShape(inputShape) as SymbolicShape;
  }

  override getConfig(): Config {
    const name = names.get(this.fn);
    if (!name)
      throw new ValueError(
        `${this.name} (Lambda): its function is not registered, so it cannot be saved (files never carry code); register it with registerLambda('name', fn)`,
      );
    return {
      ...super.getConfig(),
      function: name,
      outputShape: this.outputShapeArg as ConfigValue,
      arguments: this.fnArgs,
    };
  }

  static override fromConfig<T extends Layer>(this: new (args: never) => T, config: Config): T {
    const c = config as Record<string, unknown>;
    // A Keras config names a Python function as {class_name: 'function', config: name,
    // registered_name}; Python bytecode ('__lambda__') never gets here (the reader refuses it).
    let fn = c.function as unknown;
    if (fn && typeof fn === 'object') {
      const o = fn as { className?: string; config?: unknown; registeredName?: unknown };
      if (o.className !== 'function' || typeof o.config !== 'string')
        throw new ValueError(
          `Lambda '${String(c.name)}': its function ${JSON.stringify(fn).slice(0, 200)} is not a named function; only registered names load`,
        );
      const reg = typeof o.registeredName === 'string' ? o.registeredName : null;
      fn = reg && registry.has(reg) ? reg : o.config;
    }
    return new this({ ...config, function: fn } as never);
  }
}

registerSerializable('layer', Lambda);
