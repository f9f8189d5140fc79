/**
 * `HashedCrossing`, Keras's feature-crossing layer: two or more categorical features (strings or
 * integers) are crossed into one by hashing each tuple of values into `numBins` bins, exactly as
 * TensorFlow's `tf.sparse.cross_hashed` (which Keras calls) does, so that the same tuples land
 * in the same bins as in Keras.
 */
import { ShapeError, ValueError } from '../../errors.js';
import { tensor } from '../../ops/creation.js';
import { fingerprint64 } from '../../ops/farmhash.js';
import { type Config, registerSerializable } from '../../serialization.js';
import { StringTensor, stringTensor } from '../../tensor/string_tensor.js';
import { Tensor, convertToTensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, isShapeList } from '../layer.js';
import { type SymbolicDType, type SymbolicShape, fmtShapeNull } from '../symbolic.js';

/** Options of {@link HashedCrossing}, Keras's names. */
export interface HashedCrossingArgs extends LayerArgs {
  /** Number of bins of the crossed feature (Keras's `num_bins`); a positive integer. */
  numBins: number;
  /** `'int'` (default: the bin ids) or `'one_hot'` (one row of `numBins` per crossed value). */
  outputMode?: 'int' | 'one_hot';
  /** Sparse outputs are not supported (default false). */
  sparse?: boolean;
}

const MASK64 = (1n << 64n) - 1n;
const K_MUL = 0xc6a4a7935bd1e995n;
/** TensorFlow's default `hash_key` of `cross_hashed`. */
const HASH_KEY = 0xdecafcaffen;

const shiftMix = (v: bigint) => v ^ (v >> 47n);

/**
 * TensorFlow's `FingerprintCat64(fp1, fp2)`: a 64-bit fingerprint of two fingerprints, in
 * order (not commutative).
 * @example fingerprintCat64(0xdecafcaffen, fingerprint64('A'))
 */
export function fingerprintCat64(fp1: bigint, fp2: bigint): bigint {
  let r = fp1 ^ K_MUL;
  r ^= (shiftMix((fp2 * K_MUL) & MASK64) * K_MUL) & MASK64;
  r = (r * K_MUL) & MASK64;
  r = (shiftMix(r) * K_MUL) & MASK64;
  return shiftMix(r);
}

/** One feature's values: 64-bit hashes of strings, or integers as their int64 bits. */
interface Feature {
  shape: readonly number[];
  keys: bigint[];
}

/**
 * Crosses categorical features by hashing: each position's tuple of values (one per input) goes
 * to one of `numBins` bins.
 *
 * Formula: `h = 0xDECAFCAFFE`, then for each input `i` in order `h = FingerprintCat64(h, f_i)`
 * with `f_i = Fingerprint64(x_i)` for a string and the integer itself (as uint64) for an
 * integer; `bin = h mod numBins`.
 *
 * Shape: two or more inputs of one shape, `[]`, `[batch]` or `[batch, 1]` → `'int'`: that shape
 * (int32); `'one_hot'`: `[numBins]`, `[batch, numBins]` (float32).
 * @example
 * const cross = new HashedCrossing({ numBins: 5 });
 * cross.apply([stringTensor(['A', 'B', 'A', 'B', 'A']), tensor([101, 101, 101, 102, 102], undefined, 'int32')]);
 * // [1, 4, 1, 1, 3]
 */
export class HashedCrossing extends Layer {
  static override readonly className = 'HashedCrossing';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { numBins: 2 };
  readonly numBins: number;
  readonly outputMode: 'int' | 'one_hot';

  constructor(args: HashedCrossingArgs) {
    super(args);
    const who = `${this.name} (HashedCrossing)`;
    if (!args || !Number.isInteger(args.numBins) || args.numBins < 1)
      throw new ValueError(`${who}: numBins must be a positive integer, got ${args?.numBins}`);
    this.numBins = args.numBins;
    this.outputMode = args.outputMode ?? 'int';
    if (this.outputMode !== 'int' && this.outputMode !== 'one_hot')
      throw new ValueError(
        `${who}: outputMode must be 'int' or 'one_hot', got ${JSON.stringify(this.outputMode)}`,
      );
    if (args.sparse) throw new ValueError(`${who}: sparse outputs are not supported`);
    this.built = true;
  }

  protected override outputDType(): SymbolicDType {
    return this.outputMode === 'int' ? 'int32' : 'float32';
  }

  protected override get acceptsStrings(): boolean {
    return true;
  }

  private feature(x: unknown, i: number): Feature {
    const who = `${this.name} (HashedCrossing)`;
    if (
      x instanceof StringTensor ||
      typeof x === 'string' ||
      (Array.isArray(x) && typeof x.flat(Number.POSITIVE_INFINITY)[0] === 'string')
    ) {
      const t = x instanceof StringTensor ? x : stringTensor(x as string[]);
      return { shape: t.shape, keys: t.values.map((s) => fingerprint64(s)) };
    }
    const t =
      x instanceof Tensor ? x : convertToTensor(x as never, this.name, `inputs[${i}]`, 'int32');
    if (t.dtype !== 'int32')
      throw new ValueError(
        `${who}: inputs must be integers or strings, got inputs[${i}] of dtype ${t.dtype}`,
      );
    return { shape: t.shape, keys: Array.from(t.dataSync(), (v) => BigInt.asUintN(64, BigInt(v))) };
  }

  /** Checks Keras's input rules: a list of >= 2 inputs of one shape `[]`, `[b]` or `[b, 1]`. */
  private checkShapes(shapes: readonly SymbolicShape[]): void {
    const who = `${this.name} (HashedCrossing)`;
    if (shapes.length < 2)
      throw new ValueError(`${who}: expects a list of at least two inputs, got ${shapes.length}`);
    const first = shapes[0]!;
    if (first.length > 2 || (first.length === 2 && first[1] !== 1))
      throw new ShapeError(
        `${who}: every input must have shape [], [batch] or [batch, 1], got ${fmtShapeNull(first)}`,
      );
    const same = (a: SymbolicShape) =>
      a.length === first.length && a.every((d, j) => d === first[j]);
    const bad = shapes.findIndex((s) => !same(s));
    if (bad >= 0)
      throw new ShapeError(
        `${who}: all inputs must have the same shape, got ${fmtShapeNull(first)} and ${fmtShapeNull(shapes[bad]!)} (inputs[${bad}])`,
      );
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    if (!Array.isArray(inputs))
      throw new ValueError(
        `${this.name} (HashedCrossing): expects a list of inputs (one per feature), got one tensor`,
      );
    const feats = inputs.map((x, i) => this.feature(x, i));
    this.checkShapes(feats.map((f) => f.shape));
    const shape = feats[0]!.shape;
    const n = feats[0]!.keys.length;
    const bins = BigInt(this.numBins);
    const ids = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      let h = HASH_KEY;
      for (const f of feats) h = fingerprintCat64(h, f.keys[j]!);
      ids[j] = Number(h % bins);
    }
    if (this.outputMode === 'int') return tensor(ids, shape, 'int32');
    const hot = new Float32Array(n * this.numBins);
    ids.forEach((b, j) => {
      hot[j * this.numBins + b] = 1;
    });
    return tensor(hot, this.oneHotShape(shape) as number[], 'float32');
  }

  private oneHotShape(s: SymbolicShape): SymbolicShape {
    return s.length === 2 ? [s[0]!, this.numBins] : [...s, this.numBins];
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    if (!isShapeList(inputShape))
      throw new ValueError(
        `${this.name} (HashedCrossing): expects a list of inputs (one per feature), got one shape ${fmtShapeNull(inputShape as SymbolicShape)}`,
      );
    const shapes = inputShape as SymbolicShape[];
    this.checkShapes(shapes);
    return this.outputMode === 'int' ? [...shapes[0]!] : this.oneHotShape(shapes[0]!);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      numBins: this.numBins,
      outputMode: this.outputMode,
      sparse: false,
    };
  }
}
registerSerializable('layer', HashedCrossing);
