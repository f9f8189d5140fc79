/**
 * Convolutional LSTM, as Keras 3's `conv_lstm.py`: `ConvLSTMCell` (the input and recurrent
 * transformations of an LSTM made convolutions) and the `ConvLSTM1D` / `ConvLSTM2D` /
 * `ConvLSTM3D` layers, an `RNN` over that cell. Built on the conv ops (the 3-D convolution as a
 * sum of 2-D ones over the kernel's depth) and the RNN loop; no new backend primitive.
 */
import {
  type ActivationFn,
  type ActivationIdentifier,
  getActivation,
  serializeActivation,
} from '../../activations.js';
import { type ConstraintIdentifier, getConstraint } from '../../constraints.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Initializer, type InitializerIdentifier, getInitializer } from '../../initializers.js';
import { conv1d, conv2d, normalizeTuple, paddingFor } from '../../ops/conv.js';
import { ones, zeros } from '../../ops/creation.js';
import { concat, pad, split, stridedSlice } from '../../ops/movement.js';
import { Generator, globalGenerator } from '../../ops/random.js';
import { type RegularizerIdentifier, getRegularizer } from '../../regularizers.js';
import { type Config, registerSerializable } from '../../serialization.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { serializeOpt } from '../config_util.js';
import { type CallOptions, type LayerArgs, type LayerVariable, isShapeList } from '../layer.js';
import { type SymbolicShape, fmtShapeNull } from '../symbolic.js';
import { RNNCell, type RNNStep } from './cell.js';
import { dropoutMask, unstackTime } from './cell_util.js';
import { RNN, type RNNBaseArgs, type ShapedStateCell } from './rnn.js';

type Shapes = SymbolicShape | SymbolicShape[];

/** Options of {@link ConvLSTMCell} (and of the ConvLSTM layers). */
export interface ConvLSTMCellArgs extends LayerArgs {
  /** Number of output filters (channels of the output and of both states). */
  filters: number;
  /** Size of the convolution window: one number or one per spatial axis. */
  kernelSize: number | readonly number[];
  /** Strides of the input convolution (default 1); not with `dilationRate` > 1. */
  strides?: number | readonly number[];
  /** Padding of the input convolution: 'valid' (default) or 'same' (the recurrent one is always 'same'). */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast' (Keras's default; `[batch, ...spatial, channels]`). */
  dataFormat?: 'channelsLast' | 'channels_last' | null;
  /** Dilation of the input convolution (default 1). */
  dilationRate?: number | readonly number[];
  /** Activation of the candidate and of the output (default `'tanh'`). */
  activation?: ActivationIdentifier;
  /** Activation of the gates i, f, o (default `'sigmoid'`). */
  recurrentActivation?: ActivationIdentifier;
  /** Whether to add the bias (default true). */
  useBias?: boolean;
  /** Initializer of `kernel` (default `'glorotUniform'`). */
  kernelInitializer?: InitializerIdentifier;
  /** Initializer of `recurrent_kernel` (default `'orthogonal'`). */
  recurrentInitializer?: InitializerIdentifier;
  /** Initializer of `bias` (default `'zeros'`). */
  biasInitializer?: InitializerIdentifier;
  /** Add 1 to the forget gate's bias at initialization (default true). */
  unitForgetBias?: boolean;
  /** Penalty on `kernel`. */
  kernelRegularizer?: RegularizerIdentifier | null;
  /** Penalty on `recurrent_kernel`. */
  recurrentRegularizer?: RegularizerIdentifier | null;
  /** Penalty on `bias`. */
  biasRegularizer?: RegularizerIdentifier | null;
  /** Constraint on `kernel`. */
  kernelConstraint?: ConstraintIdentifier | null;
  /** Constraint on `recurrent_kernel`. */
  recurrentConstraint?: ConstraintIdentifier | null;
  /** Constraint on `bias`. */
  biasConstraint?: ConstraintIdentifier | null;
  /** Fraction of the input to drop in training (one mask per gate, per sequence; default 0). */
  dropout?: number;
  /** Fraction of the previous state to drop in training (one mask per gate; default 0). */
  recurrentDropout?: number;
  /** Seed of a private generator for the dropout masks. */
  seed?: number | null;
}

/** Keras's unit-forget-bias initializer: `[init(f), 1…1, init(2f)]`. Never serialized. */
class ConvUnitForgetBias extends Initializer {
  static override readonly className = 'ConvUnitForgetBias';
  constructor(
    private readonly base: Initializer,
    private readonly filters: number,
  ) {
    super();
  }
  call(_shape: readonly number[], dtype?: DType): Tensor {
    const f = this.filters;
    return concat(
      [this.base.call([f], dtype), ones([f], dtype), this.base.call([2 * f], dtype)],
      0,
    );
  }
}

function rate(owner: string, what: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new ValueError(`${owner}: ${what} must be a number in [0, 1], got ${String(v)}`);
  }
  return Math.min(1, Math.max(0, v));
}

/**
 * One ConvLSTM step (Keras's `ConvLSTMCell`): an LSTM whose matmuls are convolutions, gates in
 * Keras's order i, f, c, o along the last axis of `kernel` and `recurrent_kernel`.
 *
 * Formula: `z = conv(x_t, kernel; strides, padding, dilation) + bias + conv(h_{t−1},
 * recurrent_kernel; 'same', stride 1)`, split into `z_i, z_f, z_c, z_o`; `i, f, o = σ(·)`,
 * `c_t = f ⊙ c_{t−1} + i ⊙ tanh(z_c)`, `h_t = o ⊙ tanh(c_t)`; output `h_t`.
 *
 * Shape: step `[batch, ...spatial, channels]`, states `[batch, ...outSpatial, filters]`;
 * kernel `[...kernelSize, channels, 4·filters]`, recurrent_kernel
 * `[...kernelSize, filters, 4·filters]`, bias `[4·filters]`.
 * @example
 * const cell = new ConvLSTMCell({ rank: 2, filters: 4, kernelSize: 3, padding: 'same' });
 * new RNN({ cell }).apply(zeros([2, 5, 8, 8, 3])).shape; // [2, 8, 8, 4]
 */
export class ConvLSTMCell extends RNNCell implements ShapedStateCell {
  static override readonly className: string = 'ConvLSTMCell';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { rank: 1, filters: 1, kernelSize: 1 };
  readonly rank: number;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: number[];
  readonly activation: ActivationFn;
  readonly recurrentActivation: ActivationFn;
  readonly useBias: boolean;
  readonly unitForgetBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  readonly stateSize: readonly number[];
  kernel: LayerVariable | null = null;
  recurrentKernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;
  private readonly cellArgs: ConvLSTMCellArgs;
  private readonly generator: Generator | null;
  private inShape: number[] | null = null;
  private outShape: number[] | null = null;

  constructor(args: ConvLSTMCellArgs & { rank: number }) {
    super(args);
    const who = `${this.name} (${this.className})`;
    const r = args?.rank;
    if (r !== 1 && r !== 2 && r !== 3) {
      throw new ValueError(`${who}: rank must be 1, 2 or 3, got ${r}`);
    }
    if (!Number.isInteger(args.filters) || args.filters < 1) {
      throw new ValueError(`${who}: filters must be a positive integer, got ${args.filters}`);
    }
    const df = args.dataFormat ?? 'channelsLast';
    if (df !== 'channelsLast' && df !== 'channels_last') {
      throw new ValueError(`${who}: only dataFormat 'channelsLast' is supported, got '${df}'`);
    }
    const pad = args.padding ?? 'valid';
    if (pad !== 'valid' && pad !== 'same') {
      throw new ValueError(`${who}: padding must be 'valid' or 'same', got ${JSON.stringify(pad)}`);
    }
    this.rank = r;
    this.cellArgs = args;
    this.filters = args.filters;
    this.kernelSize = normalizeTuple(args.kernelSize, r, 'kernelSize', who);
    this.strides = normalizeTuple(args.strides ?? 1, r, 'strides', who);
    this.dilationRate = normalizeTuple(args.dilationRate ?? 1, r, 'dilationRate', who);
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new ValueError(
        `${who}: strides > 1 are not supported together with dilationRate > 1, got strides [${this.strides.join(', ')}] and dilationRate [${this.dilationRate.join(', ')}]`,
      );
    }
    this.padding = pad;
    this.activation = getActivation(args.activation === undefined ? 'tanh' : args.activation);
    this.recurrentActivation = getActivation(
      args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation,
    );
    this.useBias = args.useBias ?? true;
    this.unitForgetBias = args.unitForgetBias ?? true;
    this.dropout = rate(who, 'dropout', args.dropout);
    this.recurrentDropout = rate(who, 'recurrentDropout', args.recurrentDropout);
    const seed = args.seed ?? null;
    if (seed !== null && !Number.isFinite(seed)) {
      throw new ValueError(`${who}: seed must be a finite number, got ${seed}`);
    }
    this.seed = seed;
    this.generator = seed === null ? null : new Generator(seed);
    this.stateSize = [this.filters, this.filters];
  }

  /** The spatial output size of the input convolution (Keras's conv output shape). */
  private outSpatial(spatial: readonly number[]): number[] {
    return spatial.map((n, i) => {
      const k = this.kernelSize[i]!;
      const s = this.strides[i]!;
      const d = this.dilationRate[i]!;
      if (this.padding === 'same') return Math.floor((n - 1) / s) + 1;
      return Math.floor((n - (k - 1) * d - 1) / s) + 1;
    });
  }

  override build(inputShape: Shapes): void {
    const shape = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    const who = `${this.name} (${this.className})`;
    const rest = shape.slice(1);
    if (shape.length !== this.rank + 2 || rest.some((d) => d === null || d === undefined)) {
      throw new ShapeError(
        `${who}: expected a step input [batch, ${['steps', 'rows, cols', 'depth, rows, cols'][this.rank - 1]}, channels] with known sizes, got ${fmtShapeNull(shape)}`,
      );
    }
    const dims = rest as number[];
    const out = this.outSpatial(dims.slice(0, -1));
    if (out.some((n) => n < 1)) {
      throw new ShapeError(
        `${who}: the input ${fmtShapeNull(shape)} is smaller than the dilated kernel [${this.kernelSize.join(', ')}]`,
      );
    }
    const ch = dims[dims.length - 1]!;
    this.inShape = dims;
    this.outShape = [...out, this.filters];
    const a = this.cellArgs;
    const f4 = 4 * this.filters;
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [...this.kernelSize, ch, f4],
      initializer: a.kernelInitializer ?? 'glorotUniform',
      regularizer: a.kernelRegularizer,
      constraint: a.kernelConstraint,
    });
    this.recurrentKernel = this.addWeight({
      name: 'recurrent_kernel',
      shape: [...this.kernelSize, this.filters, f4],
      initializer: a.recurrentInitializer ?? 'orthogonal',
      regularizer: a.recurrentRegularizer,
      constraint: a.recurrentConstraint,
    });
    if (this.useBias) {
      const base = getInitializer(a.biasInitializer ?? 'zeros');
      this.bias = this.addWeight({
        name: 'bias',
        shape: [f4],
        initializer: this.unitForgetBias ? new ConvUnitForgetBias(base, this.filters) : base,
        regularizer: a.biasRegularizer,
        constraint: a.biasConstraint,
      });
    }
    this.built = true;
  }

  /** The per-sample state shapes `[...outSpatial, filters]` (known once built). */
  stateShapes(): number[][] {
    if (!this.outShape) {
      throw new ValueError(`${this.name} (${this.className}): the cell is not built yet`);
    }
    return [this.outShape, this.outShape];
  }

  override getInitialState(batchSize: number): Tensor[] {
    return this.stateShapes().map((s) => zeros([batchSize, ...s], this.dtype));
  }

  private conv(x: Tensor, k: Tensor, recurrent: boolean): Tensor {
    const opts = recurrent
      ? { strides: 1, padding: 'same' as const, dilationRate: 1 }
      : { strides: this.strides, padding: this.padding, dilationRate: this.dilationRate };
    if (this.rank === 1) return conv1d(x, k, opts);
    if (this.rank === 2) return conv2d(x, k, opts);
    return conv3dLast(x, k, opts.strides, opts.padding, opts.dilationRate);
  }

  override beginSequence(sequence: Tensor, training: boolean): RNNStep {
    const who = `${this.name} (${this.className})`;
    const want = this.inShape!;
    if (sequence.rank !== want.length + 2 || want.some((d, i) => sequence.shape[i + 2] !== d)) {
      throw new ShapeError(
        `${who}: expected steps of shape [batch, ${want.join(', ')}], got sequence ${fmtShape(sequence.shape)}`,
      );
    }
    const x = sequence.dtype === this.dtype ? sequence : sequence.cast(this.dtype);
    const [b, steps] = x.shape as [number, number];
    const useIn = training && this.dropout > 0 && this.dropout < 1;
    const useRec = training && this.recurrentDropout > 0 && this.recurrentDropout < 1;
    const g = useIn || useRec ? (this.generator ?? globalGenerator()) : null;
    const inMasks = useIn
      ? Array.from({ length: 4 }, () => dropoutMask(g!, [b, ...want], this.dropout, this.dtype))
      : null;
    const recMasks = useRec
      ? Array.from({ length: 4 }, () =>
          dropoutMask(g!, [b, ...this.outShape!], this.recurrentDropout, this.dtype),
        )
      : null;
    const k = this.kernel!;
    const f = this.filters;
    const flat = (m: Tensor | null) =>
      (m ? x.mul(m.expandDims(1)) : x).reshape([b * steps, ...want]);
    // The input convolution of every step at once.
    let proj = inMasks
      ? concat(
          inMasks.map((m, j) => this.conv(flat(m), gateSlice(k, j, f), false)),
          -1,
        )
      : this.conv(flat(null), k, false);
    if (this.bias) proj = proj.add(this.bias);
    const xs = unstackTime(proj.reshape([b, steps, ...this.outShape!.slice(0, -1), 4 * f]));
    const r = this.recurrentKernel!;
    const rBlocks = recMasks ? split(r, 4, r.rank - 1) : null;
    const act = this.activation;
    const ract = this.recurrentActivation;
    return (t, states) => {
      const [h, c] = states as [Tensor, Tensor];
      const rec = rBlocks
        ? concat(
            rBlocks.map((rk, j) => this.conv(h.mul(recMasks![j]!), rk, true)),
            -1,
          )
        : this.conv(h, r, true);
      const z = xs[t]!.add(rec);
      const [zi, zf, zc, zo] = split(z, 4, z.rank - 1) as [Tensor, Tensor, Tensor, Tensor];
      const c2 = ract(zf)
        .mul(c)
        .add(ract(zi).mul(act(zc)));
      const h2 = ract(zo).mul(act(c2));
      return { output: h2, states: [h2, c2] };
    };
  }

  /** One step on its own: `[x_t, h, c] → [h_t, h_t, c_t]`. */
  override call(inputs: Tensor | Tensor[], opts: CallOptions): Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const [x, ...states] = list;
    if (states.length !== 2) {
      throw new ValueError(
        `${this.name} (${this.className}): expects [input, h, c], got ${list.length} tensor(s)`,
      );
    }
    const step = this.beginSequence(x!.expandDims(1), opts.training === true);
    const r = step(0, states);
    return [r.output, ...r.states];
  }

  override computeOutputShape(inputShape: Shapes): SymbolicShape[] {
    const x = isShapeList(inputShape)
      ? (inputShape as SymbolicShape[])[0]!
      : (inputShape as SymbolicShape);
    const dims = x.slice(1, -1).map((n) => n ?? 0);
    const out: SymbolicShape = [x[0] ?? null, ...this.outSpatial(dims as number[]), this.filters];
    return [out, out, out];
  }

  /** The cell's own options, in Keras's order. */
  argsConfig(): Config {
    const a = this.cellArgs;
    const reg = (v: RegularizerIdentifier | null | undefined) =>
      serializeOpt(v ? getRegularizer(v) : null);
    const con = (v: ConstraintIdentifier | null | undefined) =>
      serializeOpt(v ? getConstraint(v) : null);
    return {
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: [...this.dilationRate],
      activation: serializeActivation(this.activation),
      recurrentActivation: serializeActivation(this.recurrentActivation),
      useBias: this.useBias,
      kernelInitializer: serializeOpt(getInitializer(a.kernelInitializer ?? 'glorotUniform')),
      recurrentInitializer: serializeOpt(getInitializer(a.recurrentInitializer ?? 'orthogonal')),
      biasInitializer: serializeOpt(getInitializer(a.biasInitializer ?? 'zeros')),
      unitForgetBias: this.unitForgetBias,
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
    return { ...super.getConfig(), rank: this.rank, ...this.argsConfig() };
  }
}

/** Gate `j`'s block (of 4) along the kernel's last axis. */
function gateSlice(k: Tensor, j: number, f: number): Tensor {
  const begin = k.shape.map((_, i) => (i === k.rank - 1 ? j * f : 0));
  const size = k.shape.map((n, i) => (i === k.rank - 1 ? f : n));
  return k.slice(begin, size);
}

/**
 * A channels-last 3-D convolution `[n, d, h, w, c] ⊛ [kd, kh, kw, c, f]`, as the sum over the
 * kernel's depth of 2-D convolutions of strided depth slices (as the Conv3D layer computes it).
 */
function conv3dLast(
  x: Tensor,
  k: Tensor,
  strides: number | readonly number[],
  padding: 'valid' | 'same',
  dilationRate: number | readonly number[],
): Tensor {
  const s = typeof strides === 'number' ? [strides, strides, strides] : strides;
  const dl =
    typeof dilationRate === 'number' ? [dilationRate, dilationRate, dilationRate] : dilationRate;
  const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
  const [kd, ...kRest] = k.shape as number[];
  const [sd, dd] = [s[0]!, dl[0]!];
  const [pb, pa] = paddingFor(padding, d, kd!, sd, dd);
  const xp =
    pb + pa > 0
      ? pad(x, [
          [0, 0],
          [pb, pa],
          [0, 0],
          [0, 0],
          [0, 0],
        ])
      : x;
  const od = Math.floor((d + pb + pa - (kd! - 1) * dd - 1) / sd) + 1;
  let acc: Tensor | null = null;
  for (let i = 0; i < kd!; i++) {
    // The depth positions kernel slice i meets: i·dd + t·sd for the od outputs t.
    const start = i * dd;
    const slab = stridedSlice(
      xp,
      [0, start, 0, 0, 0],
      [n, start + (od - 1) * sd + 1, h, w, c],
      [1, sd, 1, 1, 1],
    );
    const ki = k.slice([i, 0, 0, 0, 0], [1, ...kRest]).reshape(kRest);
    const yi = conv2d(slab.reshape([n * od, h, w, c]), ki, {
      strides: [s[1]!, s[2]!],
      padding,
      dilationRate: [dl[1]!, dl[2]!],
    });
    acc = acc ? acc.add(yi) : yi;
  }
  return acc!.reshape([n, od, ...acc!.shape.slice(1)]);
}

registerSerializable('layer', ConvLSTMCell);

/**
 * Options of {@link ConvLSTM1D} / {@link ConvLSTM2D} / {@link ConvLSTM3D}: the cell's options
 * and the RNN flags.
 */
export interface ConvLSTMArgs extends ConvLSTMCellArgs, RNNBaseArgs {}

/** The shared base of ConvLSTM1D, ConvLSTM2D and ConvLSTM3D (Keras's `ConvLSTM`). */
abstract class ConvLSTM extends RNN {
  declare readonly cell: ConvLSTMCell;
  protected abstract readonly convRank: number;

  constructor(args: ConvLSTMArgs) {
    super(args);
    if (this.stateful) {
      throw new ValueError(`${this.name} (${this.className}): stateful is not supported`);
    }
  }

  protected override makeCell(args: ConvLSTMArgs): RNNCell {
    const rank = (this.constructor as unknown as { convRank: number }).convRank;
    return new ConvLSTMCell({
      ...args,
      rank,
      name: `${this.name}/conv_lstm_cell`,
      inputShape: undefined,
      batchInputShape: undefined,
      batchSize: undefined,
    });
  }

  override computeOutputShape(inputShape: Shapes): Shapes {
    const s = (
      isShapeList(inputShape) ? (inputShape as SymbolicShape[])[0]! : inputShape
    ) as SymbolicShape;
    if (s.length !== this.cell.rank + 3) {
      throw new ShapeError(
        `${this.name} (${this.className}): expected input of rank ${this.cell.rank + 3}, got ${fmtShapeNull(s)}`,
      );
    }
    const step = this.cell.computeOutputShape([s[0] ?? null, ...s.slice(2)])[0]!;
    const y: SymbolicShape = this.returnSequences
      ? [step[0]!, s[1] ?? null, ...step.slice(1)]
      : step;
    return this.returnState ? [y, step, step] : y;
  }

  override getConfig(): Config {
    const { cell: _cell, ...base } = super.getConfig();
    return { ...base, ...this.cell.argsConfig() };
  }
}

/**
 * 1D convolutional LSTM (Keras's `ConvLSTM1D`): an {@link RNN} over a {@link ConvLSTMCell} of
 * rank 1. Weights (Keras's layout) live in the cell, saved under `…/cell/vars`.
 *
 * Formula: per step `z = conv1d(x_t, kernel) + bias + conv1d(h_{t−1}, recurrent_kernel; 'same')`,
 * then LSTM gates i, f, c, o (see {@link ConvLSTMCell}).
 *
 * Shape: `[batch, time, steps, channels]` → `[batch, outSteps, filters]` (with
 * `returnSequences` `[batch, time, outSteps, filters]`; with `returnState` also `h`, `c`).
 * @example
 * new ConvLSTM1D({ filters: 4, kernelSize: 3 }).apply(zeros([2, 5, 10, 3])).shape; // [2, 8, 4]
 */
export class ConvLSTM1D extends ConvLSTM {
  static override readonly className: string = 'ConvLSTM1D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };
  static readonly convRank = 1;
  protected readonly convRank = 1;
  // biome-ignore lint/complexity/noUselessConstructor: it types the options.
  constructor(args: ConvLSTMArgs) {
    super(args);
  }
}

/**
 * 2D convolutional LSTM (Keras's `ConvLSTM2D`): an {@link RNN} over a {@link ConvLSTMCell} of
 * rank 2. Weights (Keras's layout) live in the cell, saved under `…/cell/vars`.
 *
 * Formula: per step `z = conv2d(x_t, kernel) + bias + conv2d(h_{t−1}, recurrent_kernel; 'same')`,
 * then LSTM gates i, f, c, o (see {@link ConvLSTMCell}).
 *
 * Shape: `[batch, time, rows, cols, channels]` → `[batch, outRows, outCols, filters]` (with
 * `returnSequences` `[batch, time, outRows, outCols, filters]`; with `returnState` also `h`, `c`).
 * @example
 * new ConvLSTM2D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(zeros([2, 5, 8, 8, 3])).shape; // [2, 8, 8, 4]
 */
export class ConvLSTM2D extends ConvLSTM {
  static override readonly className: string = 'ConvLSTM2D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };
  static readonly convRank = 2;
  protected readonly convRank = 2;
  // biome-ignore lint/complexity/noUselessConstructor: it types the options.
  constructor(args: ConvLSTMArgs) {
    super(args);
  }
}

/**
 * 3D convolutional LSTM (Keras's `ConvLSTM3D`): an {@link RNN} over a {@link ConvLSTMCell} of
 * rank 3. Weights (Keras's layout) live in the cell, saved under `…/cell/vars`.
 *
 * Formula: per step `z = conv3d(x_t, kernel) + bias + conv3d(h_{t−1}, recurrent_kernel; 'same')`,
 * then LSTM gates i, f, c, o (see {@link ConvLSTMCell}).
 *
 * Shape: `[batch, time, depth, rows, cols, channels]` → `[batch, outDepth, outRows, outCols,
 * filters]` (with `returnSequences` `[batch, time, outDepth, outRows, outCols, filters]`; with
 * `returnState` also `h`, `c`); kernel `[kd, kh, kw, channels, 4·filters]`, recurrent_kernel
 * `[kd, kh, kw, filters, 4·filters]`, bias `[4·filters]`.
 * @example
 * new ConvLSTM3D({ filters: 4, kernelSize: 3, padding: 'same' }).apply(zeros([2, 5, 4, 8, 8, 3])).shape; // [2, 4, 8, 8, 4]
 */
export class ConvLSTM3D extends ConvLSTM {
  static override readonly className: string = 'ConvLSTM3D';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { filters: 1, kernelSize: 1 };
  static readonly convRank = 3;
  protected readonly convRank = 3;
  // biome-ignore lint/complexity/noUselessConstructor: it types the options.
  constructor(args: ConvLSTMArgs) {
    super(args);
  }
}

registerSerializable('layer', ConvLSTM1D);
registerSerializable('layer', ConvLSTM2D);
registerSerializable('layer', ConvLSTM3D);
