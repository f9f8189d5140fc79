/**
 * Wrappers around layers, as Keras 3's: `Bidirectional` (an RNN run both ways, outputs merged)
 * and `TimeDistributed` (a layer applied to every timestep).
 */
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { arange } from '../../ops/creation.js';
import { concat, gather } from '../../ops/movement.js';
import {
  type Config,
  type ConfigValue,
  type SerializedObject,
  deserialize,
  registerSerializable,
  serialize,
} from '../../serialization.js';
import type { Tensor, TensorLike } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerArgs, isShapeList, single } from '../layer.js';
import { type SymbolicShape, type SymbolicTensor, fmtShapeNull } from '../symbolic.js';
import { RNN, type RNNCallOptions } from './rnn.js';
import { firstMask, foldInitialState } from './rnn_util.js';

type Shapes = SymbolicShape | SymbolicShape[];

/** A layer from an instance or its `{className, config}`. */
function toLayer(owner: string, l: Layer | SerializedObject, what: string): Layer {
  if (l instanceof Layer) return l;
  if (l && typeof l === 'object' && typeof (l as SerializedObject).className === 'string') {
    return deserialize<Layer>('layer', l as SerializedObject);
  }
  throw new ValueError(`${owner}: ${what} must be a Layer instance, got ${String(l)}`);
}

/** Builds a sublayer for a shape (as `apply` would), once. */
function buildSub(layer: Layer, shape: Shapes): void {
  if (layer.built) return;
  layer.build(shape);
  layer.built = true;
  layer.builtInputShape = shape;
}

/**
 * What a wrapper takes from the wrapped layer when not given: its dtype, and (Bidirectional,
 * same input) its input shape, so that a Sequential starting with the wrapper builds at once.
 */
function inheritedArgs(l: Layer | SerializedObject, args: LayerArgs, shape: boolean): LayerArgs {
  if (!(l instanceof Layer)) return {};
  const out: LayerArgs = { dtype: l.dtype };
  if (shape && l.batchInputShape && !args.inputShape && !args.batchInputShape) {
    out.batchInputShape = l.batchInputShape;
  }
  return out;
}

/** Python's `str.removeprefix`. */
function removePrefix(s: string, prefix: string): string {
  return s.startsWith(prefix) ? s.slice(prefix.length) : s;
}

// ---------------------------------------------------------------------------------------------
// Bidirectional

/** How `Bidirectional` combines the forward and backward outputs. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

/** Options of {@link Bidirectional}. */
export interface BidirectionalArgs extends LayerArgs {
  /**
   * How to combine the two outputs (default `'concat'` along the last axis); `null` returns
   * both, as a list `[forward, backward]` (call with `applyMulti`).
   */
  mergeMode?: MergeMode;
  /**
   * The layer for the backward direction (default: a copy of `layer`'s config with
   * `goBackwards` flipped). Must agree with `layer` on `stateful`, `returnSequences` and
   * `returnState`, and differ in `goBackwards`.
   */
  backwardLayer?: Layer | SerializedObject | null;
}

/** What Bidirectional needs of the wrapped layer (an RNN or a layer with the same flags). */
interface RecurrentLike extends Layer {
  goBackwards: boolean;
  returnSequences: boolean;
  returnState: boolean;
  stateful: boolean;
  zeroOutputForMask?: boolean;
  resetStates?: () => void;
}

const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];

/**
 * Runs a recurrent layer forwards and a copy backwards over the same sequence and merges the
 * outputs (Keras's `Bidirectional`). Both directions are rebuilt from `layer`'s config (names
 * `forward_<name>` and `backward_<name>`), so they have fresh weights, forward's first. With
 * `returnSequences` the backward output is reversed back in time before merging, and masked
 * steps output zeros in both directions (Keras forces `zeroOutputForMask`). Initial states,
 * as extra inputs or `initialState`, are split in half: forward's first, then backward's.
 *
 * Formula: `y = merge(forward(x), reverse_t(backward(x)))`, merge ∈ {concat, sum, mul, ave}.
 *
 * Shape: `[batch, time, features]` → the wrapped layer's output with the last axis doubled
 * (`concat`) or unchanged; with `returnState` the list `[output, ...forwardStates,
 * ...backwardStates]`.
 * @example
 * const bi = new Bidirectional(new LSTM({ units: 8, returnSequences: true }));
 * bi.apply(zeros([2, 5, 3])).shape; // [2, 5, 16]
 */
export class Bidirectional extends Layer {
  static override readonly className = 'Bidirectional';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = {
    layer: { className: 'LSTM', config: { units: 1, name: '__probe_lstm' } },
  };
  readonly forwardLayer: RecurrentLike;
  readonly backwardLayer: RecurrentLike;
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly stateful: boolean;

  constructor(layer: Layer | SerializedObject, args: BidirectionalArgs = {}) {
    super({ ...inheritedArgs(layer, args, true), ...args });
    const who = `${this.name} (Bidirectional)`;
    const base = toLayer(who, layer, 'layer') as RecurrentLike;
    const mode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (!MERGE_MODES.includes(mode)) {
      throw new ValueError(
        `${who}: invalid mergeMode ${JSON.stringify(mode)}; expected one of 'concat', 'sum', 'mul', 'ave', null`,
      );
    }
    for (const a of ['goBackwards', 'returnSequences', 'returnState', 'stateful'] as const) {
      if (typeof base[a] !== 'boolean') {
        throw new ValueError(
          `${who}: the wrapped layer must be recurrent (an RNN, LSTM, GRU…), got ${base.className} without '${a}'`,
        );
      }
    }
    // Rebuilt from the config, so that the wrapped instance's state and weights are not shared.
    const fwd = serialize(base);
    fwd.config = { ...fwd.config, name: `forward_${removePrefix(base.name, 'forward_')}` };
    this.forwardLayer = deserialize<Layer>('layer', fwd) as RecurrentLike;
    if (args.backwardLayer) {
      this.backwardLayer = toLayer(who, args.backwardLayer, 'backwardLayer') as RecurrentLike;
    } else {
      const bwd = serialize(base);
      bwd.config = {
        ...bwd.config,
        goBackwards: !base.goBackwards,
        name: `backward_${removePrefix(base.name, 'backward_')}`,
      };
      this.backwardLayer = deserialize<Layer>('layer', bwd) as RecurrentLike;
    }
    const f = this.forwardLayer;
    const b = this.backwardLayer;
    if (f.goBackwards === b.goBackwards) {
      throw new ValueError(
        `${who}: the forward and backward layers must have different goBackwards values, got ${f.goBackwards} for both`,
      );
    }
    for (const a of ['stateful', 'returnSequences', 'returnState'] as const) {
      if (f[a] !== b[a]) {
        throw new ValueError(
          `${who}: the forward and backward layers must have the same '${a}', got ${f[a]} (forward) and ${b[a]} (backward)`,
        );
      }
    }
    // As Keras: masked steps output zeros when returning sequences, in both directions.
    for (const l of [f, b])
      if (typeof l.zeroOutputForMask === 'boolean') l.zeroOutputForMask = l.returnSequences;
    this.trackLayer(f);
    this.trackLayer(b);
    this.mergeMode = mode;
    this.returnSequences = f.returnSequences;
    this.returnState = f.returnState;
    this.stateful = f.stateful;
    this.supportsMasking = true;
  }

  /** Keras saves the two directions under these attribute names. */
  override savedChildren(): Record<string, Layer> {
    return {
      forward_layer: this.forwardLayer as unknown as Layer,
      backward_layer: this.backwardLayer as unknown as Layer,
    };
  }

  override build(inputShape: Shapes): void {
    const seq = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    buildSub(this.forwardLayer, seq);
    buildSub(this.backwardLayer, seq);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const seq = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    let out = this.forwardLayer.computeOutputShape(seq);
    let states: SymbolicShape[] = [];
    if (this.returnState) {
      const list = out as SymbolicShape[];
      out = list[0]!;
      states = list.slice(1);
    }
    const y = out as SymbolicShape;
    let outs: SymbolicShape[];
    if (this.mergeMode === 'concat') {
      const last = y[y.length - 1];
      outs = [[...y.slice(0, -1), last === null || last === undefined ? null : last * 2]];
    } else if (this.mergeMode === null) outs = [y, y];
    else outs = [y];
    const all = [...outs, ...states, ...states];
    return all.length === 1 ? all[0]! : all;
  }

  override computeMask(
    _inputs: Tensor | Tensor[],
    mask: CallOptions['mask'],
  ): Tensor | null | (Tensor | null)[] {
    const m = firstMask(mask);
    const outMask = this.returnSequences ? m : null;
    const outs = this.mergeMode === null ? [outMask, outMask] : [outMask];
    if (!this.returnState) return outs.length === 1 ? outs[0]! : outs;
    return [...outs, ...new Array<null>(2 * this.stateCount()).fill(null)];
  }

  /** Number of states of one direction. */
  private stateCount(): number {
    const f = this.forwardLayer;
    if (f instanceof RNN) return f.cell.stateSize.length;
    const s = f.builtInputShape;
    if (!s) return 0;
    const out = f.computeOutputShape(s);
    return isShapeList(out) ? (out as SymbolicShape[]).length - 1 : 0;
  }

  override apply(
    inputs: SymbolicTensor | readonly SymbolicTensor[],
    opts?: RNNCallOptions,
  ): SymbolicTensor;
  override apply(inputs: TensorLike | readonly TensorLike[], opts?: RNNCallOptions): Tensor;
  override apply(inputs: unknown, opts: RNNCallOptions = {}): SymbolicTensor | Tensor {
    const [ins, rest] = foldInitialState(this, inputs, opts);
    return super.apply(ins as TensorLike, rest);
  }

  override applyMulti(
    inputs: SymbolicTensor | readonly SymbolicTensor[],
    opts?: RNNCallOptions,
  ): SymbolicTensor[];
  override applyMulti(inputs: TensorLike | readonly TensorLike[], opts?: RNNCallOptions): Tensor[];
  override applyMulti(inputs: unknown, opts: RNNCallOptions = {}): (SymbolicTensor | Tensor)[] {
    const [ins, rest] = foldInitialState(this, inputs, opts);
    return super.applyMulti(ins as TensorLike, rest);
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0]!;
    const init = list.slice(1);
    if (init.length % 2 !== 0) {
      throw new ValueError(
        `${this.name} (Bidirectional): initial states are split in half between the directions; got an odd number (${init.length})`,
      );
    }
    const half = init.length / 2;
    const sub: CallOptions = { training: opts.training, mask: firstMask(opts.mask) };
    const run = (l: Layer, states: Tensor[]) =>
      l.applyMulti(states.length ? [x, ...states] : x, sub);
    const y = run(this.forwardLayer, init.slice(0, half));
    const yr = run(this.backwardLayer, init.slice(half));
    const states = this.returnState ? [...y.slice(1), ...yr.slice(1)] : [];
    const yf = y[0]!;
    let yb = yr[0]!;
    if (this.returnSequences) {
      // The backward layer returns its sequence in processing order: turn it back in time.
      yb = gather(yb, arange(yb.shape[1]! - 1, -1, -1, 'int32'), 1);
    }
    if (yb.dtype !== yf.dtype) yb = yb.cast(yf.dtype);
    let outs: Tensor[];
    switch (this.mergeMode) {
      case 'concat':
        outs = [concat([yf, yb], -1)];
        break;
      case 'sum':
        outs = [yf.add(yb)];
        break;
      case 'ave':
        outs = [yf.add(yb).div(2)];
        break;
      case 'mul':
        outs = [yf.mul(yb)];
        break;
      default:
        outs = [yf, yb];
    }
    const all = [...outs, ...states];
    return all.length === 1 ? all[0]! : all;
  }

  /** Resets the states of both directions (stateful layers only). */
  resetStates(): void {
    if (!this.stateful)
      throw new ValueError(`${this.name} (Bidirectional): the layer must be stateful`);
    this.forwardLayer.resetStates?.();
    this.backwardLayer.resetStates?.();
  }

  /** Alias of {@link Bidirectional.resetStates} (Keras 3's name). */
  resetState(): void {
    this.resetStates();
  }

  /** The states of both directions (forward's first), or null when not stateful. */
  get states(): Tensor[] | null {
    const f = this.forwardLayer instanceof RNN ? this.forwardLayer.states : null;
    const b = this.backwardLayer instanceof RNN ? this.backwardLayer.states : null;
    return f && b ? [...f, ...b] : null;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      mergeMode: this.mergeMode,
      layer: serialize(this.forwardLayer) as unknown as ConfigValue,
      backwardLayer: serialize(this.backwardLayer) as unknown as ConfigValue,
    };
  }

  static override fromConfig<T extends Layer>(this: new (args: never) => T, config: Config): T {
    const { layer, backwardLayer, ...rest } = config as Config & {
      layer: SerializedObject;
      backwardLayer?: SerializedObject | null;
    };
    return new Bidirectional(layer, {
      ...(rest as BidirectionalArgs),
      backwardLayer: backwardLayer ?? null,
    }) as unknown as T;
  }
}

registerSerializable('layer', Bidirectional);

// ---------------------------------------------------------------------------------------------
// TimeDistributed

/** Options of {@link TimeDistributed}. */
export interface TimeDistributedArgs extends LayerArgs {}

/**
 * Applies a layer to every timestep of a sequence with the same weights (Keras's
 * `TimeDistributed`). The batch and time axes are merged, the layer applied once, and the
 * result split back. The training flag goes to the layer, and a mask with axes beyond
 * `[batch, time]` too (reshaped to `[batch·time, …]`); the input mask passes through.
 *
 * Formula: `y[:, t] = layer(x[:, t])` for every `t`.
 *
 * Shape: `[batch, time, ...s]` → `[batch, time, ...layer.outputShape(s)]`.
 * @example
 * const td = new TimeDistributed(new Dense({ units: 8 }));
 * td.apply(zeros([32, 10, 16])).shape; // [32, 10, 8]
 */
export class TimeDistributed extends Layer {
  static override readonly className = 'TimeDistributed';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = {
    layer: { className: 'Dense', config: { units: 1, name: '__probe_dense' } },
  };
  readonly layer: Layer;

  constructor(layer: Layer | SerializedObject, args: TimeDistributedArgs = {}) {
    super({ ...inheritedArgs(layer, args, false), ...args });
    this.layer = this.trackLayer(toLayer(`${this.name} (TimeDistributed)`, layer, 'layer'));
    this.supportsMasking = true;
    this.inputSpec = { minNdim: 3 };
  }

  /** Keras saves the wrapped layer under `layer`. */
  override savedChildren(): Record<string, Layer> {
    return { layer: this.layer };
  }

  private childShape(shape: SymbolicShape): SymbolicShape {
    if (shape.length < 3) {
      throw new ShapeError(
        `${this.name} (TimeDistributed): expects an input of rank >= 3 [batch, time, ...], got ${fmtShapeNull(shape)}`,
      );
    }
    const b = shape[0];
    const t = shape[1];
    const bt = b === null || b === undefined || t === null || t === undefined ? null : b * t;
    return [bt, ...shape.slice(2)];
  }

  override build(inputShape: Shapes): void {
    const shape = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    buildSub(this.layer, this.childShape(shape));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shapes): SymbolicShape {
    const shape = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    const child = this.layer.computeOutputShape(this.childShape(shape));
    if (isShapeList(child)) {
      throw new ValueError(
        `${this.name} (TimeDistributed): the wrapped layer '${this.layer.name}' has several outputs; only single-output layers can be wrapped`,
      );
    }
    return [shape[0] ?? null, shape[1] ?? null, ...(child as SymbolicShape).slice(1)];
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor {
    const x = single(inputs, this);
    const [b, t, ...rest] = x.shape as number[];
    const m = firstMask(opts.mask);
    let mask: Tensor | null = null;
    if (m) {
      if (m.shape[0] !== b || m.shape[1] !== t) {
        throw new ShapeError(
          `${this.name} (TimeDistributed): mask must start with [${b}, ${t}] (batch, time), got ${fmtShape(m.shape)}`,
        );
      }
      // A [batch, time] mask says nothing inside a step; deeper masks go to the layer per step.
      if (m.rank > 2) mask = m.reshape([b! * t!, ...m.shape.slice(2)]);
    }
    const y = this.layer.apply(x.reshape([b! * t!, ...rest]), {
      training: opts.training,
      mask,
    });
    return y.reshape([b!, t!, ...y.shape.slice(1)]);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), layer: serialize(this.layer) as unknown as ConfigValue };
  }

  static override fromConfig<T extends Layer>(this: new (args: never) => T, config: Config): T {
    const { layer, ...rest } = config as Config & { layer: SerializedObject };
    return new TimeDistributed(layer, rest as TimeDistributedArgs) as unknown as T;
  }
}

registerSerializable('layer', TimeDistributed);
