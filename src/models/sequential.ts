/**
 * `Sequential`: a plain stack of single-input, single-output layers. It is a Model whose graph
 * is built by applying each added layer to the previous output, as soon as the input shape is
 * known (from an `input()`, an `InputLayer`, or the first layer's `inputShape`), otherwise on
 * the first call with data.
 */
import { ValueError } from '../errors.js';
import { InputLayer } from '../layers/input_layer.js';
import type { CallOptions, Layer } from '../layers/layer.js';
import { type SymbolicShape, SymbolicTensor } from '../layers/symbolic.js';
import { type Config, deserialize, registerSerializable, serialize } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { ensureBuiltins } from './builtins.js';
import { FunctionalGraph } from './functional.js';
import { Model, type ModelArgs } from './model.js';

/** Options of {@link Sequential}. */
export interface SequentialArgs extends Omit<ModelArgs, 'inputs' | 'outputs'> {
  /** Layers to add in order. */
  layers?: readonly (Layer | SymbolicTensor)[];
}

/**
 * A linear stack of layers.
 *
 * Shape: the first layer's input to the last layer's output.
 * @example
 * const m = new Sequential();
 * m.add(new Dense({ units: 32, activation: 'relu', inputShape: [784] }));
 * m.add(new Dense({ units: 10, activation: 'softmax' }));
 */
export class Sequential extends Model {
  static override readonly className: string = 'Sequential';
  private stack: Layer[] = [];
  /**
   * The symbolic output of each layer of `stack`, in order, once the input is known. Each add
   * applies only the new layer to the last output, so building N layers costs O(N) and every
   * layer keeps one node (rebuilding the whole chain per add was O(N²) in time and nodes).
   */
  private chain: SymbolicTensor[] = [];
  private inputLayer: InputLayer | null = null;

  /** Takes its options, or (as Keras's `Sequential([...])`) just the layers. */
  constructor(args: SequentialArgs | readonly (Layer | SymbolicTensor)[] = {}) {
    const { layers, ...rest }: SequentialArgs = Array.isArray(args)
      ? { layers: args as readonly (Layer | SymbolicTensor)[] }
      : (args as SequentialArgs);
    super(rest);
    for (const l of layers ?? []) this.add(l);
  }

  /** The layers in order (the input layer excluded, as Keras). */
  override get layers(): Layer[] {
    return [...this.stack];
  }

  /**
   * Appends a layer (or an `input()` to fix the input shape). When the input shape is known
   * the layer is built now, so a shape mismatch is reported here, naming both layers; a layer
   * that fails to connect is not added.
   */
  add(layer: Layer | SymbolicTensor): void {
    if (layer instanceof SymbolicTensor) {
      if (!(layer.layer instanceof InputLayer))
        throw new ValueError(
          `${this.name}.add: only an input() tensor can be added, got one from '${layer.layer.name}'`,
        );
      layer = layer.layer;
    }
    if (layer instanceof InputLayer) {
      if (this.inputLayer || this.stack.length)
        throw new ValueError(`${this.name}.add: an input can only come first`);
      this.inputLayer = layer;
      return;
    }
    let implicitInput = false;
    if (!this.inputLayer && this.stack.length === 0 && layer.batchInputShape) {
      this.inputLayer = new InputLayer({ batchShape: layer.batchInputShape, dtype: layer.dtype });
      implicitInput = true;
    }
    if (this.inputLayer) {
      try {
        this.connect(layer);
      } catch (e) {
        if (implicitInput) this.inputLayer = null;
        throw e;
      }
    }
    this.stack.push(layer);
    this.trackLayer(layer);
    this.graphChanged();
  }

  /** Removes the last layer. */
  pop(): Layer {
    const l = this.stack.pop();
    if (!l) throw new ValueError(`${this.name}.pop: there are no layers`);
    this.untrackLayer(l);
    if (this.chain.length > this.stack.length) {
      // Forget the popped layer's application here, so it can be used elsewhere afresh.
      const out = this.chain.pop()!;
      const i = l.inboundNodes.lastIndexOf(out.node);
      if (i >= 0) l.inboundNodes.splice(i, 1);
    }
    this.graphChanged();
    return l;
  }

  /** Applies `layer` to the last symbolic output and records its output. */
  private connect(layer: Layer): void {
    const prev = this.chain.length ? this.chain[this.chain.length - 1]! : this.inputLayer!.output;
    const out = layer.applyMulti(prev);
    if (out.length !== 1) {
      layer.inboundNodes.pop();
      throw new ValueError(
        `${this.name}: layer '${layer.name}' has ${out.length} outputs; Sequential needs one`,
      );
    }
    this.chain.push(out[0]!);
  }

  /** Connects the layers added before the input was known; all or nothing. */
  private connectAll(input: InputLayer): void {
    this.inputLayer = input;
    try {
      for (const l of this.stack) this.connect(l);
    } catch (e) {
      this.inputLayer = null;
      this.chain = [];
      throw e;
    }
    this.graphChanged();
  }

  /** Marks the graph stale (ordered lazily on first use) or absent. */
  private graphChanged(): void {
    if (!this.inputLayer || this.stack.length === 0 || this.chain.length !== this.stack.length) {
      this.graph = null;
      return;
    }
    const shape = this.inputLayer.output.shape;
    this.inputSpec = {
      ndim: shape.length,
      axes: Object.fromEntries(shape.flatMap((d, i) => (d === null || i === 0 ? [] : [[i, d]]))),
    };
    this.built = true;
    this.invalidateGraph();
  }

  protected override buildPendingGraph(): FunctionalGraph | null {
    if (!this.inputLayer || this.chain.length === 0) return null;
    return new FunctionalGraph(
      [this.inputLayer.output],
      [this.chain[this.chain.length - 1]!],
      this.name,
    );
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor | Tensor[] {
    if (this.stack.length === 0) throw new ValueError(`${this.name}: the model has no layers`);
    if (!this.graph) {
      // Deferred build: the first data fixes the input shape (batch left free).
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      this.connectAll(new InputLayer({ batchShape: [null, ...x.shape.slice(1)], dtype: x.dtype }));
    }
    return super.call(inputs, opts);
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    if (!this.graph) {
      const s = inputShape as SymbolicShape;
      this.connectAll(new InputLayer({ batchShape: [null, ...s.slice(1)] }));
    }
    return super.computeOutputShape(inputShape);
  }

  override getConfig(): Config {
    const layers = this.stack.map((l) => serialize(l));
    const all = this.inputLayer ? [serialize(this.inputLayer), ...layers] : layers;
    return { name: this.name, trainable: this.trainable, layers: all as unknown as Config[] };
  }

  static override fromConfig<T extends Layer>(this: new (args: never) => T, config: Config): T {
    const c = config as { name?: string; layers?: { className: string; config: Config }[] };
    if (!Array.isArray(c.layers))
      throw new ValueError('Sequential.fromConfig: config needs a layers array');
    ensureBuiltins('layer');
    const m = new Sequential({ name: c.name });
    for (const s of c.layers) m.add(deserialize<Layer>('layer', s));
    return m as unknown as T;
  }
}

registerSerializable('layer', Sequential);
