/**
 * The `RNN` layer, as Keras 3's `keras/src/layers/rnn/rnn.py`: it unrolls a cell (see
 * `cell.ts`) over the time axis of a sequence, with masking, initial states, stateful
 * operation and `goBackwards`. Gradients flow through the whole unrolled sequence
 * (backpropagation through time) by the ordinary autograd tape.
 *
 * Cost per sequence: the built-in cells project the inputs of every timestep with one matmul
 * up front; each step then does the recurrent matmul(s) and the gate arithmetic, plus, with a
 * mask, one `where` per state and output (none at steps where the whole batch is unmasked, no
 * step at all where it is all masked).
 */
import { noGrad } from '../../autograd/tape.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { zerosLike } from '../../ops/creation.js';
import { stack } from '../../ops/movement.js';
import {
  type Regularizer,
  type RegularizerIdentifier,
  getRegularizer,
} from '../../regularizers.js';
import {
  type Config,
  type ConfigValue,
  type SerializedObject,
  deserialize,
  registerSerializable,
  serialize,
} from '../../serialization.js';
import { type Tensor, type TensorLike, convertToTensor } from '../../tensor/tensor.js';
import { serializeOpt } from '../config_util.js';
import { type CallOptions, Layer, type LayerArgs, isShapeList } from '../layer.js';
import { type SymbolicShape, type SymbolicTensor, fmtShapeNull } from '../symbolic.js';
import { RNNCell } from './cell.js';
import { sequenceCell, unrollCell } from './loop.js';
import { firstMask, foldInitialState } from './rnn_util.js';
import { StackedRNNCells } from './stacked_cells.js';

type Shapes = SymbolicShape | SymbolicShape[];

/**
 * A cell whose states are not vectors (ConvLSTM's feature maps): the per-sample shape of each
 * state, which the RNN checks given and reset states against (default `[stateSize[i]]`).
 */
export interface ShapedStateCell {
  stateShapes(): number[][];
}

/** The per-sample shape of each state of a cell. */
function stateShapesOf(cell: RNNCell): number[][] {
  const c = cell as Partial<ShapedStateCell>;
  return typeof c.stateShapes === 'function' ? c.stateShapes() : cell.stateSize.map((n) => [n]);
}

// ---------------------------------------------------------------------------------------------
// RNN

/** Options of every recurrent layer (besides its cell's). */
export interface RNNBaseArgs extends LayerArgs {
  /** Return the whole output sequence `[batch, time, units]` instead of the last output (default false). */
  returnSequences?: boolean;
  /** Also return the final states, after the output (default false): call with `applyMulti`. */
  returnState?: boolean;
  /** Process the sequence backwards; with `returnSequences` the output is the reversed sequence (default false). */
  goBackwards?: boolean;
  /**
   * Keep the final states of each batch as the initial states of the next (default false).
   * Needs a fixed batch size (`input({shape, batchSize})` or `batchInputShape`); clear them
   * with `resetStates()`.
   */
  stateful?: boolean;
  /** Accepted for Keras compatibility and ignored: the loop is always unrolled in JS. */
  unroll?: boolean;
  /**
   * With a mask and `returnSequences`: output zeros at masked steps instead of the previous
   * output (default false; `Bidirectional` sets it to `returnSequences`, as Keras).
   */
  zeroOutputForMask?: boolean;
  /** Penalty on the layer's outputs (and returned states), added to the loss. */
  activityRegularizer?: RegularizerIdentifier | null;
}

/** Options of {@link RNN}. */
export interface RNNArgs extends RNNBaseArgs {
  /**
   * The cell run at each step: an {@link RNNCell}, or its `{className, config}`; a list of
   * cells is wrapped in a {@link StackedRNNCells}, as Keras does.
   */
  cell?: RNNCell | SerializedObject | readonly (RNNCell | SerializedObject)[];
}

/** Call options of recurrent layers. */
export interface RNNCallOptions extends CallOptions {
  /**
   * Initial states (Keras's `initial_state`): one tensor per state (`[h]`, or `[h, c]` for
   * LSTM), concrete or symbolic. The same as passing them as extra inputs:
   * `layer.apply(x, {initialState: [h, c]})` ≡ `layer.apply([x, h, c])`.
   */
  initialState?: Tensor | SymbolicTensor | readonly (Tensor | SymbolicTensor)[] | null;
}

/**
 * Runs a recurrent cell over the time axis of a sequence (Keras's `RNN`): from the initial
 * states (zeros, the given `initialState`, or with `stateful` the last call's final states), for
 * each timestep `t` (reversed with `goBackwards`) `(y_t, s_t) = cell(x_t, s_{t−1})`.
 *
 * Masking (a `[batch, time]` bool mask from `Embedding({maskZero})`/`Masking`, or
 * `{mask}`): at a masked step the states keep their previous values and the output repeats the
 * previous step's output (zeros before the first unmasked step), or zeros with
 * `zeroOutputForMask` (Keras 3's backend `rnn`). The output mask is the input mask with
 * `returnSequences`, else none.
 *
 * Formula: `s_t = mask_t ? cell(x_t, s_{t−1}).states : s_{t−1}`; output `y_T` or `[y_1 … y_T]`.
 *
 * Shape: `[batch, time, features]` (plus initial states `[batch, s]`) → `[batch, units]`, or
 * `[batch, time, units]` with `returnSequences`; with `returnState` a list: the output, then
 * one `[batch, s]` per state.
 * @example
 * const rnn = new RNN({ cell: new LSTMCell({ units: 8 }), returnSequences: true });
 * rnn.apply(zeros([2, 5, 3])).shape; // [2, 5, 8]
 */
export class RNN extends Layer {
  static override readonly className: string = 'RNN';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = {
    cell: { className: 'SimpleRNNCell', config: { units: 1, name: '__probe_cell' } },
  };
  readonly cell: RNNCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly unroll: boolean;
  /** Output zeros (rather than the previous output) at masked steps. */
  zeroOutputForMask: boolean;
  protected readonly activityRegularizer: Regularizer | null;
  private readonly activityRegularizerId: RegularizerIdentifier | null;
  private stateValues: Tensor[] | null = null;

  constructor(args: RNNArgs = {}) {
    super(args);
    this.cell = this.trackLayer(this.makeCell(args));
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.stateful = args.stateful ?? false;
    this.unroll = args.unroll ?? false;
    this.zeroOutputForMask = args.zeroOutputForMask ?? false;
    this.activityRegularizerId = args.activityRegularizer ?? null;
    this.activityRegularizer = args.activityRegularizer
      ? getRegularizer(args.activityRegularizer)
      : null;
    this.supportsMasking = true;
  }
  /** The cell holds the weights; Keras saves them under `cell/vars`. */
  override savedChildren(): Record<string, Layer> {
    return { cell: this.cell };
  }

  /** The cell: `args.cell` for `RNN`; the built-in layers create their own. */
  protected makeCell(args: RNNArgs): RNNCell {
    const c = args.cell;
    if (!c) throw new ValueError(`${this.name} (${this.className}): the 'cell' option is required`);
    if (Array.isArray(c)) return new StackedRNNCells({ cells: c });
    const cell = c instanceof RNNCell ? c : deserialize<Layer>('layer', c as SerializedObject);
    if (!(cell instanceof RNNCell)) {
      throw new ValueError(
        `${this.name} (${this.className}): cell must be an RNNCell, got ${cell.className}`,
      );
    }
    return cell;
  }

  /** The stateful layer's current states (null before the first call, or when not stateful). */
  get states(): Tensor[] | null {
    return this.stateValues ? [...this.stateValues] : null;
  }

  /**
   * Resets the states of a stateful layer: to zeros, or to the given values (one
   * `[batch, size]` array per state). Keras's `reset_state()` (also `resetState`).
   */
  resetStates(states?: readonly TensorLike[]): void {
    if (!this.stateful) {
      throw new ValueError(`${this.name} (${this.className}): resetStates needs stateful: true`);
    }
    if (!states) {
      if (this.stateValues) this.stateValues = this.stateValues.map((s) => zerosLike(s));
      return;
    }
    const shapes = stateShapesOf(this.cell);
    if (states.length !== shapes.length) {
      throw new ValueError(
        `${this.name} (${this.className}): resetStates expects ${shapes.length} state(s), got ${states.length}`,
      );
    }
    const batch = this.stateValues?.[0]?.shape[0] ?? this.batchInputShape?.[0] ?? null;
    this.stateValues = states.map((s, i) => {
      const t = convertToTensor(s, `${this.name}.resetStates`, `states[${i}]`, this.dtype);
      const want = shapes[i]!;
      if (
        t.rank !== want.length + 1 ||
        want.some((d, j) => t.shape[j + 1] !== d) ||
        (batch !== null && t.shape[0] !== batch)
      ) {
        throw new ShapeError(
          `${this.name} (${this.className}): state ${i} must have shape [${batch ?? 'batch'}, ${want.join(', ')}], got ${fmtShape(t.shape)}`,
        );
      }
      return t.dtype === this.dtype ? t.detach() : t.cast(this.dtype).detach();
    });
  }

  /** Alias of {@link RNN.resetStates} (Keras 3's name). */
  resetState(states?: readonly TensorLike[]): void {
    this.resetStates(states);
  }

  private seqShape(inputShape: Shapes): SymbolicShape {
    const s = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    if (s.length < 3) {
      throw new ShapeError(
        `${this.name} (${this.className}): expected input of rank >= 3 [batch, timesteps, features], got ${fmtShapeNull(s)}`,
      );
    }
    return s;
  }

  override build(inputShape: Shapes): void {
    const s = this.seqShape(inputShape);
    if (!this.cell.built) {
      const step: SymbolicShape = [s[0] ?? null, ...s.slice(2)];
      this.cell.build(step);
      this.cell.built = true;
      this.cell.builtInputShape = step;
    }
    if (this.stateful) {
      const b = s[0];
      if (b === null || b === undefined) {
        throw new ValueError(
          `${this.name} (${this.className}): with stateful: true the batch size must be fixed, got input shape ${fmtShapeNull(s)}. Give it one: input({ shape, batchSize }) or the layer's batchInputShape / batchSize.`,
        );
      }
      if (!this.stateValues) this.stateValues = this.cell.getInitialState(b);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const s = this.seqShape(inputShape);
    const b = s[0] ?? null;
    const out = this.cell.outputSize;
    const y: SymbolicShape = this.returnSequences ? [b, s[1] ?? null, out] : [b, out];
    if (!this.returnState) return y;
    return [y, ...this.cell.stateSize.map((n): SymbolicShape => [b, n])];
  }

  override computeMask(
    _inputs: Tensor | Tensor[],
    mask: CallOptions['mask'],
  ): Tensor | null | (Tensor | null)[] {
    const m = firstMask(mask);
    const out = this.returnSequences ? m : null;
    if (!this.returnState) return out;
    return [out, ...this.cell.stateSize.map(() => null)];
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

  /** The initial states for this call: given, kept (stateful), or zeros. */
  private initialStates(given: Tensor[], batch: number): Tensor[] {
    const shapes = stateShapesOf(this.cell);
    const who = `${this.name} (${this.className})`;
    if (given.length > 0) {
      if (given.length !== shapes.length) {
        throw new ValueError(
          `${who}: expects ${shapes.length} initial state(s) of shapes ${shapes.map((s) => `[batch, ${s.join(', ')}]`).join(', ')}, got ${given.length}`,
        );
      }
      return given.map((s, i) => {
        const want = shapes[i]!;
        if (
          s.rank !== want.length + 1 ||
          s.shape[0] !== batch ||
          want.some((d, j) => s.shape[j + 1] !== d)
        ) {
          throw new ShapeError(
            `${who}: initial state ${i} must have shape [${batch}, ${want.join(', ')}], got ${fmtShape(s.shape)}`,
          );
        }
        return s.dtype === this.dtype ? s : s.cast(this.dtype);
      });
    }
    if (this.stateful) {
      if (!this.stateValues) this.stateValues = this.cell.getInitialState(batch);
      const kept = this.stateValues[0]!.shape[0];
      if (kept !== batch) {
        throw new ValueError(
          `${who}: stateful layer built for batch size ${kept}, got a batch of ${batch}; stateful RNNs need the same batch size at every call (call resetStates() does not change it)`,
        );
      }
      return this.stateValues;
    }
    return this.cell.getInitialState(batch);
  }

  /**
   * The mask as `[batch, 1]` bool tensors per step. Never read on the host (a compiled step
   * could not replay it): every step runs the cell and keeps, per sample, the new output and
   * states where the mask is on, as Keras's RNN does.
   */
  /** The mask as bool `[batch, steps]`, or a ShapeError naming the layer. */
  private checkMask(mask: Tensor, batch: number, steps: number): Tensor {
    if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== steps) {
      throw new ShapeError(
        `${this.name} (${this.className}): mask must have shape [${batch}, ${steps}] (batch, timesteps), got ${fmtShape(mask.shape)}`,
      );
    }
    return noGrad(() => (mask.dtype === 'bool' ? mask : mask.cast('bool')));
  }

  /** Each step's column `[batch, 1]` of a checked mask. */
  private stepMasks(mask: Tensor, batch: number): Tensor[] {
    return noGrad(() =>
      Array.from({ length: mask.shape[1]! }, (_, t) => mask.slice([0, t], [batch, 1])),
    );
  }

  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    let x = list[0]!;
    const who = `${this.name} (${this.className})`;
    if (x.rank < 3) {
      throw new ShapeError(
        `${who}: expected input of rank >= 3 [batch, timesteps, features], got ${fmtShape(x.shape)}`,
      );
    }
    if (x.dtype !== this.dtype) x = x.cast(this.dtype);
    const batch = x.shape[0]!;
    const steps = x.shape[1]!;
    if (steps === 0)
      throw new ValueError(`${who}: the input has no timesteps (shape ${fmtShape(x.shape)})`);
    const initial = this.initialStates(list.slice(1), batch);
    const m = firstMask(opts.mask);
    const mask = m ? this.checkMask(m, batch, steps) : null;
    const training = opts.training === true;
    // The whole sequence may run as one fused op (LSTM and GRU on the native backend).
    const fused =
      sequenceCell(this.cell)?.runSequence(
        x,
        initial,
        training,
        this.goBackwards,
        mask,
        this.zeroOutputForMask,
      ) ?? null;
    const { y, states } = fused
      ? { y: this.returnSequences ? fused.sequence : fused.last, states: fused.states }
      : this.unrolled(x, initial, mask ? this.stepMasks(mask, batch) : null, training);
    if (this.stateful) this.stateValues = states.map((s) => s.detach());
    const result = this.returnState ? [y, ...states] : [y];
    if (this.activityRegularizer) {
      for (const o of result) this.addActivityLoss(this.activityRegularizer, o);
    }
    return this.returnState ? result : y;
  }

  /** The step-by-step loop over the cell (with masks): the output and the final states. */
  private unrolled(
    x: Tensor,
    initial: Tensor[],
    masks: Tensor[] | null,
    training: boolean,
  ): { y: Tensor; states: Tensor[] } {
    const { outputs, states } = unrollCell(
      this.cell,
      x,
      initial,
      masks,
      training,
      this.goBackwards,
      this.zeroOutputForMask,
      this.returnSequences,
    );
    const y = this.returnSequences ? stack(outputs, 1) : outputs[outputs.length - 1]!;
    return { y, states };
  }

  /** The RNN's own options (the flags), as Keras's `RNN.get_config`. */
  protected rnnConfig(): Config {
    return {
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      unroll: this.unroll,
      zeroOutputForMask: this.zeroOutputForMask,
      activityRegularizer: serializeOpt(
        this.activityRegularizerId ? getRegularizer(this.activityRegularizerId) : null,
      ),
    };
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      ...this.rnnConfig(),
      cell: serialize(this.cell) as unknown as ConfigValue,
    };
  }
}

registerSerializable('layer', RNN);
