import { record } from '../autograd/tape.js';
/**
 * Fused recurrent-cell arithmetic: the element-wise part of an LSTM step as one backend kernel
 * and one gradient node instead of about fifteen small ops (each with its dispatch, allocation
 * and tape entry), which is what dominates recurrent training on small batches.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { slice } from './movement.js';
import { be, wrap } from './util.js';

/**
 * One LSTM step's gates with sigmoid gates and a tanh cell (Keras's defaults), in Keras's gate
 * order i, f, c, o.
 *
 * `i, f, o = σ(z_i), σ(z_f), σ(z_o)`; `c' = f ⊙ c + i ⊙ tanh(z_c)`; `h' = o ⊙ tanh(c')`.
 *
 * Shape: `z` `[batch, 4·units]`, `c` `[batch, units]` → `[h', c']`, each `[batch, units]`.
 * @example
 * const [h, c] = lstmGates(x.matmul(kernel).add(hPrev.matmul(recurrent)).add(bias), cPrev);
 */
export function lstmGates(z: Tensor, c: Tensor): [Tensor, Tensor] {
  const op = 'lstmGates';
  if (z.rank !== 2 || c.rank !== 2 || z.shape[1] !== 4 * c.shape[1]! || z.shape[0] !== c.shape[0]) {
    throw new ShapeError(
      `${op}: expected z [batch, 4·units] and c [batch, units], got z ${fmtShape(z.shape)} and c ${fmtShape(c.shape)}`,
    );
  }
  if (!isFloat(z.dtype) || z.dtype !== c.dtype) {
    throw new ShapeError(`${op}: z and c must share a float dtype, got ${z.dtype} and ${c.dtype}`);
  }
  const b = be();
  const [batch, units] = c.shape as [number, number];
  const dt = z.dtype;
  const hc = wrap(
    b,
    b.lstmCell(z.handleOn(b), c.handleOn(b), batch, units, dt),
    [batch, 2 * units],
    dt,
  );
  const out = record(op, [z, c], hc, (dhc) => {
    const [dz, dc] = b.lstmCellGrad(
      z.handleOn(b),
      c.handleOn(b),
      hc.handleOn(b),
      dhc.handleOn(b),
      batch,
      units,
      dt,
    );
    return [wrap(b, dz, z.shape, dt), c.requiresGrad ? wrap(b, dc, c.shape, dt) : null];
  });
  return [slice(out, [0, 0], [batch, units]), slice(out, [0, units], [batch, units])];
}
