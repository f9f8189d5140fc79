/**
 * Merge layers, as Keras 3's: the shared base `Merge` (a list of inputs, broadcast as Keras's
 * `_compute_elemwise_op_output_shape`), `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`,
 * `Minimum`, `Concatenate` and `Dot`, with the functional shortcuts `add([...])`,
 * `concatenate([...], axis)`… that build a layer and apply it.
 */
import { ShapeError, ValueError } from '../errors.js';
import { ones } from '../ops/creation.js';
import { concat } from '../ops/movement.js';
import { type Config, type ConfigValue, registerSerializable } from '../serialization.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, isShapeList } from './layer.js';
import { type SymbolicShape, type SymbolicTensor, fmtShapeNull } from './symbolic.js';

type Shapes = SymbolicShape | SymbolicShape[];

function fmtShapes(shapes: readonly SymbolicShape[]): string {
  return shapes.map(fmtShapeNull).join(', ');
}

/**
 * The base of the merge layers: takes a list of tensors, checks that their shapes broadcast
 * (non-batch axes aligned from the right, each pair equal, 1, or unknown; batch sizes equal)
 * and merges them with {@link Merge.mergeFunction}. Inputs of lower rank get axes of size 1
 * inserted after the batch axis first, as in Keras. Errors name the layer and every input
 * shape.
 *
 * Shape: `[[batch, ...s1], [batch, ...s2], …]` → `[batch, ...broadcast(s1, s2, …)]`.
 * @example
 * class Hypot extends Merge {
 *   static override readonly className = 'Hypot';
 *   protected mergeFunction(xs: Tensor[]) { return xs.reduce((s, x) => s.add(x.square()), zerosLike(xs[0]!)).sqrt(); }
 * }
 */
export abstract class Merge extends Layer {
  static override readonly className: string = 'Merge';
  /** Fewest inputs accepted. */
  protected readonly minInputs: number = 2;
  /** Most inputs accepted. */
  protected readonly maxInputs: number = Number.POSITIVE_INFINITY;

  constructor(args: LayerArgs = {}) {
    super(args);
    this.supportsMasking = true;
  }

  /** Merges inputs of equal rank (broadcastable shapes). */
  protected abstract mergeFunction(inputs: Tensor[]): Tensor;

  /** The list of input shapes, with a clear error for a single input or a wrong count. */
  protected shapeList(inputShape: Shapes): SymbolicShape[] {
    if (!isShapeList(inputShape)) {
      throw new ValueError(
        `${this.name} (${this.className}): expects a list of ${this.countText()} inputs, got a single input of shape ${fmtShapeNull(inputShape as SymbolicShape)}`,
      );
    }
    const shapes = inputShape as SymbolicShape[];
    if (shapes.length < this.minInputs || shapes.length > this.maxInputs) {
      throw new ValueError(
        `${this.name} (${this.className}): expects ${this.countText()} inputs, got ${shapes.length} (input shapes ${fmtShapes(shapes)})`,
      );
    }
    return shapes;
  }

  private countText(): string {
    if (this.minInputs === this.maxInputs) return `exactly ${this.minInputs}`;
    return `at least ${this.minInputs}`;
  }

  /** Throws a ShapeError naming this layer, the problem and every input shape. */
  protected fail(what: string, shapes: readonly SymbolicShape[]): never {
    throw new ShapeError(
      `${this.name} (${this.className}): ${what}; input shapes: ${fmtShapes(shapes)}`,
    );
  }

  /** The batch size the inputs agree on (null when unknown). */
  protected batchSize(shapes: readonly SymbolicShape[]): number | null {
    const sizes = new Set(
      shapes.map((s) => s[0]).filter((d): d is number => d !== null && d !== undefined),
    );
    if (sizes.size > 1) this.fail('cannot merge tensors with different batch sizes', shapes);
    return sizes.size === 1 ? [...sizes][0]! : null;
  }

  /** Keras's `_compute_elemwise_op_output_shape` on non-batch shapes. */
  private elemwiseShape(
    a: SymbolicShape,
    b: SymbolicShape,
    all: readonly SymbolicShape[],
  ): SymbolicShape {
    if (a.length < b.length) return this.elemwiseShape(b, a, all);
    if (b.length === 0) return a;
    const out: (number | null)[] = a.slice(0, a.length - b.length);
    a.slice(a.length - b.length).forEach((i, k) => {
      const j = b[k]!;
      if (i === null || j === null) out.push(null);
      else if (i === 1) out.push(j);
      else if (j === 1) out.push(i);
      else if (i !== j)
        this.fail(
          `inputs have incompatible shapes ${fmtShapeNull(a)} and ${fmtShapeNull(b)} (batch axis excluded)`,
          all,
        );
      else out.push(i);
    });
    return out;
  }

  override build(inputShape: Shapes): void {
    this.computeOutputShape(inputShape);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const shapes = this.shapeList(inputShape);
    const batch = this.batchSize(shapes);
    let out: SymbolicShape = shapes[0]!.slice(1);
    for (const s of shapes.slice(1)) out = this.elemwiseShape(out, s.slice(1), shapes);
    return [batch, ...out];
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const xs = this.inputList(inputs);
    this.computeOutputShape(xs.map((x) => x.shape));
    const rank = Math.max(...xs.map((x) => x.rank));
    const same = xs.map((x) => {
      if (x.rank === rank) return x;
      const shape = [...x.shape];
      shape.splice(1, 0, ...new Array<number>(rank - x.rank).fill(1));
      return x.reshape(shape);
    });
    return this.mergeFunction(same);
  }

  /** The input tensors as a list (a single tensor is refused naming its shape). */
  protected inputList(inputs: Tensor | Tensor[]): Tensor[] {
    if (!Array.isArray(inputs)) this.shapeList(inputs.shape);
    return inputs as Tensor[];
  }

  /** Keras's default: the OR of the input masks when every input has one, else none. */
  override computeMask(_inputs: Tensor | Tensor[], mask: CallOptions['mask']): Tensor | null {
    if (
      !Array.isArray(mask) ||
      mask.length === 0 ||
      mask.some((m) => m === null || m === undefined)
    )
      return null;
    const ms = mask as Tensor[];
    return ms.slice(1).reduce((acc, m) => acc.logicalOr(m), ms[0]!.cast('bool'));
  }
}

// ---------------------------------------------------------------------------------------------
// Elementwise merges

/**
 * Adds a list of inputs elementwise.
 *
 * Formula: `y = x₁ + x₂ + … + xₙ`.
 *
 * Shape: a list of broadcastable shapes `[batch, ...]` → their broadcast.
 * @example
 * new Add().apply([tensor([[1, 2]]), tensor([[10, 20]])]); // [[11, 22]]
 */
export class Add extends Merge {
  static override readonly className: string = 'Add';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((acc, x) => acc.add(x), xs[0]!);
  }
}
registerSerializable('layer', Add);

/**
 * Subtracts the second input from the first (exactly two inputs).
 *
 * Formula: `y = x₁ − x₂`.
 *
 * Shape: two broadcastable shapes `[batch, ...]` → their broadcast.
 * @example
 * new Subtract().apply([tensor([[5, 5]]), tensor([[1, 2]])]); // [[4, 3]]
 */
export class Subtract extends Merge {
  static override readonly className: string = 'Subtract';
  protected override readonly minInputs = 2;
  protected override readonly maxInputs = 2;
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs[0]!.sub(xs[1]!);
  }
}
registerSerializable('layer', Subtract);

/**
 * Multiplies a list of inputs elementwise.
 *
 * Formula: `y = x₁ · x₂ · … · xₙ`.
 *
 * Shape: a list of broadcastable shapes `[batch, ...]` → their broadcast.
 * @example
 * new Multiply().apply([tensor([[1, 2]]), tensor([[3, 4]])]); // [[3, 8]]
 */
export class Multiply extends Merge {
  static override readonly className: string = 'Multiply';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((acc, x) => acc.mul(x), xs[0]!);
  }
}
registerSerializable('layer', Multiply);

/**
 * Averages a list of inputs elementwise.
 *
 * Formula: `y = (x₁ + … + xₙ) / n`.
 *
 * Shape: a list of broadcastable shapes `[batch, ...]` → their broadcast.
 * @example
 * new Average().apply([tensor([[1, 2]]), tensor([[3, 6]])]); // [[2, 4]]
 */
export class Average extends Merge {
  static override readonly className: string = 'Average';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs
      .slice(1)
      .reduce((acc, x) => acc.add(x), xs[0]!)
      .div(xs.length);
  }
}
registerSerializable('layer', Average);

/**
 * Elementwise maximum of a list of inputs.
 *
 * Formula: `y = max(x₁, …, xₙ)`.
 *
 * Shape: a list of broadcastable shapes `[batch, ...]` → their broadcast.
 * @example
 * new Maximum().apply([tensor([[1, 5]]), tensor([[3, 2]])]); // [[3, 5]]
 */
export class Maximum extends Merge {
  static override readonly className: string = 'Maximum';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((acc, x) => acc.maximum(x), xs[0]!);
  }
}
registerSerializable('layer', Maximum);

/**
 * Elementwise minimum of a list of inputs.
 *
 * Formula: `y = min(x₁, …, xₙ)`.
 *
 * Shape: a list of broadcastable shapes `[batch, ...]` → their broadcast.
 * @example
 * new Minimum().apply([tensor([[1, 5]]), tensor([[3, 2]])]); // [[1, 2]]
 */
export class Minimum extends Merge {
  static override readonly className: string = 'Minimum';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((acc, x) => acc.minimum(x), xs[0]!);
  }
}
registerSerializable('layer', Minimum);

// ---------------------------------------------------------------------------------------------
// Concatenate

/** Options of {@link Concatenate}. */
export interface ConcatenateArgs extends LayerArgs {
  /** Axis to join along, counting the batch axis as 0 (default -1, the last). */
  axis?: number;
}

/**
 * Concatenates a list of inputs along an axis; all other axes must match.
 *
 * Formula: `y = [x₁ | x₂ | … | xₙ]` along `axis`.
 *
 * Shape: `[batch, ..., dᵢ, ...]` for each input → `[batch, ..., Σ dᵢ, ...]`.
 * @example
 * new Concatenate().apply([zeros([2, 3]), zeros([2, 4])]).shape; // [2, 7]
 */
export class Concatenate extends Merge {
  static override readonly className: string = 'Concatenate';
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis))
      throw new ValueError(
        `${this.name} (Concatenate): axis must be an integer, got ${String(axis)}`,
      );
    this.axis = axis;
  }

  /** The axis resolved against a rank, with a clear error when out of range. */
  private resolveAxis(rank: number, shapes: readonly SymbolicShape[]): number {
    if (this.axis < -rank || this.axis >= rank)
      this.fail(`axis ${this.axis} is out of range for inputs of rank ${rank}`, shapes);
    return this.axis < 0 ? this.axis + rank : this.axis;
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const shapes = this.shapeList(inputShape);
    const rank = shapes[0]!.length;
    if (shapes.some((s) => s.length !== rank)) this.fail('inputs must have the same rank', shapes);
    const ax = this.resolveAxis(rank, shapes);
    const out = [...shapes[0]!];
    for (let a = 0; a < rank; a++) {
      if (a === ax) continue;
      const known = new Set(shapes.map((s) => s[a]).filter((d) => d !== null));
      if (known.size > 1)
        this.fail(
          `shapes must match except on the concatenation axis ${this.axis} (they differ on axis ${a})`,
          shapes,
        );
      out[a] = known.size === 1 ? [...known][0]! : null;
    }
    out[ax] = shapes.some((s) => s[ax] === null)
      ? null
      : shapes.reduce((n, s) => n + (s[ax] as number), 0);
    return out;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const xs = this.inputList(inputs);
    this.computeOutputShape(xs.map((x) => x.shape));
    return this.mergeFunction(xs);
  }

  protected mergeFunction(xs: Tensor[]): Tensor {
    return concat(xs, this.axis);
  }

  /** Keras's: the input masks (all-true where absent) joined along `axis`, then any over the last axis. */
  override computeMask(inputs: Tensor | Tensor[], mask: CallOptions['mask']): Tensor | null {
    if (
      !Array.isArray(mask) ||
      !Array.isArray(inputs) ||
      mask.every((m) => m === null || m === undefined)
    )
      return null;
    const masks = inputs.map((x, i) => {
      const m = mask[i];
      if (m === null || m === undefined) return ones(x.shape, 'bool');
      if (m.rank < x.rank) return m.cast('bool').expandDims(-1).broadcastTo(x.shape);
      return m.cast('bool');
    });
    return concat(masks, this.axis).any(-1);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), axis: this.axis };
  }
}
registerSerializable('layer', Concatenate);

// ---------------------------------------------------------------------------------------------
// Dot

/** Options of {@link Dot}. */
export interface DotArgs extends LayerArgs {
  /**
   * Axis of both inputs, or `[axisOfFirst, axisOfSecond]`, to take the dot product over;
   * counted with the batch axis as 0 (negative counts from the end). Axis 0 is not allowed.
   */
  axes: number | readonly [number, number];
  /**
   * L2-normalise each sample along the dot axes first, so the result is the cosine
   * similarity (default false).
   */
  normalize?: boolean;
}

/**
 * Batched dot product of two inputs over the given axes (Keras's `batch_dot`).
 *
 * Formula: `y[b, i…, j…] = Σₖ x₁[b, i…, k, …] · x₂[b, j…, k, …]`, `k` running over
 * `axes[0]` of the first input and `axes[1]` of the second; with `normalize`, each input is
 * first scaled to unit L2 norm along its axis.
 *
 * Shape: `x₁` without its dot axis, then `x₂` without its batch and dot axes; a result of
 * rank 1 becomes `[batch, 1]`. E.g. `[b, 3, 5]`, `[b, 10, 3]` with `axes [1, 2]` → `[b, 5, 10]`.
 * @example
 * new Dot({ axes: 1 }).apply([tensor([[1, 2]]), tensor([[3, 4]])]); // [[11]]
 */
export class Dot extends Merge {
  static override readonly className: string = 'Dot';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { axes: 1 };
  protected override readonly minInputs = 2;
  protected override readonly maxInputs = 2;
  readonly axes: number | readonly [number, number];
  readonly normalize: boolean;

  constructor(args: DotArgs) {
    super(args);
    const axes = args?.axes;
    const ok =
      Number.isInteger(axes) ||
      (Array.isArray(axes) && axes.length === 2 && axes.every((a) => Number.isInteger(a)));
    if (!ok) {
      throw new ValueError(
        `${this.name} (Dot): axes must be an integer or a list of two integers, got ${JSON.stringify(axes)}`,
      );
    }
    this.axes = typeof axes === 'number' ? axes : [axes[0], axes[1]];
    this.normalize = args.normalize ?? false;
  }

  /** The two axes resolved against the two ranks. */
  private resolveAxes(shapes: readonly SymbolicShape[]): [number, number] {
    const raw = typeof this.axes === 'number' ? [this.axes, this.axes] : this.axes;
    const out = raw.map((a, i) => {
      const rank = shapes[i]!.length;
      if (a < -rank || a >= rank)
        this.fail(`axis ${a} is out of range for input ${i} of rank ${rank}`, shapes);
      const r = a < 0 ? a + rank : a;
      if (r === 0) this.fail('cannot take the dot product over the batch axis 0', shapes);
      return r;
    });
    return [out[0]!, out[1]!];
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const shapes = this.shapeList(inputShape);
    if (shapes.some((s) => s.length < 2)) this.fail('inputs must have rank >= 2', shapes);
    const batch = this.batchSize(shapes);
    const [a0, a1] = this.resolveAxes(shapes);
    const [s1, s2] = shapes as [SymbolicShape, SymbolicShape];
    const d1 = s1[a0]!;
    const d2 = s2[a1]!;
    if (d1 !== null && d2 !== null && d1 !== d2) {
      this.fail(
        `incompatible sizes ${d1} (axis ${a0} of input 0) and ${d2} (axis ${a1} of input 1)`,
        shapes,
      );
    }
    const out = [
      batch,
      ...s1.filter((_, i) => i !== 0 && i !== a0),
      ...s2.filter((_, i) => i !== 0 && i !== a1),
    ];
    return out.length === 1 ? [batch, 1] : out;
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const xs = this.inputList(inputs);
    this.computeOutputShape(xs.map((x) => x.shape));
    return this.mergeFunction(xs);
  }

  protected mergeFunction(xs: Tensor[]): Tensor {
    let [x, y] = xs as [Tensor, Tensor];
    const [a0, a1] = this.resolveAxes([x.shape, y.shape]);
    if (this.normalize) {
      x = l2Normalize(x, a0);
      y = l2Normalize(y, a1);
    }
    const b = x.shape[0]!;
    const k = x.shape[a0]!;
    const xRest = x.shape.filter((_, i) => i !== 0 && i !== a0);
    const yRest = y.shape.filter((_, i) => i !== 0 && i !== a1);
    const m = xRest.reduce((p, d) => p * d, 1);
    const n = yRest.reduce((p, d) => p * d, 1);
    // x → [b, m, k] with the dot axis last; y → [b, k, n] with the dot axis first.
    const xp = x
      .transpose([0, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a0), a0])
      .reshape([b, m, k]);
    const yp = y
      .transpose([0, a1, ...y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a1)])
      .reshape([b, k, n]);
    const out = [b, ...xRest, ...yRest];
    return xp.matmul(yp).reshape(out.length === 1 ? [b, 1] : out);
  }

  /** Keras's Dot gives no mask. */
  override computeMask(_inputs: Tensor | Tensor[], _mask: CallOptions['mask']): null {
    return null;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      axes: (typeof this.axes === 'number' ? this.axes : [...this.axes]) as ConfigValue,
      normalize: this.normalize,
    };
  }
}
registerSerializable('layer', Dot);

/** Keras's `ops.normalize(x, axis)` (order 2): `x · min(1/‖x‖, 1/ε)`, ε = 1e-7. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return x.mul(x.square().sum(axis, true).rsqrt().minimum(1e7));
}

// ---------------------------------------------------------------------------------------------
// Functional shortcuts

type MergeInputs = readonly SymbolicTensor[] | readonly TensorLike[];

function applyTo(layer: Layer, inputs: MergeInputs): SymbolicTensor | Tensor {
  if (!Array.isArray(inputs)) {
    throw new ValueError(
      `${layer.name} (${layer.className}): expects a list of inputs, got ${typeof inputs}`,
    );
  }
  return layer.apply(inputs as readonly TensorLike[]);
}

/**
 * Adds a list of inputs with a new {@link Add} layer.
 * @example const s = add([a, b]); // symbolic or concrete, as the inputs
 */
export function add(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function add(inputs: readonly TensorLike[], args?: LayerArgs): Tensor;
export function add(inputs: MergeInputs, args?: LayerArgs): SymbolicTensor | Tensor {
  return applyTo(new Add(args), inputs);
}

/**
 * Subtracts the second of two inputs from the first with a new {@link Subtract} layer.
 * @example const d = subtract([a, b]);
 */
export function subtract(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function subtract(inputs: readonly TensorLike[], args?: LayerArgs): Tensor;
export function subtract(inputs: MergeInputs, args?: LayerArgs): SymbolicTensor | Tensor {
  return applyTo(new Subtract(args), inputs);
}

/**
 * Multiplies a list of inputs with a new {@link Multiply} layer.
 * @example const p = multiply([a, b]);
 */
export function multiply(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function multiply(inputs: readonly TensorLike[], args?: LayerArgs): Tensor;
export function multiply(inputs: MergeInputs, args?: LayerArgs): SymbolicTensor | Tensor {
  return applyTo(new Multiply(args), inputs);
}

/**
 * Averages a list of inputs with a new {@link Average} layer.
 * @example const m = average([a, b, c]);
 */
export function average(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function average(inputs: readonly TensorLike[], args?: LayerArgs): Tensor;
export function average(inputs: MergeInputs, args?: LayerArgs): SymbolicTensor | Tensor {
  return applyTo(new Average(args), inputs);
}

/**
 * Elementwise maximum of a list of inputs with a new {@link Maximum} layer.
 * @example const m = maximum([a, b]);
 */
export function maximum(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function maximum(inputs: readonly TensorLike[], args?: LayerArgs): Tensor;
export function maximum(inputs: MergeInputs, args?: LayerArgs): SymbolicTensor | Tensor {
  return applyTo(new Maximum(args), inputs);
}

/**
 * Elementwise minimum of a list of inputs with a new {@link Minimum} layer.
 * @example const m = minimum([a, b]);
 */
export function minimum(inputs: readonly SymbolicTensor[], args?: LayerArgs): SymbolicTensor;
export function minimum(inputs: readonly TensorLike[], args?: LayerArgs): Tensor;
export function minimum(inputs: MergeInputs, args?: LayerArgs): SymbolicTensor | Tensor {
  return applyTo(new Minimum(args), inputs);
}

/**
 * Concatenates a list of inputs along `axis` (default -1) with a new {@link Concatenate} layer.
 * @example const c = concatenate([a, b], 1);
 */
export function concatenate(
  inputs: readonly SymbolicTensor[],
  axis?: number,
  args?: LayerArgs,
): SymbolicTensor;
export function concatenate(inputs: readonly TensorLike[], axis?: number, args?: LayerArgs): Tensor;
export function concatenate(
  inputs: MergeInputs,
  axis = -1,
  args: LayerArgs = {},
): SymbolicTensor | Tensor {
  return applyTo(new Concatenate({ ...args, axis }), inputs);
}

/**
 * Batched dot product of two inputs over `axes` with a new {@link Dot} layer.
 * @example const s = dot([a, b], 1, true); // cosine similarity of the rows
 */
export function dot(
  inputs: readonly SymbolicTensor[],
  axes: DotArgs['axes'],
  normalize?: boolean,
  args?: LayerArgs,
): SymbolicTensor;
export function dot(
  inputs: readonly TensorLike[],
  axes: DotArgs['axes'],
  normalize?: boolean,
  args?: LayerArgs,
): Tensor;
export function dot(
  inputs: MergeInputs,
  axes: DotArgs['axes'],
  normalize = false,
  args: LayerArgs = {},
): SymbolicTensor | Tensor {
  return applyTo(new Dot({ ...args, axes, normalize }), inputs);
}
