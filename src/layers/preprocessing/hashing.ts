/**
 * `Hashing`, Keras's hashing layer: strings (or integers, hashed as their decimal text) go
 * into `numBins` bins by FarmHash64, or by SipHash-2-4 with a `salt`, exactly as TensorFlow's
 * `to_hash_bucket_fast` / `to_hash_bucket_strong` do, so the same values land in the same bins
 * as in Keras.
 */
import { ShapeError, ValueError } from '../../errors.js';
import { tensor } from '../../ops/creation.js';
import { fingerprint64, sipHash64 } from '../../ops/farmhash.js';
import { type Config, type ConfigValue, registerSerializable } from '../../serialization.js';
import { StringTensor, stringTensor } from '../../tensor/string_tensor.js';
import { Tensor, convertToTensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, singleShape } from '../layer.js';
import type { SymbolicDType, SymbolicShape } from '../symbolic.js';
import { CategoryEncoding } from './numeric.js';

/** Options of {@link Hashing}, Keras's names. */
export interface HashingArgs extends LayerArgs {
  /** Number of bins, the mask's bin 0 included when `maskValue` is set. */
  numBins: number;
  /** A value that maps to bin 0 (the others then use bins 1 … numBins − 1); default none. */
  maskValue?: string | number | null;
  /** A salt for SipHash64: one integer, or two (default: FarmHash64, no salt). */
  salt?: number | readonly [number, number] | null;
  /** `'int'` (default), `'one_hot'`, `'multi_hot'` or `'count'`. */
  outputMode?: 'int' | 'one_hot' | 'multi_hot' | 'count';
  /** Sparse outputs are not supported (default false). */
  sparse?: boolean;
}

/**
 * Hashes strings or integers into bins.
 *
 * Formula: `bin = h(x) mod n` (or `1 + h(x) mod (n − 1)` with a mask; the mask value → 0),
 * `h` FarmHash64 or, with a salt, SipHash-2-4.
 *
 * Shape: `'int'` keeps the shape (int32); encoded modes as {@link CategoryEncoding}.
 * @example new Hashing({ numBins: 3 }).apply([['A'], ['B'], ['C'], ['D'], ['E']]) // [[1], [0], [1], [1], [2]]
 */
export class Hashing extends Layer {
  static override readonly className = 'Hashing';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { numBins: 2 };
  readonly numBins: number;
  readonly maskValue: string | number | null;
  readonly salt: [number, number] | null;
  readonly outputMode: 'int' | 'one_hot' | 'multi_hot' | 'count';

  constructor(args: HashingArgs) {
    super(args);
    const where = `${this.name} (Hashing)`;
    if (!args || !Number.isInteger(args.numBins) || args.numBins < 1)
      throw new ValueError(`${where}: numBins must be a positive integer, got ${args?.numBins}`);
    this.numBins = args.numBins;
    this.maskValue = args.maskValue ?? null;
    if (this.maskValue !== null && this.numBins < 2)
      throw new ValueError(
        `${where}: with a maskValue, numBins must be at least 2 (bin 0 is the mask's)`,
      );
    const salt = args.salt ?? null;
    if (salt === null) this.salt = null;
    else if (typeof salt === 'number') this.salt = [salt, salt];
    else if (Array.isArray(salt) && salt.length === 2) this.salt = [salt[0], salt[1]];
    else
      throw new ValueError(
        `${where}: salt must be an integer or a pair of integers, got ${JSON.stringify(salt)}`,
      );
    if (this.salt && !this.salt.every((s) => Number.isInteger(s) && s >= 0))
      throw new ValueError(
        `${where}: salt values must be non-negative integers, got ${JSON.stringify(salt)}`,
      );
    this.outputMode = args.outputMode ?? 'int';
    if (!['int', 'one_hot', 'multi_hot', 'count'].includes(this.outputMode))
      throw new ValueError(
        `${where}: outputMode must be 'int', 'one_hot', 'multi_hot' or 'count', got '${this.outputMode}'`,
      );
    if (args.sparse) throw new ValueError(`${where}: sparse outputs are not supported`);
    this.built = true;
  }

  protected override outputDType(): SymbolicDType {
    return this.outputMode === 'int' ? 'int32' : 'float32';
  }

  protected override get acceptsStrings(): boolean {
    return true;
  }

  /** The bin of one value's text. */
  private bin(text: string): number {
    const isMask = this.maskValue !== null && text === String(this.maskValue);
    if (isMask) return 0;
    const bins = BigInt(this.maskValue !== null ? this.numBins - 1 : this.numBins);
    const h = this.salt
      ? sipHash64(text, [BigInt(this.salt[0]), BigInt(this.salt[1])])
      : fingerprint64(text);
    return Number(h % bins) + (this.maskValue !== null ? 1 : 0);
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as unknown;
    let texts: readonly string[];
    let shape: readonly number[];
    if (
      x instanceof StringTensor ||
      typeof x === 'string' ||
      (Array.isArray(x) && typeof x.flat(Number.POSITIVE_INFINITY)[0] === 'string')
    ) {
      const t = x instanceof StringTensor ? x : stringTensor(x as string[]);
      texts = t.values;
      shape = t.shape;
    } else {
      // Integers hash as their decimal text, as Keras does (as_string).
      const t = x instanceof Tensor ? x : convertToTensor(x as never, this.name, 'inputs', 'int32');
      if (t.dtype !== 'int32')
        throw new ValueError(
          `${this.name} (Hashing): inputs must be strings or integers, got ${t.dtype}`,
        );
      texts = Array.from(t.dataSync(), (v) => String(v));
      shape = t.shape;
    }
    const ids = tensor(
      Int32Array.from(texts, (s) => this.bin(s)),
      shape,
      'int32',
    );
    if (this.outputMode === 'int') return ids;
    if (shape.length > 2)
      throw new ShapeError(`${this.name} (Hashing): encoded outputs take inputs of rank at most 2`);
    return new CategoryEncoding({ numTokens: this.numBins, outputMode: this.outputMode }).apply(
      ids,
    ) as Tensor;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const s = singleShape(inputShape, this);
    if (this.outputMode === 'int') return s;
    return new CategoryEncoding({
      numTokens: this.numBins,
      outputMode: this.outputMode,
    }).computeOutputShape(s);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      numBins: this.numBins,
      maskValue: this.maskValue as ConfigValue,
      salt: this.salt ? [...this.salt] : null,
      outputMode: this.outputMode,
      sparse: false,
    };
  }
}
registerSerializable('layer', Hashing);
