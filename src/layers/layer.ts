/**
 * `Layer`, the base of every layer and of `Model`: unique names, lazy `build(inputShape)` on
 * first call, `addWeight`, weight lists, `apply` on tensors or symbolic tensors, shape
 * inference, input checks that name the layers involved, and the config contract.
 */
import { noGrad } from '../autograd/tape.js';
import { Variable } from '../autograd/variable.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { type InitializerIdentifier, getInitializer } from '../initializers.js';
import { zeros } from '../ops/creation.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer } from '../regularizers.js';
import type { Config, ConfigValue, Serializable } from '../serialization.js';
import type { DType } from '../tensor/dtype.js';
import {
  type NestedStrings,
  StringTensor,
  isStringValues,
  stringTensor,
} from '../tensor/string_tensor.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { chargeWeight, checkDeclaredShapes } from './allocation_budget.js';
import {
  Node,
  type SymbolicDType,
  type SymbolicShape,
  SymbolicTensor,
  fmtShapeNull,
} from './symbolic.js';

/** Options every layer takes. */
export interface LayerArgs {
  /** Unique name; default: the snake_case class name with a counter (`dense`, `dense_1`). */
  name?: string;
  /** Whether the layer's weights are updated by training (default true). */
  trainable?: boolean;
  /** Dtype of weights and computation (default float32). */
  dtype?: DType;
  /** Shape of one sample, without the batch axis; lets Sequential build before data flows. */
  inputShape?: readonly (number | null)[];
  /** Full input shape including the batch axis (`null` for any batch size). */
  batchInputShape?: readonly (number | null)[];
  /** Fixed batch size, used with `inputShape`. */
  batchSize?: number;
}

/** Options passed through a call. */
export interface CallOptions {
  /** Training mode: Dropout and BatchNormalization behave differently. Default false. */
  training?: boolean;
  /** A mask for the input (from Masking or Embedding with maskZero). */
  mask?: Tensor | null | (Tensor | null)[];
}

/** What a layer requires of its input; checked before build and on every later call. */
export interface InputSpec {
  ndim?: number;
  minNdim?: number;
  maxNdim?: number;
  /** Required sizes of given axes (negative counts from the end). */
  axes?: Record<number, number>;
}

/** Options of {@link Layer.addWeight}. */
export interface AddWeightArgs {
  name: string;
  shape: readonly number[];
  initializer?: InitializerIdentifier;
  regularizer?: RegularizerIdentifier | null;
  constraint?: ConstraintIdentifier | null;
  trainable?: boolean;
  dtype?: DType;
}

/** A layer weight: a variable that knows its layer, regularizer and constraint. */
export class LayerVariable extends Variable {
  constructor(
    initial: Tensor,
    /** The weight's own name within its layer (`kernel`). */
    readonly weightName: string,
    /** `layer/weight`, e.g. `dense/kernel`. */
    path: string,
    /** Whether the weight itself is trainable, whatever its layer's switch says. */
    readonly declaredTrainable: boolean,
    layerTrainable: boolean,
    readonly regularizer: Regularizer | null,
    readonly constraint: import('../constraints.js').Constraint | null,
  ) {
    super(initial, { name: path, trainable: declaredTrainable && layerTrainable });
  }
}

/** Keras's snake_case of a class name: `Conv2D` → `conv2d`, `SimpleRNN` → `simple_rnn`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

const nameCounts = new Map<string, number>();

/** A unique name from a prefix: `dense`, then `dense_1`, `dense_2`… */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Resets automatic layer names (Keras's `clear_session`). */
export function clearSession(): void {
  nameCounts.clear();
}

type Shapes = SymbolicShape | SymbolicShape[];

/**
 * The base of every layer. Subclasses implement `call` and, for weights, `build`; they should
 * implement `computeOutputShape` so models infer shapes without running kernels.
 *
 * @example
 * class Scale extends Layer {
 *   static override readonly className = 'Scale';
 *   private w!: LayerVariable;
 *   override build(s: SymbolicShape) { this.w = this.addWeight({ name: 'w', shape: [s.at(-1)!], initializer: 'ones' }); }
 *   override call(x: Tensor | Tensor[]) { return single(x, this).mul(this.w); }
 *   override computeOutputShape(s: SymbolicShape | SymbolicShape[]) { return s; }
 * }
 */
export abstract class Layer implements Serializable {
  /** Class name used in configs; each subclass sets its own so minification cannot change it. */
  static readonly className: string = 'Layer';
  /**
   * Constructor options that make a minimal instance, for layers with required options
   * (`{ units: 1 }` for Dense): the config reader builds one to learn the class's config keys.
   * Declared beside the className, so a new layer is registered in one place.
   */
  static readonly probeConfig: Config = {};

  readonly name: string;
  readonly dtype: DType;
  built = false;
  /** Whether this layer passes a mask through unchanged when it has no `computeMask`. */
  supportsMasking = false;
  inputSpec: InputSpec | InputSpec[] | null = null;
  /** The input shape given at construction (batch axis included), if any. */
  readonly batchInputShape: SymbolicShape | null;
  /** The input shape the layer was built for, once built through a call. */
  builtInputShape: Shapes | null = null;
  /** Every application of this layer to symbolic inputs. */
  readonly inboundNodes: Node[] = [];

  private trainable_: boolean;
  private readonly ownWeights: LayerVariable[] = [];
  private readonly sublayers: Layer[] = [];
  private readonly sublayerSet = new Set<Layer>();
  private callLosses: Tensor[] = [];

  constructor(args: LayerArgs = {}) {
    const cls = this.constructor as typeof Layer;
    this.name = args.name ?? uniqueName(toSnakeCase(cls.className));
    this.trainable_ = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    else this.batchInputShape = null;
  }

  /** The class name from the static `className`. */
  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /** Whether training updates this layer's weights; setting it applies to sublayers too. */
  get trainable(): boolean {
    return this.trainable_;
  }
  set trainable(v: boolean) {
    this.trainable_ = v;
    for (const w of this.ownWeights) w.trainable = v && w.declaredTrainable;
    for (const l of this.sublayers) l.trainable = v;
  }

  /** Creates the weights from the input shape; called once, before the first call. */
  build(_inputShape: Shapes): void {
    this.built = true;
  }

  /** The forward computation on concrete tensors. */
  abstract call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor | Tensor[];

  /**
   * Output shape(s) for input shape(s), without running kernels. The default runs `call` on
   * zeros with a batch of 1, which works for any layer but costs a forward pass.
   */
  computeOutputShape(inputShape: Shapes): Shapes {
    const multi = isShapeList(inputShape);
    const shapes = multi ? (inputShape as SymbolicShape[]) : [inputShape as SymbolicShape];
    // This path allocates its inputs: bounded while a model is loaded from a file.
    checkDeclaredShapes(this.name, shapes, 'input');
    const out = noGrad(() => {
      const xs = shapes.map((s) => zeros(s.map((d) => (d === null ? 1 : d))));
      return this.call(multi ? xs : xs[0]!, { training: false });
    });
    // Only the batch axis is known to be free; other axes come out as computed.
    const batchNull = shapes[0]![0] === null;
    const toSym = (t: Tensor): SymbolicShape =>
      t.shape.map((d, j) => (j === 0 && batchNull ? null : d));
    return Array.isArray(out) ? out.map(toSym) : toSym(out);
  }

  /** The output mask; by default passes the input mask through when `supportsMasking`. */
  computeMask(
    _inputs: Tensor | Tensor[],
    mask: CallOptions['mask'],
  ): Tensor | null | (Tensor | null)[] {
    if (!this.supportsMasking) return null;
    return mask ?? null;
  }

  /**
   * Creates a weight, initialised now, tracked by the layer.
   * @example this.kernel = this.addWeight({ name: 'kernel', shape: [inDim, units], initializer: 'glorotUniform' });
   */
  addWeight(args: AddWeightArgs): LayerVariable {
    const dtype = args.dtype ?? this.dtype;
    for (const d of args.shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new ShapeError(
          `${this.name}: weight '${args.name}' has invalid shape ${fmtShape(args.shape)}`,
        );
      }
    }
    // While a file is loaded, its weights bound what a config may declare: checked before the
    // initializer allocates.
    chargeWeight(this.name, args.name, args.shape);
    const init = getInitializer(args.initializer ?? 'glorotUniform');
    const value = noGrad(() => {
      const t = init.call(args.shape, dtype);
      return t.dtype === dtype ? t : t.cast(dtype);
    });
    const reg = args.regularizer ? getRegularizer(args.regularizer) : null;
    const con = args.constraint ? getConstraint(args.constraint) : null;
    const v = new LayerVariable(
      value,
      args.name,
      `${this.name}/${args.name}`,
      args.trainable ?? true,
      this.trainable_,
      reg,
      con,
    );
    this.ownWeights.push(v);
    return v;
  }

  /** Tracks a sublayer so that its weights count as this layer's. Returns it. */
  protected trackLayer<L extends Layer>(layer: L): L {
    // A set beside the ordered list: a model of N layers tracks them in O(N), not O(N²).
    if (!this.sublayerSet.has(layer)) {
      this.sublayerSet.add(layer);
      this.sublayers.push(layer);
    }
    return layer;
  }

  /** Stops tracking a sublayer (Sequential.pop, which removes the last one). */
  protected untrackLayer(layer: Layer): void {
    if (!this.sublayerSet.delete(layer)) return;
    this.sublayers.splice(this.sublayers.lastIndexOf(layer), 1);
  }

  /**
   * This layer's own weights (not its sublayers'), trainable first: what Keras stores under
   * `<layer path>/vars/0, 1, …` in `.weights.h5` files.
   */
  get ownVariables(): LayerVariable[] {
    return [
      ...this.ownWeights.filter((w) => w.trainable),
      ...this.ownWeights.filter((w) => !w.trainable),
    ];
  }

  /**
   * Sublayers that own weights, keyed by the attribute name Keras saves them under (`cell` for
   * an RNN's cell, `forward_layer` for Bidirectional…). Layers with such sublayers override it.
   */
  savedChildren(): Record<string, Layer> {
    return {};
  }

  /**
   * Files this layer keeps in a `.keras` archive under `assets/<its path>/` (Keras's
   * `save_assets`): file names to bytes, or null for none (most layers).
   * @example lookup.saveAssets() // { 'vocabulary.txt': Uint8Array }
   */
  saveAssets(): Record<string, Uint8Array> | null {
    return null;
  }

  /**
   * Restores what {@link saveAssets} kept, from the files under `assets/<its path>/` of a
   * `.keras` archive (Keras's `load_assets`). Called on every layer after its weights are
   * loaded, with an empty map when the archive holds nothing for it; `where` names the folder.
   * @example lookup.loadAssets(new Map([['vocabulary.txt', bytes]]), 'assets/layers/string_lookup')
   */
  loadAssets(_files: ReadonlyMap<string, Uint8Array>, _where: string): void {}

  /** Sublayers tracked with `trackLayer`. */
  protected get trackedLayers(): readonly Layer[] {
    return this.sublayers;
  }

  private allWeights(): LayerVariable[] {
    const seen = new Set<LayerVariable>();
    const out: LayerVariable[] = [];
    const visit = (l: Layer) => {
      for (const w of l.ownWeights) {
        if (seen.has(w)) continue;
        seen.add(w);
        out.push(w);
      }
      for (const s of l.sublayers) visit(s);
    };
    visit(this);
    return out;
  }

  /** Weights that training updates. */
  get trainableWeights(): LayerVariable[] {
    if (!this.trainable_) return [];
    return this.allWeights().filter((w) => w.trainable);
  }

  /** Weights that training does not update (moving statistics, frozen layers). */
  get nonTrainableWeights(): LayerVariable[] {
    const t = new Set(this.trainableWeights);
    return this.allWeights().filter((w) => !t.has(w));
  }

  /** All weights: trainable first, then non-trainable (Keras's order). */
  get weights(): LayerVariable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  /** Current values of {@link weights}, as tensors. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.value());
  }

  /** Replaces the values of {@link weights}; counts and shapes must match. */
  setWeights(values: readonly TensorLike[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new ValueError(
        `${this.name}: setWeights expected ${ws.length} arrays (${ws.map((w) => w.name).join(', ')}), got ${values.length}`,
      );
    }
    ws.forEach((w, i) => {
      const v = convertToTensor(values[i]!, `${this.name}.setWeights`, w.name, w.dtype);
      if (v.shape.join() !== w.shape.join()) {
        throw new ShapeError(
          `${this.name}: weight '${w.name}' has shape ${fmtShape(w.shape)}, got ${fmtShape(v.shape)}`,
        );
      }
      w.assign(v);
    });
  }

  /** Number of scalars in all weights. */
  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Adds a loss term (e.g. an activity regularizer) during the current call. */
  addLoss(loss: Tensor): void {
    this.callLosses.push(loss);
  }

  /**
   * Adds an activity regularizer's penalty on an output, divided by the batch size as Keras 3
   * does (so its strength does not depend on the batch size; an empty batch adds 0).
   * @example this.addActivityLoss(getRegularizer(reg), y);
   */
  protected addActivityLoss(reg: { call(x: Tensor): Tensor }, output: Tensor): void {
    const loss = reg.call(output);
    const n = output.rank > 0 ? output.shape[0]! : 1;
    this.addLoss(n === 0 ? loss.mul(0) : n === 1 ? loss : loss.div(n));
  }

  /**
   * Loss terms to add to the training objective: weight regularizer penalties plus losses added
   * in the last call, for this layer and its sublayers.
   */
  get losses(): Tensor[] {
    const out: Tensor[] = [];
    const visit = (l: Layer, seen: Set<Layer>) => {
      if (seen.has(l)) return;
      seen.add(l);
      out.push(...l.callLosses);
      for (const s of l.sublayers) visit(s, seen);
    };
    visit(this, new Set());
    for (const w of this.allWeights())
      if (w.regularizer && w.trainable) out.push(w.regularizer.call(w));
    return out;
  }

  /** Forgets losses added by earlier calls (the trainer calls this before each step). */
  clearCallLosses(): void {
    this.callLosses = [];
    for (const s of this.sublayers) s.clearCallLosses();
  }

  /** Applies weight constraints after an optimizer step. */
  applyConstraints(): void {
    noGrad(() => {
      for (const w of this.allWeights()) if (w.constraint) w.assign(w.constraint.call(w));
    });
  }

  /**
   * Calls the layer. On symbolic tensors it builds the graph (checking shapes, naming both
   * layers on a mismatch) and returns a symbolic tensor; on tensors it computes. A layer with
   * several outputs must be called through {@link applyMulti}.
   *
   * @example
   * const y = new Dense({ units: 3 }).apply(tensor([[1, 2]]));
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[], opts?: CallOptions): SymbolicTensor;
  apply(
    inputs: TensorLike | readonly TensorLike[] | StringTensor | NestedStrings,
    opts?: CallOptions,
  ): Tensor;
  apply(inputs: unknown, opts: CallOptions = {}): SymbolicTensor | Tensor {
    const out = this.applyAny(inputs, opts);
    if (Array.isArray(out)) {
      if (out.length === 1) return out[0]!;
      throw new ValueError(
        `${this.name}: returns ${out.length} outputs; call it with applyMulti()`,
      );
    }
    return out as SymbolicTensor | Tensor;
  }

  /** Like {@link apply}, always returning an array of outputs. */
  applyMulti(
    inputs: SymbolicTensor | readonly SymbolicTensor[],
    opts?: CallOptions,
  ): SymbolicTensor[];
  applyMulti(inputs: TensorLike | readonly TensorLike[], opts?: CallOptions): Tensor[];
  applyMulti(inputs: unknown, opts: CallOptions = {}): (SymbolicTensor | Tensor)[] {
    const out = this.applyAny(inputs, opts);
    return Array.isArray(out) ? out : [out as SymbolicTensor | Tensor];
  }

  private applyAny(inputs: unknown, opts: CallOptions): unknown {
    // Nested arrays of strings are one text input, not a list of inputs.
    const text = this.acceptsStrings && isStringValues(inputs);
    const list = Array.isArray(inputs) && !text ? (inputs as unknown[]) : [inputs];
    const multi = Array.isArray(inputs) && !text;
    if (list.length > 0 && list.every((x) => x instanceof SymbolicTensor)) {
      return this.applySymbolic(list as SymbolicTensor[], multi, opts);
    }
    if (list.some((x) => x instanceof SymbolicTensor)) {
      throw new ValueError(
        `${this.name}: cannot mix symbolic tensors and concrete tensors in one call`,
      );
    }
    const ts = list.map((x, i) => {
      // Strings go only to layers made for them (lookup, vectorization, hashing).
      if (x instanceof StringTensor || (this.acceptsStrings && isStringValues(x))) {
        if (!this.acceptsStrings)
          throw new DTypeError(
            `${this.name}: inputs[${i}] is a string tensor; this layer takes numbers (turn text into numbers first, e.g. with TextVectorization or StringLookup)`,
          );
        return (x instanceof StringTensor
          ? x
          : stringTensor(x as NestedStrings)) as unknown as Tensor;
      }
      return convertToTensor(x as TensorLike, this.name, `inputs[${i}]`);
    });
    const shapes = ts.map((t) => t.shape);
    this.checkInputs(
      shapes,
      ts.map(() => null),
    );
    this.maybeBuild(multi ? shapes : shapes[0]!);
    return this.call(multi ? ts : ts[0]!, opts);
  }

  private applySymbolic(
    inputs: SymbolicTensor[],
    multi: boolean,
    opts: CallOptions,
  ): SymbolicTensor | SymbolicTensor[] {
    // A text input reaches only layers made for strings; said here, when the graph is built.
    if (!this.acceptsStrings) {
      const i = inputs.findIndex((t) => t.dtype === 'string');
      if (i >= 0)
        throw new DTypeError(
          `${this.name}: inputs[${i}] ('${inputs[i]!.name}') is a string tensor; this layer takes numbers (turn text into numbers first, e.g. with TextVectorization or StringLookup)`,
        );
    }
    const shapes = inputs.map((t) => t.shape);
    this.checkInputs(
      shapes,
      inputs.map((t) => t.layer.name),
    );
    this.maybeBuild(multi ? shapes : shapes[0]!);
    const out = this.symbolicOutputShape(multi ? shapes : shapes[0]!, opts);
    const outShapes = isShapeList(out) ? (out as SymbolicShape[]) : [out as SymbolicShape];
    checkDeclaredShapes(this.name, outShapes, 'output');
    // The call's options other than masks (training, a layer's own flags such as
    // useCausalMask) are replayed with the node; masks flow along the graph.
    const callArgs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(opts)) if (k !== 'mask' && v !== undefined) callArgs[k] = v;
    const node = new Node(this, inputs, callArgs);
    node.outputs = outShapes.map(
      (s, i) =>
        new SymbolicTensor(
          s,
          this.outputDType(inputs),
          node,
          i,
          outShapes.length > 1 ? `${this.name}/${i}` : this.name,
        ),
    );
    this.inboundNodes.push(node);
    return isShapeList(out) ? node.outputs : node.outputs[0]!;
  }

  /**
   * The output shape(s) of a symbolic call: {@link computeOutputShape}, unless the call's
   * options change the outputs (MultiHeadAttention's `returnAttentionScores`).
   */
  protected symbolicOutputShape(inputShape: Shapes, _opts: CallOptions): Shapes {
    return this.computeOutputShape(inputShape);
  }

  /** Whether the layer takes string tensors (text layers override it). */
  protected get acceptsStrings(): boolean {
    return false;
  }

  /** Dtype of symbolic outputs; layers that change dtype override it. */
  protected outputDType(_inputs: readonly SymbolicTensor[]): SymbolicDType {
    return this.dtype;
  }

  private maybeBuild(shape: Shapes): void {
    if (this.built) return;
    this.build(shape);
    this.built = true;
    this.builtInputShape = shape;
  }

  /** Checks input shapes against `inputSpec`; `sources` name the producing layers. */
  private checkInputs(shapes: readonly SymbolicShape[], sources: readonly (string | null)[]): void {
    if (!this.inputSpec) return;
    const specs = Array.isArray(this.inputSpec) ? this.inputSpec : [this.inputSpec];
    if (Array.isArray(this.inputSpec) && specs.length !== shapes.length) {
      throw new ValueError(`${this.name}: expects ${specs.length} inputs, got ${shapes.length}`);
    }
    shapes.forEach((shape, i) => {
      const spec = specs[Math.min(i, specs.length - 1)]!;
      const from = sources[i] ? ` from layer '${sources[i]}'` : '';
      const built = this.builtInputShape;
      const builtFor = built
        ? ` (built for input shape ${isShapeList(built) ? (built as SymbolicShape[]).map(fmtShapeNull).join(', ') : fmtShapeNull(built as SymbolicShape)})`
        : '';
      const fail = (what: string) => {
        throw new ShapeError(
          `${this.name} (${this.className}): ${what}${builtFor}, got input shape ${fmtShapeNull(shape)}${from}`,
        );
      };
      if (spec.ndim !== undefined && shape.length !== spec.ndim) fail(`expected rank ${spec.ndim}`);
      if (spec.minNdim !== undefined && shape.length < spec.minNdim)
        fail(`expected rank >= ${spec.minNdim}`);
      if (spec.maxNdim !== undefined && shape.length > spec.maxNdim)
        fail(`expected rank <= ${spec.maxNdim}`);
      for (const [k, size] of Object.entries(spec.axes ?? {})) {
        const ax = Number(k) < 0 ? shape.length + Number(k) : Number(k);
        const d = shape[ax];
        if (d !== null && d !== undefined && d !== size) fail(`expected axis ${k} of size ${size}`);
      }
    });
  }

  /** The layer's config: plain JSON from which `fromConfig` rebuilds an equal, unbuilt layer. */
  getConfig(): Config {
    const c: Config = { name: this.name, trainable: this.trainable_, dtype: this.dtype };
    if (this.batchInputShape) c.batchInputShape = [...this.batchInputShape] as ConfigValue;
    return c;
  }

  /** Rebuilds a layer from its config. */
  static fromConfig<T extends Layer>(this: new (args: never) => T, config: Config): T {
    return new this(config as never);
  }

  toString(): string {
    return `${this.className}(name=${this.name})`;
  }
}

/** True when a shape argument is a list of shapes rather than one shape. */
export function isShapeList(s: unknown): boolean {
  return Array.isArray(s) && s.length > 0 && s.every((x) => Array.isArray(x));
}

/** The one tensor of a single-input layer; a clear error when given several. */
export function single(inputs: Tensor | Tensor[], layer: Layer): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length === 1) return inputs[0]!;
    throw new ValueError(
      `${layer.name} (${layer.className}): expects one input, got ${inputs.length}`,
    );
  }
  return inputs;
}

/** The one shape of a single-input layer. */
export function singleShape(shape: SymbolicShape | SymbolicShape[], layer: Layer): SymbolicShape {
  if (isShapeList(shape)) {
    const list = shape as SymbolicShape[];
    if (list.length === 1) return list[0]!;
    throw new ValueError(
      `${layer.name} (${layer.className}): expects one input, got ${list.length}`,
    );
  }
  return shape as SymbolicShape;
}

export { Tensor };
