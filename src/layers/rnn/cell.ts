/**
 * Recurrent cells, as Keras 3's: the `RNNCell` base (one timestep, `[x_t, ...states] →
 * [output, ...newStates]`) and `BaseRNNCell`, the options, weights (`kernel`,
 * `recurrent_kernel`, `bias`), dropout masks and whole-sequence input projection shared by
 * `SimpleRNNCell`, `LSTMCell` and `GRUCell`; plus `unstackTime`, the per-step split with a
 * one-pass backward that the `RNN` layer's loop relies on.
 */
import {
  type ActivationFn,
  type ActivationIdentifier,
  getActivation,
  serializeActivation,
} from '../../activations.js';
import { type ConstraintIdentifier, getConstraint } from '../../constraints.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { type InitializerIdentifier, getInitializer } from '../../initializers.js';
import { zeros } from '../../ops/creation.js';
import { concat } from '../../ops/movement.js';
import { Generator, globalGenerator } from '../../ops/random.js';
import { type RegularizerIdentifier, getRegularizer } from '../../regularizers.js';
import type { Config } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { serializeOpt } from '../config_util.js';
import {
  type CallOptions,
  Layer,
  type LayerArgs,
  type LayerVariable,
  isShapeList,
} from '../layer.js';
import { type SymbolicShape, fmtShapeNull } from '../symbolic.js';
import { dropoutMask, unstackTime } from './cell_util.js';

type Shapes = SymbolicShape | SymbolicShape[];

// ---------------------------------------------------------------------------------------------
// Helpers

/** A rate in [0, 1], clamped as Keras's `min(1, max(0, rate))`; NaN and non-numbers refused. */
function checkRate(owner: string, what: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new ValueError(`${owner}: ${what} must be a number in [0, 1], got ${String(v)}`);
  }
  return Math.min(1, Math.max(0, v));
}

// ---------------------------------------------------------------------------------------------
// RNNCell

/** One timestep of a cell inside a sequence: `(t, states) → (output, new states)`. */
export type RNNStep = (
  t: number,
  states: readonly Tensor[],
) => { output: Tensor; states: Tensor[] };

/**
 * The base of recurrent cells: a layer computing one timestep, `[x_t, ...states] →
 * [output, ...newStates]`, used by {@link RNN} to process whole sequences. A custom cell sets
 * `stateSize` (one size per state tensor) and implements `build(stepInputShape)` and `call`;
 * the RNN layer then calls it once per timestep. Cells that can do better (the built-in ones)
 * override {@link RNNCell.beginSequence} to precompute work for the whole sequence.
 *
 * Formula: `(y_t, s_t) = cell(x_t, s_{t−1})`.
 *
 * Shape: `[[batch, ...features], [batch, s₀], …]` → `[[batch, outputSize], [batch, s₀], …]`.
 * @example
 * class MinimalCell extends RNNCell {
 *   static override readonly className = 'MinimalCell';
 *   readonly stateSize = [4];
 *   private k!: LayerVariable;
 *   override build(s: SymbolicShape | SymbolicShape[]) {
 *     const x = (isShapeList(s) ? (s as SymbolicShape[])[0]! : s) as SymbolicShape;
 *     this.k = this.addWeight({ name: 'kernel', shape: [x.at(-1)!, 4] });
 *   }
 *   override call(inputs: Tensor | Tensor[]) {
 *     const [x, h] = inputs as Tensor[];
 *     const y = x!.matmul(this.k).add(h!).tanh();
 *     return [y, y];
 *   }
 * }
 * new RNN({ cell: new MinimalCell() }).apply(zeros([2, 5, 3])).shape; // [2, 4]
 */
export abstract class RNNCell extends Layer {
  static override readonly className: string = 'RNNCell';

  /** Size of each state tensor (one entry per state: `[units]`, or `[units, units]` for LSTM). */
  abstract readonly stateSize: readonly number[];

  /** Size of the output at each step (default: the first state's size). */
  get outputSize(): number {
    return this.stateSize[0]!;
  }

  /** Zero states for a batch: one `[batch, size]` tensor per state. */
  getInitialState(batchSize: number): Tensor[] {
    return this.stateSize.map((s) => zeros([batchSize, s], this.dtype));
  }

  /**
   * Prepares a whole sequence `[batch, time, ...features]` and returns its step function. The
   * RNN calls it once per sequence (dropout masks are drawn here, so they hold for every
   * step). Default: each step calls {@link Layer.call} on `[x_t, ...states]`.
   */
  beginSequence(sequence: Tensor, training: boolean): RNNStep {
    const xs = unstackTime(sequence);
    return (t, states) => {
      const out = this.call([xs[t]!, ...states], { training });
      const list = Array.isArray(out) ? out : [out];
      return { output: list[0]!, states: list.slice(1) };
    };
  }

  override computeOutputShape(inputShape: Shapes): SymbolicShape[] {
    const x = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    const b = x[0] ?? null;
    return [[b, this.outputSize], ...this.stateSize.map((s): SymbolicShape => [b, s])];
  }
}

// ---------------------------------------------------------------------------------------------
// BaseRNNCell: what SimpleRNNCell, LSTMCell and GRUCell share

/** Options shared by the built-in cells (and their layers). */
export interface BaseRNNCellArgs extends LayerArgs {
  /** Dimensionality of the output and of each state (a positive integer). */
  units: number;
  /** Activation of the candidate/output (default `'tanh'`; `null` means linear, as Keras's None). */
  activation?: ActivationIdentifier;
  /** Whether to add bias vectors (default true). */
  useBias?: boolean;
  /** Initializer of `kernel`, the input weights (default `'glorotUniform'`). */
  kernelInitializer?: InitializerIdentifier;
  /** Initializer of `recurrent_kernel`, the state weights (default `'orthogonal'`). */
  recurrentInitializer?: InitializerIdentifier;
  /** Initializer of `bias` (default `'zeros'`). */
  biasInitializer?: InitializerIdentifier;
  /** Penalty on `kernel`, added to the loss. */
  kernelRegularizer?: RegularizerIdentifier | null;
  /** Penalty on `recurrent_kernel`, added to the loss. */
  recurrentRegularizer?: RegularizerIdentifier | null;
  /** Penalty on `bias`, added to the loss. */
  biasRegularizer?: RegularizerIdentifier | null;
  /** Constraint on `kernel`, applied after each optimizer step. */
  kernelConstraint?: ConstraintIdentifier | null;
  /** Constraint on `recurrent_kernel`, applied after each optimizer step. */
  recurrentConstraint?: ConstraintIdentifier | null;
  /** Constraint on `bias`, applied after each optimizer step. */
  biasConstraint?: ConstraintIdentifier | null;
  /**
   * Fraction of the input units to drop (default 0), in training only. One mask per sequence,
   * the same at every step (Keras's semantics); clamped to [0, 1] as Keras, and 1 disables it.
   */
  dropout?: number;
  /** Fraction of the recurrent-state units to drop (default 0); as `dropout`, for the state. */
  recurrentDropout?: number;
  /** Seed of a private generator for the dropout masks (default: the global generator). */
  seed?: number | null;
}

/** Masks drawn for one sequence: one per gate group, or null when that dropout is off. */
export interface CellMasks {
  /** Masks `[batch, inputDim]` for the step inputs. */
  input: Tensor[] | null;
  /** Masks `[batch, units]` for the previous state, before the recurrent matmul. */
  recurrent: Tensor[] | null;
}

/**
 * The base of `SimpleRNNCell`, `LSTMCell` and `GRUCell`: options, the `kernel` /
 * `recurrent_kernel` / `bias` weights (Keras's names), dropout masks, the input projection of
 * a whole sequence, and the config.
 *
 * Formula: see each cell.
 *
 * Shape: kernel `[inputDim, gates·units]`, recurrent_kernel `[units, gates·units]`.
 * @example
 * new LSTMCell({ units: 4 }).applyMulti([zeros([2, 3]), zeros([2, 4]), zeros([2, 4])]);
 */
export abstract class BaseRNNCell extends RNNCell {
  static override readonly className: string = 'BaseRNNCell';
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  kernel: LayerVariable | null = null;
  recurrentKernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;
  protected readonly cellArgs: BaseRNNCellArgs;
  private readonly generator: Generator | null;

  /** Number of gate blocks in the weights: 1 (SimpleRNN), 4 (LSTM), 3 (GRU). */
  protected abstract readonly gates: number;

  constructor(args: BaseRNNCellArgs) {
    super(args);
    const cls = this.className;
    if (!args || !Number.isInteger(args.units) || args.units < 1) {
      throw new ValueError(
        `${this.name} (${cls}): units must be a positive integer, got ${args?.units}`,
      );
    }
    this.cellArgs = args;
    this.units = args.units;
    this.activation = getActivation(args.activation === undefined ? 'tanh' : args.activation);
    this.useBias = args.useBias ?? true;
    this.dropout = checkRate(`${this.name} (${cls})`, 'dropout', args.dropout);
    this.recurrentDropout = checkRate(
      `${this.name} (${cls})`,
      'recurrentDropout',
      args.recurrentDropout,
    );
    const seed = args.seed ?? null;
    if (seed !== null && !Number.isFinite(seed)) {
      throw new ValueError(`${this.name} (${cls}): seed must be a finite number, got ${seed}`);
    }
    this.seed = seed;
    this.generator = seed === null ? null : new Generator(seed);
  }

  /** Input size seen at build. */
  protected inputDim = 0;

  /** The bias shape (`[gates·units]` by default). */
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  /** The bias initializer (LSTM adds its unit forget bias). */
  protected biasInit(): InitializerIdentifier {
    return this.cellArgs.biasInitializer ?? 'zeros';
  }

  override build(inputShape: Shapes): void {
    const shape = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    const inDim = shape[shape.length - 1];
    if (shape.length !== 2 || inDim === null || inDim === undefined) {
      throw new ShapeError(
        `${this.name} (${this.className}): expected a step input [batch, features] with a known feature size, got ${fmtShapeNull(shape)}`,
      );
    }
    const a = this.cellArgs;
    const g = this.gates * this.units;
    this.inputDim = inDim;
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [inDim, g],
      initializer: a.kernelInitializer ?? 'glorotUniform',
      regularizer: a.kernelRegularizer,
      constraint: a.kernelConstraint,
    });
    this.recurrentKernel = this.addWeight({
      name: 'recurrent_kernel',
      shape: [this.units, g],
      initializer: a.recurrentInitializer ?? 'orthogonal',
      regularizer: a.recurrentRegularizer,
      constraint: a.recurrentConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight({
        name: 'bias',
        shape: this.biasShape(),
        initializer: this.biasInit(),
        regularizer: a.biasRegularizer,
        constraint: a.biasConstraint,
      });
    }
    this.built = true;
  }

  /**
   * Number of masks per dropout kind: Keras 3 switches to its per-gate "implementation 1" (one
   * mask per gate) when `recurrentDropout` is nonzero, else one mask shared by all gates.
   */
  protected maskCount(): number {
    return this.recurrentDropout !== 0 ? this.gates : 1;
  }

  /** Dropout masks for one sequence (training only), input masks first, as Keras draws them. */
  protected sampleMasks(batch: number, training: boolean): CellMasks {
    const useIn = training && this.dropout > 0 && this.dropout < 1;
    const useRec = training && this.recurrentDropout > 0 && this.recurrentDropout < 1;
    if (!useIn && !useRec) return { input: null, recurrent: null };
    const g = this.generator ?? globalGenerator();
    const n = this.maskCount();
    const draw = (shape: number[], rate: number) =>
      Array.from({ length: n }, () => dropoutMask(g, shape, rate, this.dtype));
    return {
      input: useIn ? draw([batch, this.inputDim], this.dropout) : null,
      recurrent: useRec ? draw([batch, this.units], this.recurrentDropout) : null,
    };
  }

  /**
   * Projects the inputs of every timestep at once: `x·kernel + bias` for `x` of shape
   * `[batch, time, inputDim]` → `[batch, time, gates·units]`. With one input mask per gate
   * (Keras's implementation 1), each gate block uses its own masked input.
   */
  protected projectInputs(x: Tensor, masks: Tensor[] | null, bias: Tensor | null): Tensor {
    const [b, steps, f] = x.shape as [number, number, number];
    const k = this.kernel!;
    const flat = (m: Tensor | null) =>
      (m ? x.mul(m.reshape([b, 1, f])) : x).reshape([b * steps, f]);
    let y: Tensor;
    if (!masks) y = flat(null).matmul(k);
    else if (masks.length === 1) y = flat(masks[0]!).matmul(k);
    else {
      const u = this.units;
      const blocks = masks.map((m, j) => flat(m).matmul(k.slice([0, j * u], [f, u])));
      y = concat(blocks, -1);
    }
    if (bias) y = y.add(bias);
    return y.reshape([b, steps, this.gates * this.units]);
  }

  /** Checks the sequence and casts it to the cell's dtype. */
  protected checkSequence(x: Tensor): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.inputDim) {
      throw new ShapeError(
        `${this.name} (${this.className}): expected steps of shape [batch, ${this.inputDim}], got sequence ${fmtShape(x.shape)}`,
      );
    }
    return x.dtype === this.dtype ? x : x.cast(this.dtype);
  }

  /** One step on its own: `[x_t, ...states] → [output, ...newStates]` (fresh masks per call). */
  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const [x, ...states] = list;
    if (states.length !== this.stateSize.length) {
      throw new ValueError(
        `${this.name} (${this.className}): expects [input, ${this.stateSize.length} state(s)], got ${list.length} tensor(s)`,
      );
    }
    const step = this.beginSequence(x!.expandDims(1), opts.training === true);
    const r = step(
      0,
      states.map((s) => (s.dtype === this.dtype ? s : s.cast(this.dtype))),
    );
    return [r.output, ...r.states];
  }

  /** The cell's own options (no name/dtype/trainable), as a layer's config merges them in. */
  argsConfig(): Config {
    const a = this.cellArgs;
    const reg = (r: RegularizerIdentifier | null | undefined) =>
      serializeOpt(r ? getRegularizer(r) : null);
    const con = (c: ConstraintIdentifier | null | undefined) =>
      serializeOpt(c ? getConstraint(c) : null);
    return {
      units: this.units,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      kernelInitializer: serializeOpt(getInitializer(a.kernelInitializer ?? 'glorotUniform')),
      recurrentInitializer: serializeOpt(getInitializer(a.recurrentInitializer ?? 'orthogonal')),
      biasInitializer: serializeOpt(getInitializer(a.biasInitializer ?? 'zeros')),
      kernelRegularizer: reg(a.kernelRegularizer),
      recurrentRegularizer: reg(a.recurrentRegularizer),
      biasRegularizer: reg(a.biasRegularizer),
      kernelConstraint: con(a.kernelConstraint),
      recurrentConstraint: con(a.recurrentConstraint),
      biasConstraint: con(a.biasConstraint),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
    };
  }

  override getConfig(): Config {
    return { ...super.getConfig(), ...this.argsConfig() };
  }
}
