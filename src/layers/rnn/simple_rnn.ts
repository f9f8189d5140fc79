/** `SimpleRNNCell` and `SimpleRNN`: the fully connected recurrent layer, as Keras 3's. */
import { type Config, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { BaseRNNCell, type BaseRNNCellArgs, type RNNCell, type RNNStep } from './cell.js';
import { unstackTime } from './cell_util.js';
import { RNN, type RNNBaseArgs } from './rnn.js';

/** Options of {@link SimpleRNNCell}. */
export interface SimpleRNNCellArgs extends BaseRNNCellArgs {}

/**
 * One step of a fully connected RNN (Keras's `SimpleRNNCell`).
 *
 * Formula: `h_t = activation((x_t ⊙ m) · kernel + bias + (h_{t−1} ⊙ m_r) · recurrent_kernel)`,
 * output `h_t`; `m`, `m_r` are the dropout masks (training only, ones otherwise).
 *
 * Shape: `[[batch, inputDim], [batch, units]]` → `[[batch, units], [batch, units]]`; kernel
 * `[inputDim, units]`, recurrent_kernel `[units, units]`, bias `[units]`.
 * @example
 * const cell = new SimpleRNNCell({ units: 4 });
 * const [y, h] = cell.applyMulti([zeros([2, 3]), zeros([2, 4])]); // y === h, shape [2, 4]
 */
export class SimpleRNNCell extends BaseRNNCell {
  static override readonly className: string = 'SimpleRNNCell';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { units: 1 };
  readonly stateSize: readonly number[];
  protected readonly gates = 1;

  constructor(args: SimpleRNNCellArgs) {
    super(args);
    this.stateSize = [this.units];
  }

  /** Keras draws one mask per kind whatever `recurrentDropout` is. */
  protected override maskCount(): number {
    return 1;
  }

  override beginSequence(sequence: Tensor, training: boolean): RNNStep {
    const x = this.checkSequence(sequence);
    const masks = this.sampleMasks(x.shape[0]!, training);
    const xs = unstackTime(this.projectInputs(x, masks.input, this.bias));
    const r = this.recurrentKernel!;
    const rm = masks.recurrent?.[0] ?? null;
    const act = this.activation;
    return (t, states) => {
      const h = states[0]!;
      const y = act(xs[t]!.add((rm ? h.mul(rm) : h).matmul(r)));
      return { output: y, states: [y] };
    };
  }
}

registerSerializable('layer', SimpleRNNCell);

/** Options of {@link SimpleRNN}: the cell's options and the RNN flags. */
export interface SimpleRNNArgs extends SimpleRNNCellArgs, RNNBaseArgs {}

/**
 * Fully connected RNN whose output is fed back as its state (Keras's `SimpleRNN`): an
 * {@link RNN} over a {@link SimpleRNNCell}. Weights (`kernel`, `recurrent_kernel`, `bias`) live
 * in the cell, named `<layer>/simple_rnn_cell/…`.
 *
 * Formula: `h_t = tanh(x_t · kernel + h_{t−1} · recurrent_kernel + bias)`, `h_0 = 0`.
 *
 * Shape: `[batch, time, features]` → `[batch, units]` (or `[batch, time, units]` with
 * `returnSequences`; with `returnState` also the final state `[batch, units]`).
 * @example
 * const rnn = new SimpleRNN({ units: 4, returnSequences: true });
 * rnn.apply(zeros([32, 10, 8])).shape; // [32, 10, 4]
 */
export class SimpleRNN extends RNN {
  static override readonly className: string = 'SimpleRNN';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { units: 1 };
  declare readonly cell: SimpleRNNCell;

  // biome-ignore lint/complexity/noUselessConstructor: it types the options as SimpleRNNArgs.
  constructor(args: SimpleRNNArgs) {
    super(args);
  }

  protected override makeCell(args: SimpleRNNArgs): RNNCell {
    return new SimpleRNNCell({
      ...args,
      name: `${this.name}/simple_rnn_cell`,
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

registerSerializable('layer', SimpleRNN);
