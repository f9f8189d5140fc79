/**
 * Whole LSTM and GRU sequences as one op each: one backend call for the forward over every timestep and one
 * for backpropagation through time, instead of ~6 ops per step forward and ~12 backward (each a
 * dispatch, an allocation and a tape entry around a tiny GEMM). The input projection `x·W + b`
 * stays outside (one big matmul whose autograd gives dW and db).
 */
import { isGradEnabled, record } from '../autograd/tape.js';
import type { DataHandle } from '../backend/backend.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { zeros, zerosLike } from './creation.js';
import { be, wrap } from './util.js';

/** Options of {@link lstmSequence}. */
export interface LstmSequenceOptions {
  /** Process the time axis backwards; outputs stay in processing order, as Keras's (default false). */
  goBackwards?: boolean;
  /**
   * Keras masking: `[batch, steps]` (bool, or nonzero = keep). A masked step keeps the states
   * and outputs the previous output (zeros before the first step). Not differentiated.
   */
  mask?: Tensor | null;
  /** With a mask, masked steps output zeros instead (Keras's `zero_output_for_mask`). */
  zeroOutputForMask?: boolean;
}

/** The mask of a sequence op as bool `[batch, steps]`, or a ShapeError naming the op. */
function sequenceMask(
  op: string,
  mask: Tensor | null | undefined,
  B: number,
  T: number,
): Tensor | null {
  if (!mask) return null;
  if (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T) {
    throw new ShapeError(
      `${op}: mask must have shape [${B}, ${T}] (batch, steps), got ${fmtShape(mask.shape)}`,
    );
  }
  return mask.dtype === 'bool' ? mask.detach() : mask.detach().cast('bool');
}

/** The last step's output: the final h without a mask, else the sequence's last row. */
function lastOutput(sequence: Tensor, h: Tensor, masked: boolean): Tensor {
  if (!masked) return h;
  const [B, T, u] = sequence.shape as [number, number, number];
  return sequence.slice([0, T - 1, 0], [B, 1, u]).reshape([B, u]);
}

/** The outputs of {@link lstmSequence}. */
export interface LstmSequenceOutputs {
  /** The output after every step, `[batch, steps, units]`, in processing order (h unless masked). */
  sequence: Tensor;
  /** The last step's output, `[batch, units]` (the final h unless masked). */
  last: Tensor;
  /** The final h, `[batch, units]`. */
  h: Tensor;
  /** The final cell state, `[batch, units]`. */
  c: Tensor;
}

/**
 * An LSTM over a whole sequence with Keras's default activations (sigmoid gates, tanh cell),
 * gate order i, f, c, o, from the projected inputs.
 *
 * Formula: for each step, `z = xProj_t + h_{t−1}·U`; `i, f, o = σ(z_i), σ(z_f), σ(z_o)`;
 * `c_t = f ⊙ c_{t−1} + i ⊙ tanh(z_c)`; `h_t = o ⊙ tanh(c_t)`.
 *
 * Shape: `xProj` `[batch, steps, 4·units]` (`x·kernel + bias`), `recurrentKernel`
 * `[units, 4·units]`, `h0`, `c0` `[batch, units]` → `sequence` `[batch, steps, units]`, `h`, `c`
 * `[batch, units]`.
 * @example
 * const { sequence, h, c } = lstmSequence(x.matmul(kernel).add(bias), recurrentKernel, h0, c0);
 */
export function lstmSequence(
  xProj: Tensor,
  recurrentKernel: Tensor,
  h0: Tensor,
  c0: Tensor,
  opts: LstmSequenceOptions = {},
): LstmSequenceOutputs {
  const op = 'lstmSequence';
  const [B, T, g] = xProj.shape as number[];
  const u = recurrentKernel.shape[0]!;
  const sq = (t: Tensor) => t.rank === 2 && t.shape[0] === B && t.shape[1] === u;
  if (
    xProj.rank !== 3 ||
    recurrentKernel.rank !== 2 ||
    recurrentKernel.shape[1] !== 4 * u ||
    g !== 4 * u ||
    u === 0 ||
    T === 0 ||
    B === 0 ||
    !sq(h0) ||
    !sq(c0)
  ) {
    throw new ShapeError(
      `${op}: expected xProj [batch, steps, 4·units] (batch and steps > 0), recurrentKernel [units, 4·units] and h0, c0 [batch, units], got xProj ${fmtShape(xProj.shape)}, recurrentKernel ${fmtShape(recurrentKernel.shape)}, h0 ${fmtShape(h0.shape)} and c0 ${fmtShape(c0.shape)}`,
    );
  }
  const dt = xProj.dtype;
  if (!isFloat(dt) || [recurrentKernel, h0, c0].some((t) => t.dtype !== dt)) {
    throw new DTypeError(
      `${op}: xProj, recurrentKernel, h0 and c0 must share a float dtype, got ${xProj.dtype}, ${recurrentKernel.dtype}, ${h0.dtype} and ${c0.dtype}`,
    );
  }
  const b = be();
  const mask = sequenceMask(op, opts.mask, B!, T!);
  const args = {
    batch: B!,
    steps: T!,
    units: u,
    goBackwards: opts.goBackwards === true,
    zeroOutputForMask: opts.zeroOutputForMask === true,
  };
  const inputs = [xProj, recurrentKernel, h0, c0];
  const res = b.lstmSequence(
    xProj.handleOn(b),
    recurrentKernel.handleOn(b),
    h0.handleOn(b),
    c0.handleOn(b),
    args,
    dt,
    mask ? mask.handleOn(b) : null,
  );
  const outs = [
    wrap(b, res.h, [B!, T!, u], dt),
    wrap(b, res.hLast, [B!, u], dt),
    wrap(b, res.cLast, [B!, u], dt),
  ] as const;
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) {
    return {
      sequence: outs[0],
      h: outs[1],
      c: outs[2],
      last: lastOutput(outs[0], outs[1], !!mask),
    };
  }
  // Three outputs, one backward: each output's node stores its gradient and passes a zero to a
  // one-element sink that depends on the inputs; the sink's backward (run after all of them,
  // by topological order) does the whole BPTT once. Outputs without a gradient count as zeros.
  const grads: (Tensor | null)[] = [null, null, null];
  const sink = record(op, inputs, zeros([1], dt), () => {
    const hd = (t: Tensor | null): DataHandle | null => (t ? t.handleOn(b) : null);
    const [dx, dU, dh0, dc0] = b.lstmSequenceGrad(
      res.saved,
      hd(grads[0] ?? null),
      hd(grads[1] ?? null),
      hd(grads[2] ?? null),
      args,
      dt,
    );
    grads.fill(null);
    return [
      xProj.requiresGrad ? wrap(b, dx, xProj.shape, dt) : null,
      recurrentKernel.requiresGrad ? wrap(b, dU, recurrentKernel.shape, dt) : null,
      h0.requiresGrad ? wrap(b, dh0, h0.shape, dt) : null,
      c0.requiresGrad ? wrap(b, dc0, c0.shape, dt) : null,
    ];
  });
  const [sequence, h, c] = outs.map((t, i) =>
    record(`${op}.output`, [sink], t, (dy) => {
      grads[i] = dy;
      return [zerosLike(sink)];
    }),
  ) as [Tensor, Tensor, Tensor];
  return { sequence, h, c, last: lastOutput(sequence, h, !!mask) };
}

/** Options of {@link gruSequence}. */
export type GruSequenceOptions = LstmSequenceOptions;

/** The outputs of {@link gruSequence}. */
export interface GruSequenceOutputs {
  /** The output after every step, `[batch, steps, units]`, in processing order (h unless masked). */
  sequence: Tensor;
  /** The last step's output, `[batch, units]` (the final h unless masked). */
  last: Tensor;
  /** The final h, `[batch, units]`. */
  h: Tensor;
}

/**
 * A GRU over a whole sequence with Keras 3's defaults (`resetAfter`, sigmoid gates, tanh
 * candidate), gate order z, r, h, from the projected inputs: one backend call forward and one
 * for backpropagation through time.
 *
 * Formula: for each step, `rp = h_{t−1}·U + bRec`; `z = σ(x_z + rp_z)`, `r = σ(x_r + rp_r)`;
 * `ĥ = tanh(x_h + r ⊙ rp_h)`; `h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ`.
 *
 * Shape: `xProj` `[batch, steps, 3·units]` (`x·kernel + inputBias`), `recurrentKernel`
 * `[units, 3·units]`, `recurrentBias` `[3·units]` or null, `h0` `[batch, units]` → `sequence`
 * `[batch, steps, units]`, `h` `[batch, units]`.
 * @example
 * const { sequence, h } = gruSequence(x.matmul(kernel).add(inBias), recurrentKernel, recBias, h0);
 */
export function gruSequence(
  xProj: Tensor,
  recurrentKernel: Tensor,
  recurrentBias: Tensor | null,
  h0: Tensor,
  opts: GruSequenceOptions = {},
): GruSequenceOutputs {
  const op = 'gruSequence';
  const [B, T, g] = xProj.shape as number[];
  const u = recurrentKernel.shape[0]!;
  if (
    xProj.rank !== 3 ||
    recurrentKernel.rank !== 2 ||
    recurrentKernel.shape[1] !== 3 * u ||
    g !== 3 * u ||
    u === 0 ||
    T === 0 ||
    B === 0 ||
    h0.rank !== 2 ||
    h0.shape[0] !== B ||
    h0.shape[1] !== u ||
    (recurrentBias !== null && (recurrentBias.rank !== 1 || recurrentBias.shape[0] !== 3 * u))
  ) {
    throw new ShapeError(
      `${op}: expected xProj [batch, steps, 3·units] (batch and steps > 0), recurrentKernel [units, 3·units], recurrentBias [3·units] or null and h0 [batch, units], got xProj ${fmtShape(xProj.shape)}, recurrentKernel ${fmtShape(recurrentKernel.shape)}, recurrentBias ${recurrentBias ? fmtShape(recurrentBias.shape) : 'null'} and h0 ${fmtShape(h0.shape)}`,
    );
  }
  const dt = xProj.dtype;
  const all = recurrentBias ? [recurrentKernel, recurrentBias, h0] : [recurrentKernel, h0];
  if (!isFloat(dt) || all.some((t) => t.dtype !== dt)) {
    throw new DTypeError(
      `${op}: xProj, recurrentKernel, recurrentBias and h0 must share a float dtype, got ${[xProj, ...all].map((t) => t.dtype).join(', ')}`,
    );
  }
  const b = be();
  const mask = sequenceMask(op, opts.mask, B!, T!);
  const args = {
    batch: B!,
    steps: T!,
    units: u,
    goBackwards: opts.goBackwards === true,
    zeroOutputForMask: opts.zeroOutputForMask === true,
  };
  const res = b.gruSequence(
    xProj.handleOn(b),
    recurrentKernel.handleOn(b),
    recurrentBias ? recurrentBias.handleOn(b) : null,
    h0.handleOn(b),
    args,
    dt,
    mask ? mask.handleOn(b) : null,
  );
  const outs = [wrap(b, res.h, [B!, T!, u], dt), wrap(b, res.hLast, [B!, u], dt)] as const;
  const inputs = [xProj, ...all];
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) {
    return { sequence: outs[0], h: outs[1], last: lastOutput(outs[0], outs[1], !!mask) };
  }
  // As in lstmSequence: each output's node stores its gradient, and a one-element sink that
  // depends on the inputs runs the whole BPTT once, after both.
  const grads: (Tensor | null)[] = [null, null];
  const sink = record(op, inputs, zeros([1], dt), () => {
    const hd = (t: Tensor | null): DataHandle | null => (t ? t.handleOn(b) : null);
    const [dx, dU, dbRec, dh0] = b.gruSequenceGrad(
      res.saved,
      hd(grads[0] ?? null),
      hd(grads[1] ?? null),
      args,
      dt,
    );
    grads.fill(null);
    const out = [
      xProj.requiresGrad ? wrap(b, dx, xProj.shape, dt) : null,
      recurrentKernel.requiresGrad ? wrap(b, dU, recurrentKernel.shape, dt) : null,
    ];
    if (recurrentBias) out.push(recurrentBias.requiresGrad ? wrap(b, dbRec, [3 * u], dt) : null);
    out.push(h0.requiresGrad ? wrap(b, dh0, h0.shape, dt) : null);
    return out;
  });
  const [sequence, h] = outs.map((t, i) =>
    record(`${op}.output`, [sink], t, (dy) => {
      grads[i] = dy;
      return [zerosLike(sink)];
    }),
  ) as [Tensor, Tensor];
  return { sequence, h, last: lastOutput(sequence, h, !!mask) };
}
