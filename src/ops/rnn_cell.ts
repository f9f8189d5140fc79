import { record } from '../autograd/tape.js';
/**
 * Fused recurrent-cell arithmetic: the element-wise part of an LSTM step as one backend kernel
 * and one gradient node instead of about fifteen small ops (each with its dispatch, allocation
 * and tape entry), which is what dominates recurrent training on small batches.
 */
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { slice } from './movement.js';
import { be, wrap } from './util.js';

/**
 * One GRU step's gates with Keras 3's defaults (`resetAfter: true`, sigmoid gates, tanh
 * candidate), gate order z, r, h.
 *
 * `z = σ(x_z + r_z)`, `ρ = σ(x_r + r_r)`, `ĥ = tanh(x_h + ρ ⊙ r_h)`, `h' = ĥ + z ⊙ (h − ĥ)`,
 * where `x` is the input projection and `r` the recurrent one (`h·U + b_r`).
 *
 * Shape: `x`, `r` `[batch, 3·units]`, `h` `[batch, units]` → `h'` `[batch, units]`.
 * @example
 * const h2 = gruGates(xProj, h.matmul(recurrentKernel).add(recurrentBias), h);
 */
export function gruGates(x: Tensor, r: Tensor, h: Tensor): Tensor {
  const op = 'gruGates';
  if (
    x.rank !== 2 ||
    r.rank !== 2 ||
    h.rank !== 2 ||
    x.shape[1] !== 3 * h.shape[1]! ||
    r.shape[1] !== x.shape[1] ||
    x.shape[0] !== h.shape[0] ||
    r.shape[0] !== h.shape[0]
  ) {
    throw new ShapeError(
      `${op}: expected x and r [batch, 3·units] and h [batch, units], got x ${fmtShape(x.shape)}, r ${fmtShape(r.shape)} and h ${fmtShape(h.shape)}`,
    );
  }
  if (!isFloat(x.dtype) || x.dtype !== r.dtype || x.dtype !== h.dtype) {
    throw new DTypeError(
      `${op}: x, r and h must share a float dtype, got ${x.dtype}, ${r.dtype} and ${h.dtype}`,
    );
  }
  const b = be();
  const [batch, units] = h.shape as [number, number];
  const dt = x.dtype;
  const y = wrap(
    b,
    b.gruCell(x.handleOn(b), r.handleOn(b), h.handleOn(b), batch, units, dt),
    [batch, units],
    dt,
  );
  return record(op, [x, r, h], y, (dy) => {
    const [dx, dr, dh] = b.gruCellGrad(
      x.handleOn(b),
      r.handleOn(b),
      h.handleOn(b),
      dy.handleOn(b),
      batch,
      units,
      dt,
    );
    return [
      x.requiresGrad ? wrap(b, dx, x.shape, dt) : null,
      r.requiresGrad ? wrap(b, dr, r.shape, dt) : null,
      h.requiresGrad ? wrap(b, dh, h.shape, dt) : null,
    ];
  });
}

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
    throw new DTypeError(`${op}: z and c must share a float dtype, got ${z.dtype} and ${c.dtype}`);
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
