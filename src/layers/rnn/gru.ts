/** `GRUCell` and `GRU`: the gated recurrent unit (Cho et al. 2014), as Keras 3's. */
import {
  type ActivationFn,
  type ActivationIdentifier,
  getActivation,
  serializeActivation,
} from '../../activations.js';
import { split } from '../../ops/movement.js';
import { gruGates } from '../../ops/rnn_cell.js';
import { gruSequence } from '../../ops/rnn_sequence.js';
import { be } from '../../ops/util.js';
import { type Config, registerSerializable } from '../../serialization.js';
import type { Tensor } from '../../tensor/tensor.js';
import { BaseRNNCell, type BaseRNNCellArgs, type RNNCell, type RNNStep } from './cell.js';
import { unstackTime } from './cell_util.js';
import type { SequenceCell, SequenceRun } from './loop.js';
import { RNN, type RNNBaseArgs } from './rnn.js';

/** Options of {@link GRUCell}. */
export interface GRUCellArgs extends BaseRNNCellArgs {
  /** Activation of the update and reset gates (default `'sigmoid'`). */
  recurrentActivation?: ActivationIdentifier;
  /**
   * Apply the reset gate after the recurrent matmul (default true: Keras 3's and cuDNN's
   * convention, with separate input and recurrent biases, bias shape `[2, 3·units]`). False
   * gives the original ("v1") GRU, bias `[3·units]` (TensorFlow.js's GRU).
   */
  resetAfter?: boolean;
}

/**
 * One GRU step (Keras's `GRUCell`), gates in Keras's order z (update), r (reset), h
 * (candidate) along the last axis of `kernel` and `recurrent_kernel`.
 *
 * Formula: `x_z, x_r, x_h = x_t·kernel + b_in`;
 * with `resetAfter` (default): `r_z, r_r, r_h = h_{t−1}·recurrent_kernel + b_rec`,
 * `z = σ(x_z + r_z)`, `r = σ(x_r + r_r)`, `ĥ = tanh(x_h + r ⊙ r_h)`;
 * without: `z = σ(x_z + h_{t−1}·U_z)`, `r = σ(x_r + h_{t−1}·U_r)`,
 * `ĥ = tanh(x_h + (r ⊙ h_{t−1})·U_h)`;
 * then `h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ`, output `h_t` (σ: `recurrentActivation`, tanh:
 * `activation`; `b_in`, `b_rec` are the rows of the `[2, 3·units]` bias).
 *
 * Shape: `[[batch, inputDim], [batch, units]]` → `[[batch, units], [batch, units]]`; kernel
 * `[inputDim, 3·units]`, recurrent_kernel `[units, 3·units]`, bias `[2, 3·units]` (or
 * `[3·units]` with `resetAfter: false`).
 * @example
 * const cell = new GRUCell({ units: 4 });
 * const [y, h] = cell.applyMulti([zeros([2, 3]), zeros([2, 4])]);
 */
export class GRUCell extends BaseRNNCell implements SequenceCell {
  static override readonly className: string = 'GRUCell';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { units: 1 };
  readonly stateSize: readonly number[];
  readonly recurrentActivation: ActivationFn;
  readonly resetAfter: boolean;
  protected readonly gates = 3;

  constructor(args: GRUCellArgs) {
    super(args);
    this.stateSize = [this.units];
    this.recurrentActivation = getActivation(
      args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation,
    );
    this.resetAfter = args.resetAfter ?? true;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  /** The input and recurrent halves of a `resetAfter` bias `[2, 3·units]` (null without bias). */
  private splitBias(): [Tensor | null, Tensor | null] {
    if (!this.bias) return [null, null];
    if (!this.resetAfter) return [this.bias, null];
    const g = 3 * this.units;
    return [
      this.bias.slice([0, 0], [1, g]).reshape([g]),
      this.bias.slice([1, 0], [1, g]).reshape([g]),
    ];
  }

  /**
   * The whole sequence as one fused op ({@link gruSequence}) when the backend has a sequence
   * kernel for this dtype, the cell is Keras 3's default (`resetAfter`, tanh and sigmoid) and
   * there is no recurrent dropout at this call; null otherwise (the RNN then unrolls
   * {@link beginSequence}). Input dropout draws the same masks as the unrolled path; a
   * sequence mask (Keras masking) runs fused too, with the RNN's `zeroOutputForMask`.
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
      !this.resetAfter ||
      this.activation !== getActivation('tanh') ||
      this.recurrentActivation !== getActivation('sigmoid') ||
      !be().hasFusedGruSequence(this.dtype)
    ) {
      return null;
    }
    const x = this.checkSequence(sequence);
    const masks = this.sampleMasks(x.shape[0]!, training);
    const [inBias, recBias] = this.splitBias();
    const xProj = this.projectInputs(x, masks.input, inBias);
    const r = gruSequence(xProj, this.recurrentKernel!, recBias, states[0]!, {
      goBackwards,
      mask,
      zeroOutputForMask,
    });
    return { sequence: r.sequence, last: r.last, states: [r.h] };
  }

  override beginSequence(sequence: Tensor, training: boolean): RNNStep {
    const x = this.checkSequence(sequence);
    const u = this.units;
    const masks = this.sampleMasks(x.shape[0]!, training);
    const [inBias, recBias] = this.splitBias();
    const xs = unstackTime(this.projectInputs(x, masks.input, inBias));
    const rk = this.recurrentKernel!;
    const rm = masks.recurrent; // one mask per gate when present (recurrentDropout ≠ 0)
    // Per-gate blocks, only where the step needs them.
    const [uz, ur, uh] = (rm || !this.resetAfter ? split(rk, 3, 1) : []) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    const uzr = this.resetAfter ? null : rk.slice([0, 0], [u, 2 * u]);
    const [bz, br, bh] = (rm && recBias ? split(recBias, 3, 0) : []) as [Tensor?, Tensor?, Tensor?];
    const act = this.activation;
    const ract = this.recurrentActivation;
    const resetAfter = this.resetAfter;
    // Keras 3's defaults have a fused kernel: one op per step instead of about ten.
    const fused = resetAfter && act === getActivation('tanh') && ract === getActivation('sigmoid');
    return (t, states) => {
      const h = states[0]!;
      const [xz, xr, xh] = split(xs[t]!, 3, 1) as [Tensor, Tensor, Tensor];
      let rz: Tensor;
      let rr: Tensor;
      let hh: Tensor;
      if (rm) {
        // Keras 3's implementation 1: each gate sees its own masked state.
        const [hz, hr, hc] = [h.mul(rm[0]!), h.mul(rm[1]!), h.mul(rm[2]!)];
        rz = hz.matmul(uz);
        rr = hr.matmul(ur);
        if (bz) rz = rz.add(bz);
        if (br) rr = rr.add(br);
        const z = ract(xz.add(rz));
        const r = ract(xr.add(rr));
        if (resetAfter) {
          let rh = hc.matmul(uh);
          if (bh) rh = rh.add(bh);
          hh = act(xh.add(r.mul(rh)));
        } else hh = act(xh.add(r.mul(hc).matmul(uh)));
        const y = hh.add(z.mul(h.sub(hh)));
        return { output: y, states: [y] };
      }
      let z: Tensor;
      let r: Tensor;
      if (fused) {
        let inner = h.matmul(rk);
        if (recBias) inner = inner.add(recBias);
        const y = gruGates(xs[t]!, inner, h);
        return { output: y, states: [y] };
      }
      if (resetAfter) {
        let inner = h.matmul(rk);
        if (recBias) inner = inner.add(recBias);
        const [iz, ir, ih] = split(inner, 3, 1) as [Tensor, Tensor, Tensor];
        z = ract(xz.add(iz));
        r = ract(xr.add(ir));
        hh = act(xh.add(r.mul(ih)));
      } else {
        const [iz, ir] = split(h.matmul(uzr!), 2, 1) as [Tensor, Tensor];
        z = ract(xz.add(iz));
        r = ract(xr.add(ir));
        hh = act(xh.add(r.mul(h).matmul(uh)));
      }
      // z ⊙ h + (1 − z) ⊙ ĥ, written as ĥ + z ⊙ (h − ĥ).
      const y = hh.add(z.mul(h.sub(hh)));
      return { output: y, states: [y] };
    };
  }

  override argsConfig(): Config {
    return {
      ...super.argsConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation),
      resetAfter: this.resetAfter,
    };
  }
}

registerSerializable('layer', GRUCell);

/** Options of {@link GRU}: the cell's options and the RNN flags. */
export interface GRUArgs extends GRUCellArgs, RNNBaseArgs {}

/**
 * Gated recurrent unit layer (Keras's `GRU`): an {@link RNN} over a {@link GRUCell}. Keras 3's
 * default is `resetAfter: true` (bias `[2, 3·units]`); `resetAfter: false` is the original
 * variant that TensorFlow.js implements. Weights live in the cell, named `<layer>/gru_cell/…`.
 *
 * Formula: `h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ` with update gate `z`, reset gate `r` and
 * candidate `ĥ` as in {@link GRUCell}; `h_0 = 0` unless given.
 *
 * Shape: `[batch, time, features]` → `[batch, units]` (or `[batch, time, units]` with
 * `returnSequences`; with `returnState` also the final state `[batch, units]`).
 * @example
 * const gru = new GRU({ units: 4, returnSequences: true });
 * gru.apply(zeros([32, 10, 8])).shape; // [32, 10, 4]
 */
export class GRU extends RNN {
  static override readonly className: string = 'GRU';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { units: 1 };
  declare readonly cell: GRUCell;

  // biome-ignore lint/complexity/noUselessConstructor: it types the options as GRUArgs.
  constructor(args: GRUArgs) {
    super(args);
  }

  protected override makeCell(args: GRUArgs): RNNCell {
    return new GRUCell({
      ...args,
      name: `${this.name}/gru_cell`,
      inputShape: undefined,
      batchInputShape: undefined,
      batchSize: undefined,
    });
  }

  /** Number of units. */
  get units(): number {
    return this.cell.units;
  }

  /** Whether the reset gate is applied after the recurrent matmul. */
  get resetAfter(): boolean {
    return this.cell.resetAfter;
  }

  override getConfig(): Config {
    const { cell: _cell, ...base } = super.getConfig();
    return { ...base, ...this.cell.argsConfig() };
  }
}

registerSerializable('layer', GRU);
