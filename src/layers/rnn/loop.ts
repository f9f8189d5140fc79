/**
 * The step-by-step loop of a recurrent cell over a sequence, shared by the `RNN` layer and by
 * `StackedRNNCells` (which runs its cells one after the other over the whole sequence).
 */
import { zerosLike } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RNNCell } from './cell.js';

/** What {@link unrollCell} returns: outputs in processing order, and the final states. */
export interface UnrolledRun {
  /** Every step's output in processing order, or only the last one (without `allOutputs`). */
  outputs: Tensor[];
  /** The final states. */
  states: Tensor[];
}

/**
 * Runs `cell` step by step over `x` `[batch, time, ...features]` from `initial`, as Keras 3's
 * backend `rnn`: at a masked step (per-step `[batch, 1]` bool `masks`) the states keep their
 * previous values and the output repeats the previous output (zeros before the first step), or
 * is zeros with `zeroOutputForMask`.
 *
 * Formula: `s_t = mask_t ? cell(x_t, s_{t−1}).states : s_{t−1}`.
 *
 * Shape: `x` `[batch, time, ...]`, masks `time × [batch, 1]` → outputs `[batch, ...out]` each.
 * @example
 * const { outputs, states } = unrollCell(new LSTMCell({ units: 2 }), x, [h0, c0], null, false, false, false, true);
 */
export function unrollCell(
  cell: RNNCell,
  x: Tensor,
  initial: readonly Tensor[],
  masks: readonly Tensor[] | null,
  training: boolean,
  goBackwards: boolean,
  zeroOutputForMask: boolean,
  allOutputs: boolean,
): UnrolledRun {
  const steps = x.shape[1]!;
  let states = [...initial];
  const step = cell.beginSequence(x, training);
  let prev: Tensor | null = null; // previous output (zeros before the first step)
  const outputs: Tensor[] = [];
  for (let k = 0; k < steps; k++) {
    const t = goBackwards ? steps - 1 - k : k;
    const r = step(t, states);
    let out = r.output;
    let next = r.states;
    if (masks) {
      // Masked samples keep their states, and repeat the previous output (or give zeros).
      const keep = fitMask(masks[t]!, out);
      out = where(keep, out, zeroOutputForMask ? 0 : (prev ?? zerosLike(out)));
      next = next.map((s, i) => where(fitMask(masks[t]!, s), s, states[i]!));
    }
    states = next;
    prev = out;
    if (allOutputs || k === steps - 1) outputs.push(out);
  }
  return { outputs, states };
}

/** A `[batch, 1]` step mask reshaped to broadcast against `t` (`[batch, 1, …, 1]`). */
function fitMask(m: Tensor, t: Tensor): Tensor {
  return t.rank <= 2 ? m : m.reshape([m.shape[0]!, ...new Array<number>(t.rank - 1).fill(1)]);
}

/** A whole-sequence run by a cell: the output sequence, the last output, and the final states. */
export interface SequenceRun {
  /** Every step's output `[batch, time, out]`, in processing order. */
  sequence: Tensor;
  /** The last step's output `[batch, out]`. */
  last: Tensor;
  /** The final states. */
  states: Tensor[];
}

/**
 * A cell that can run a whole sequence, masked or not, in one fused op (LSTMCell and GRUCell
 * with Keras's default activations on a backend with a sequence kernel); `runSequence` returns
 * null when it cannot here, and the RNN then unrolls the cell step by step.
 */
export interface SequenceCell {
  runSequence(
    sequence: Tensor,
    states: readonly Tensor[],
    training: boolean,
    goBackwards: boolean,
    mask?: Tensor | null,
    zeroOutputForMask?: boolean,
  ): SequenceRun | null;
}

/** The cell's {@link SequenceCell} side, when it has one. */
export function sequenceCell(cell: RNNCell): SequenceCell | null {
  const c = cell as Partial<SequenceCell>;
  return typeof c.runSequence === 'function' ? (c as SequenceCell) : null;
}
