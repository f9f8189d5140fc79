/**
 * `Model`: a layer that is also trainable as a whole. Built from a graph
 * (`model({inputs, outputs})`), by subclassing (override `call`), or as `Sequential`. The
 * training methods delegate to the one trainer in `trainer.ts`.
 */
import { ValueError } from '../errors.js';
import { InputLayer } from '../layers/input_layer.js';
import { type CallOptions, Layer, type LayerArgs, type LayerVariable } from '../layers/layer.js';
import { type Node, type SymbolicShape, SymbolicTensor } from '../layers/symbolic.js';
import { type Config, type ConfigValue, registerSerializable } from '../serialization.js';
import type { Tensor } from '../tensor/tensor.js';
import { FunctionalGraph } from './functional.js';
import { functionalFromConfig } from './model_config.js';
import { modelFileOps } from './model_files.js';
import { modelSummary } from './summary.js';
import * as trainer from './trainer.js';

/** Options of {@link Model}. */
export interface ModelArgs extends LayerArgs {
  /** Symbolic input(s) from `input()`. */
  inputs?: SymbolicTensor | readonly SymbolicTensor[];
  /** Symbolic output(s), computed from the inputs by layers. */
  outputs?: SymbolicTensor | readonly SymbolicTensor[];
}

/** What `compile` set up on a model, as {@link Model.compileInfo} shows it. */
export interface CompileInfo {
  readonly optimizer: trainer.CompiledState['optimizer'];
  /** One per output. */
  readonly losses: readonly trainer.CompiledState['losses'][number][];
  /** One per output. */
  readonly lossWeights: readonly number[];
  /** Per output, the metrics as `compile` was given them. */
  readonly metricSpecs: readonly (readonly trainer.CompiledState['metricSpecs'][number][number][])[];
  /** Per output, the metric objects (empty until the first batch resolved them). */
  readonly metrics: readonly (readonly NonNullable<
    trainer.CompiledState['metrics']
  >[number][number][])[];
}

/** What a `trainStep` computed: the loss and, for the metrics, the model's predictions. */
export interface TrainStepOutput {
  loss: Tensor;
  /** One per output, in training mode (as Keras's metrics see them). */
  predictions?: Tensor[];
}

/**
 * A model: layers wired into a graph, trainable with `compile` / `fit`.
 *
 * Shape: whatever its graph maps inputs to.
 * @example
 * const x = input({ shape: [4] });
 * const y = new Dense({ units: 1 }).apply(new Dense({ units: 8, activation: 'relu' }).apply(x));
 * const m = model({ inputs: x, outputs: y });
 * m.compile({ optimizer: 'adam', loss: 'mse' });
 * await m.fit(xs, ys, { epochs: 5 });
 */
export class Model extends Layer {
  static override readonly className: string = 'Model';
  /** Set by callbacks (EarlyStopping, TerminateOnNaN) to end `fit` after the current batch. */
  stopTraining = false;
  /** @internal What `compile` set up; null before. */
  compiled: trainer.CompiledState | null = null;
  private graphCache: FunctionalGraph | null = null;
  private graphPending = false;
  private multiIn = false;
  private multiOut = false;

  constructor(args: ModelArgs = {}) {
    super(args);
    if (args.inputs !== undefined || args.outputs !== undefined) {
      if (args.inputs === undefined || args.outputs === undefined) {
        throw new ValueError(`${this.name}: a functional model needs both inputs and outputs`);
      }
      this.setGraph(args.inputs, args.outputs);
    }
  }

  /**
   * @internal The graph between the symbolic inputs and outputs, or null. A subclass that grows
   * its graph one layer at a time (Sequential) marks it stale with {@link invalidateGraph} and
   * the graph is ordered once, on first use, instead of after every layer (which made building
   * an N-layer model O(N²)).
   */
  protected get graph(): FunctionalGraph | null {
    if (this.graphPending) {
      this.graphPending = false;
      this.graphCache = this.buildPendingGraph();
    }
    return this.graphCache;
  }
  protected set graph(g: FunctionalGraph | null) {
    this.graphCache = g;
    this.graphPending = false;
  }

  /** @internal Drops the ordered graph; {@link buildPendingGraph} makes it on next use. */
  protected invalidateGraph(): void {
    this.graphCache = null;
    this.graphPending = true;
  }

  /** @internal The graph to use after {@link invalidateGraph}; subclasses that call it override this. */
  protected buildPendingGraph(): FunctionalGraph | null {
    return null;
  }

  /** @internal Wires the model to a graph between symbolic inputs and outputs. */
  protected setGraph(
    inputs: SymbolicTensor | readonly SymbolicTensor[],
    outputs: SymbolicTensor | readonly SymbolicTensor[],
  ): void {
    this.multiIn = Array.isArray(inputs);
    this.multiOut = Array.isArray(outputs);
    const ins = this.multiIn ? (inputs as SymbolicTensor[]) : [inputs as SymbolicTensor];
    const outs = this.multiOut ? (outputs as SymbolicTensor[]) : [outputs as SymbolicTensor];
    this.graph = new FunctionalGraph(ins, outs, this.name);
    for (const l of this.graph.layers) this.trackLayer(l);
    this.inputSpec = ins.map((t) => ({
      ndim: t.shape.length,
      axes: Object.fromEntries(t.shape.flatMap((d, i) => (d === null || i === 0 ? [] : [[i, d]]))),
    }));
    if (!this.multiIn) this.inputSpec = this.inputSpec[0]!;
    this.built = true;
  }

  /** 'Functional' for graph models, as Keras names them in configs. */
  override get className(): string {
    const own = (this.constructor as typeof Model).className;
    return own === 'Model' && this.graph ? 'Functional' : own;
  }

  /** The model's layers (input layers included for functional models, as Keras). */
  get layers(): Layer[] {
    return this.graph ? [...this.graph.layers] : [...this.trackedLayers];
  }

  /**
   * All weights in Keras 3's order: the model's own variables, then each tracked layer's
   * `weights` in turn (so a BatchNormalization's moving statistics stay beside its gamma and
   * beta rather than after every trainable weight), each variable once. `getWeights`,
   * `setWeights` and Keras's `model.weights` / `get_weights()` agree on it.
   * @example model.weights.map((w) => w.name) // ['dense/kernel', 'dense/bias', 'bn/gamma', …]
   */
  override get weights(): LayerVariable[] {
    const seen = new Set<LayerVariable>();
    const out: LayerVariable[] = [];
    const push = (ws: readonly LayerVariable[]) => {
      for (const w of ws) {
        if (seen.has(w)) continue;
        seen.add(w);
        out.push(w);
      }
    };
    push(this.ownVariables);
    for (const l of this.trackedLayers) push(l.weights);
    return out;
  }

  /** A layer by name or by index in {@link layers}. */
  getLayer(nameOrIndex: string | number): Layer {
    const ls = this.layers;
    const l =
      typeof nameOrIndex === 'number' ? ls[nameOrIndex] : ls.find((x) => x.name === nameOrIndex);
    if (!l)
      throw new ValueError(
        `${this.name}: no layer ${JSON.stringify(nameOrIndex)}; layers: ${ls.map((x) => x.name).join(', ')}`,
      );
    return l;
  }

  /** Symbolic inputs (graph models). */
  get inputs(): SymbolicTensor[] {
    return this.graph ? [...this.graph.inputs] : [];
  }

  /** Symbolic outputs (graph models). */
  get outputs(): SymbolicTensor[] {
    return this.graph ? [...this.graph.outputs] : [];
  }

  /** Names of the outputs: the layers that produce them (used to key losses and metrics). */
  get outputNames(): string[] {
    return this.outputs.map((t) => t.layer.name);
  }

  /** @internal The graph's layer applications, in execution order. */
  get graphNodes(): readonly Node[] {
    return this.graph ? this.graph.nodes : [];
  }

  /** Names of the inputs. */
  get inputNames(): string[] {
    return this.inputs.map((t) => t.layer.name);
  }

  /** The optimizer set by `compile` (null before). */
  get optimizer(): trainer.CompiledState['optimizer'] | null {
    return this.compiled?.optimizer ?? null;
  }

  /**
   * What `compile` set up, read-only (null before `compile`): the optimizer, one loss and
   * loss weight per output, the metrics as given and, once the first batch resolved them, the
   * metric objects. Callbacks and savers read this, never the trainer's internal state.
   * @example model.compileInfo?.losses[0].name // 'mean_squared_error'
   */
  get compileInfo(): CompileInfo | null {
    const st = this.compiled;
    if (!st) return null;
    return {
      optimizer: st.optimizer,
      losses: st.losses,
      lossWeights: st.lossWeights,
      metricSpecs: st.metricSpecs,
      metrics: st.metrics ?? [],
    };
  }

  /** @internal Whether the model takes several inputs / gives several outputs. */
  get isMultiInput(): boolean {
    return this.multiIn;
  }
  get isMultiOutput(): boolean {
    return this.multiOut;
  }

  /**
   * @internal The graph's text prefix run on the host (see `FunctionalGraph.hostPrefix`);
   * a model without a graph has none.
   */
  hostPrefix(
    xs: readonly Tensor[],
  ): { boundary: SymbolicTensor[]; values: Tensor[] } | { reason: string } {
    return this.graph?.hostPrefix(xs) ?? { reason: 'a subclassed model has no graph to split' };
  }

  /** A graph with a string input takes text (its text layers turn it into numbers). */
  protected override get acceptsStrings(): boolean {
    return this.graph?.inputs.some((t) => t.dtype === 'string') ?? false;
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor | Tensor[] {
    if (!this.graph) {
      throw new ValueError(`${this.name}: a subclassed Model must override call()`);
    }
    const outs = this.graph.run(Array.isArray(inputs) ? inputs : [inputs], opts);
    return this.multiOut ? outs : outs[0]!;
  }

  override computeOutputShape(
    inputShape: SymbolicShape | SymbolicShape[],
  ): SymbolicShape | SymbolicShape[] {
    if (!this.graph) return super.computeOutputShape(inputShape);
    const shapes = this.graph.outputShapes;
    return this.multiOut ? shapes : shapes[0]!;
  }

  /** Prints Keras's summary table (layer, output shape, parameters, totals). */
  summary(printFn: (line: string) => void = console.log): void {
    for (const line of modelSummary(this).split('\n')) printFn(line);
  }

  /** Configures training: optimizer, loss(es), metrics and loss weights. */
  compile(args: trainer.CompileArgs): void {
    trainer.compile(this, args);
  }

  /**
   * Trains for a number of epochs on tensors (`fit(x, y, args)`) or on a dataset of
   * `[x, y]` / `[x, y, sampleWeight]` batches (`fit(dataset, args)`); resolves to the History.
   */
  fit(x: trainer.DataInput, y: trainer.DataInput, args?: trainer.FitArgs): Promise<trainer.History>;
  fit(x: trainer.BatchSource, args?: trainer.FitArgs): Promise<trainer.History>;
  fit(
    x: trainer.DataInput | trainer.BatchSource,
    y?: trainer.DataInput | trainer.FitArgs,
    args: trainer.FitArgs = {},
  ): Promise<trainer.History> {
    return trainer.fit(this, x, y, args);
  }

  /**
   * Loss and metrics on data, in test mode: `{loss, ...metrics}` — at once for tensors, as a
   * promise for a dataset of `[x, y]` batches (`evaluate(dataset, args)`).
   */
  evaluate(
    x: trainer.DataInput,
    y: trainer.DataInput,
    args?: trainer.EvaluateArgs,
  ): Record<string, number>;
  evaluate(x: trainer.BatchSource, args?: trainer.EvaluateArgs): Promise<Record<string, number>>;
  evaluate(
    x: trainer.DataInput | trainer.BatchSource,
    y?: trainer.DataInput | trainer.EvaluateArgs,
    args: trainer.EvaluateArgs = {},
  ): Record<string, number> | Promise<Record<string, number>> {
    return trainer.evaluate(this, x as never, y as never, args);
  }

  /**
   * Outputs for inputs, computed in batches (a tensor, or one per output) — at once for
   * tensors, as a promise for a dataset.
   */
  predict(x: trainer.DataInput, args?: trainer.PredictArgs): Tensor | Tensor[];
  predict(x: trainer.BatchSource, args?: trainer.PredictArgs): Promise<Tensor | Tensor[]>;
  predict(
    x: trainer.DataInput | trainer.BatchSource,
    args: trainer.PredictArgs = {},
  ): Tensor | Tensor[] | Promise<Tensor | Tensor[]> {
    return trainer.predict(this, x as never, args);
  }

  /**
   * One gradient step on one batch; returns the logs. Non-finite data throws unless
   * `options.allowNonFinite`.
   */
  trainOnBatch(
    x: trainer.DataInput,
    y: trainer.DataInput,
    sampleWeight?: Tensor,
    options?: trainer.DataCheckOptions,
  ): Record<string, number> {
    return trainer.trainOnBatch(this, x, y, sampleWeight, options);
  }

  /** Loss and metrics on one batch, no update (same data checks as trainOnBatch). */
  testOnBatch(
    x: trainer.DataInput,
    y: trainer.DataInput,
    sampleWeight?: Tensor,
    options?: trainer.DataCheckOptions,
  ): Record<string, number> {
    return trainer.testOnBatch(this, x, y, sampleWeight, options);
  }

  /** Outputs for one batch. */
  predictOnBatch(x: trainer.DataInput): Tensor | Tensor[] {
    return trainer.predictOnBatch(this, x);
  }

  /**
   * Saves the model (Node.js): `*.keras` (Keras 3 format) or a directory / `model.json`
   * (TF.js layers format). Written atomically. In browsers use `modelToKerasBytes`.
   * @example await model.save('out/model.keras');
   */
  async save(path: string, opts: { includeOptimizer?: boolean } = {}): Promise<void> {
    await modelFileOps('save').saveModel(this, path, opts);
  }

  /** Saves the weights (Node.js): `*.weights.h5` in Keras's layout, else Tessera's format. */
  async saveWeights(path: string): Promise<void> {
    await modelFileOps('saveWeights').saveWeights(this, path);
  }

  /** Loads weights saved by `saveWeights` or by Keras, by order or by name. */
  async loadWeights(
    path: string,
    opts: { byName?: boolean; skipMismatch?: boolean } = {},
  ): Promise<unknown> {
    return modelFileOps('loadWeights').loadWeights(this, path, opts);
  }

  /**
   * One training step on a batch: forward in training mode, loss, gradients, optimizer update.
   * Override to customise training (as Keras's `train_step`). Return `{ loss, predictions }`
   * (one prediction per output) so the compiled metrics use them; a bare loss tensor works
   * too, but then `fit` runs a second, inference-mode forward pass for the metrics (it says so
   * once at verbose ≥ 1).
   */
  trainStep(x: Tensor[], y: Tensor[], sampleWeight: Tensor | null): Tensor | TrainStepOutput {
    return trainer.defaultTrainStep(this, x, y, sampleWeight);
  }

  override getConfig(): Config {
    if (!this.graph) return super.getConfig();
    const g = this.graph;
    // Node indices count only a layer's applications inside this graph, in creation order, so
    // replaying them in that order recreates the same indices.
    const inGraph = new Set(g.nodes);
    const kept = (l: Layer) =>
      l instanceof InputLayer
        ? l.inboundNodes.slice(0, 1)
        : l.inboundNodes.filter((n) => inGraph.has(n));
    const ref = (t: SymbolicTensor): ConfigValue => [
      t.layer.name,
      kept(t.layer).indexOf(t.node),
      t.index,
    ];
    const layers = g.layers.map((l) => {
      const own = l instanceof InputLayer ? [] : kept(l);
      const nodes = own.map((n) => n.inputs.map(ref));
      // A call's options (training, useCausalMask…) are replayed with its node.
      const callArgs = own.map((n) => callArgsConfig(n.callArgs));
      return {
        className: l.className,
        name: l.name,
        config: l.getConfig(),
        inboundNodes: nodes as ConfigValue,
        ...(callArgs.some((a) => a !== null) ? { callArgs: callArgs as ConfigValue } : {}),
      };
    });
    return {
      name: this.name,
      trainable: this.trainable,
      layers,
      inputLayers: g.inputs.map(ref),
      outputLayers: g.outputs.map(ref),
      multiInput: this.multiIn,
      multiOutput: this.multiOut,
    };
  }

  static override fromConfig<T extends Layer>(this: new (args: never) => T, config: Config): T {
    return functionalFromConfig(this as never, config) as unknown as T;
  }
}

/** A node's call options as config: its plain values (flags), or null when there are none. */
function callArgsConfig(args: Readonly<Record<string, unknown>>): Config | null {
  const out: Config = {};
  for (const [k, v] of Object.entries(args))
    if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') out[k] = v;
  return Object.keys(out).length ? out : null;
}

// Callbacks see `this.model` as a Model without importing this folder (see CallbackModelTypes).
// A distinct name: inside the augmentation, `Model` would be the callbacks module's own alias.
type ModelOfCallbacks = Model;
declare module '../callbacks/callback.js' {
  interface CallbackModelTypes {
    model: ModelOfCallbacks;
  }
}

/**
 * Creates a functional model from symbolic inputs and outputs.
 * @example const m = model({ inputs: [a, b], outputs: [out1, out2] });
 */
export function model(args: ModelArgs): Model {
  // `new Model()` without a graph is a subclassing base; the factory promises a graph.
  if (args?.inputs === undefined || args?.outputs === undefined) {
    throw new ValueError(
      `model${args?.name ? ` '${args.name}'` : ''}: a functional model needs both inputs and outputs, got ${args?.inputs === undefined ? 'no inputs' : 'inputs'} and ${args?.outputs === undefined ? 'no outputs' : 'outputs'}`,
    );
  }
  return new Model(args);
}

export { SymbolicTensor };

registerSerializable('layer', Model);
registerSerializable('layer', Model, 'Functional');
