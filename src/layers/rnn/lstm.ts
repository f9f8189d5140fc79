/** `LSTMCell` and `LSTM`: long short-term memory (Hochreiter 1997), as Keras 3's. */
import {
  type ActivationFn,
  type ActivationIdentifier,
  getActivation,
  serializeActivation,
} from '../../activations.js';
import { Initializer, type InitializerIdentifier, getInitializer } from '../../initializers.js';
import { ones } from '../../ops/creation.js';
import { concat, split } from '../../ops/movement.js';
import { lstmGates } from '../../ops/rnn_cell.js';
import { lstmSequence } from '../../ops/rnn_sequence.js';
import { be } from '../../ops/util.js';
import { type Config, registerSerializable } from '../../serialization.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { BaseRNNCell, type BaseRNNCellArgs, type RNNCell, type RNNStep } from './cell.js';
import { unstackTime } from './cell_util.js';
import type { SequenceCell, SequenceRun } from './loop.js';
import { RNN, type RNNBaseArgs } from './rnn.js';

/** Options of {@link LSTMCell}. */
export interface LSTMCellArgs extends BaseRNNCellArgs {
  /** Activation of the input, forget and output gates (default `'sigmoid'`). */
  recurrentActivation?: ActivationIdentifier;
  /**
   * Add 1 to the forget gate's bias at initialization (default true, Jozefowicz et al. 2015):
   * the bias starts as `[init(units), ones(units), init(2·units)]`.
   */
  unitForgetBias?: boolean;
}

/** Keras's unit-forget-bias initializer: `[init(u), 1…1, init(2u)]`. Never serialized. */
class UnitForgetBias extends Initializer {
  static override readonly className = 'UnitForgetBias';
  constructor(
    private readonly base: Initializer,
    private readonly units: number,
  ) {
    super();
  }
  call(_shape: readonly number[], dtype?: DType): Tensor {
    const u = this.units;
    return concat(
      [this.base.call([u], dtype), ones([u], dtype), this.base.call([2 * u], dtype)],
      0,
    );
  }
}

/**
 * One LSTM step (Keras's `LSTMCell`), gates in Keras's order i, f, c, o along the last axis of
 * `kernel` and `recurrent_kernel`.
 *
 * Formula: `z = x_t·kernel + h_{t−1}·recurrent_kernel + bias`, split into `z_i, z_f, z_c, z_o`;
 * `i = σ(z_i)`, `f = σ(z_f)`, `o = σ(z_o)` (σ: `recurrentActivation`),
 * `c_t = f ⊙ c_{t−1} + i ⊙ tanh(z_c)`, `h_t = o ⊙ tanh(c_t)` (tanh: `activation`); output `h_t`.
 * With dropout, `x_t` and `h_{t−1}` are multiplied by their masks (one per gate when
 * `recurrentDropout` is nonzero, as Keras 3's implementation 1).
 *
 * Shape: `[[batch, inputDim], [batch, units], [batch, units]]` → `[h, h, c]`, each
 * `[batch, units]`; kernel `[inputDim, 4·units]`, recurrent_kernel `[units, 4·units]`, bias
 * `[4·units]`.
 * @example
 * const cell = new LSTMCell({ units: 4 });
 * const [y, h, c] = cell.applyMulti([zeros([2, 3]), zeros([2, 4]), zeros([2, 4])]);
 */
export class LSTMCell extends BaseRNNCell implements SequenceCell {
  static override readonly className: string = 'LSTMCell';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { units: 1 };
  readonly stateSize: readonly number[];
  readonly recurrentActivation: ActivationFn;
  readonly unitForgetBias: boolean;
  protected readonly gates = 4;

  constructor(args: LSTMCellArgs) {
    super(args);
    this.stateSize = [this.units, this.units];
    this.recurrentActivation = getActivation(
      args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation,
    );
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  protected override biasInit(): InitializerIdentifier {
    const base = getInitializer(this.cellArgs.biasInitializer ?? 'zeros');
    return this.unitForgetBias ? new UnitForgetBias(base, this.units) : base;
  }

  override beginSequence(sequence: Tensor, training: boolean): RNNStep {
    const x = this.checkSequence(sequence);
    const masks = this.sampleMasks(x.shape[0]!, training);
    const xs = unstackTime(this.projectInputs(x, masks.input, this.bias));
    const r = this.recurrentKernel!;
    const rm = masks.recurrent;
    const rBlocks = rm && rm.length > 1 ? split(r, rm.length, 1) : null;
    const act = this.activation;
    const ract = this.recurrentActivation;
    const recurrent = (h: Tensor): Tensor => {
      if (!rm) return h.matmul(r);
      if (!rBlocks) return h.mul(rm[0]!).matmul(r);
      return concat(
        rBlocks.map((rk, j) => h.mul(rm[j]!).matmul(rk)),
        1,
      );
    };
    // Keras's default activations have a fused kernel: one op per step instead of ~15.
    const fused = act === getActivation('tanh') && ract === getActivation('sigmoid');
    return (t, states) => {
      const [h, c] = states as [Tensor, Tensor];
      const z = xs[t]!.add(recurrent(h));
      if (fused) {
        const [h2, c2] = lstmGates(z, c);
        return { output: h2, states: [h2, c2] };
      }
      const [zi, zf, zc, zo] = split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
      const i = ract(zi);
      const f = ract(zf);
      const c2 = f.mul(c).add(i.mul(act(zc)));
      const h2 = ract(zo).mul(act(c2));
      return { output: h2, states: [h2, c2] };
    };
  }

  /**
   * The whole sequence as one fused op ({@link lstmSequence}) when the backend has a sequence
   * kernel for this dtype, the activations are Keras's defaults and there is no recurrent
   * dropout at this call; null otherwise (the RNN then unrolls {@link beginSequence}). Input
   * dropout draws the same masks as the unrolled path; a sequence mask (Keras masking) runs
   * fused too, with the RNN's `zeroOutputForMask`.
   */
  runSequence(
    sequence: Tensor,
    states: readonly Tensor[],
    training: boolean,
    goBackwards: boolean,
    mask: Tensor | null = null,
    zeroOutputForMask = false,
  ): SequenceRun | null {
    const recurrentDropout = training && this.recurrentDropout > 0 && this.recurrentDropout < 1;
    if (
      recurrentDropout ||
      this.activation !== getActivation('tanh') ||
      this.recurrentActivation !== getActivation('sigmoid') ||
      !be().hasFusedLstmSequence(this.dtype)
    ) {
      return null;
    }
    const x = this.checkSequence(sequence);
    const masks = this.sampleMasks(x.shape[0]!, training);
    const xProj = this.projectInputs(x, masks.input, this.bias);
    const [h0, c0] = states as [Tensor, Tensor];
    const r = lstmSequence(xProj, this.recurrentKernel!, h0, c0, {
      goBackwards,
      mask,
      zeroOutputForMask,
    });
    return { sequence: r.sequence, last: r.last, states: [r.h, r.c] };
  }

  override argsConfig(): Config {
    return {
      ...super.argsConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation),
      unitForgetBias: this.unitForgetBias,
    };
  }
}

registerSerializable('layer', LSTMCell);

/** Options of {@link LSTM}: the cell's options and the RNN flags. */
export interface LSTMArgs extends LSTMCellArgs, RNNBaseArgs {}

/**
 * Long short-term memory layer (Keras's `LSTM`): an {@link RNN} over an {@link LSTMCell}.
 * Weights (`kernel`, `recurrent_kernel`, `bias`) live in the cell, named
 * `<layer>/lstm_cell/…`; `setWeights` takes them in that order with Keras's layout.
 *
 * Formula: per step `i, f, o = σ(·)`, `c_t = f ⊙ c_{t−1} + i ⊙ tanh(z_c)`,
 * `h_t = o ⊙ tanh(c_t)` (see {@link LSTMCell}); `h_0 = c_0 = 0` unless given.
 *
 * Shape: `[batch, time, features]` → `[batch, units]` (or `[batch, time, units]` with
 * `returnSequences`); with `returnState` a list `[output, h, c]` (call with `applyMulti`).
 * @example
 * const lstm = new LSTM({ units: 4, returnState: true });
 * const [y, h, c] = lstm.applyMulti(zeros([32, 10, 8])); // each [32, 4]
 */
export class LSTM extends RNN {
  static override readonly className: string = 'LSTM';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { units: 1 };
  declare readonly cell: LSTMCell;

  // biome-ignore lint/complexity/noUselessConstructor: it types the options as LSTMArgs.
  constructor(args: LSTMArgs) {
    super(args);
  }

  protected override makeCell(args: LSTMArgs): RNNCell {
    return new LSTMCell({
      ...args,
      name: `${this.name}/lstm_cell`,
      inputShape: undefined,
      batchInputShape: undefined,
      batchSize: undefined,
    });
  }

  /** Number of units. */
  get units(): number {
    return this.cell.units;
  }

  override getConfig(): Config {
    const { cell: _cell, ...base } = super.getConfig();
    return { ...base, ...this.cell.argsConfig() };
  }
}

registerSerializable('layer', LSTM);
