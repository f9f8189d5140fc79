/**
 * Fused optimizer steps: one backend kernel instead of a dozen tensor ops per variable, where
 * the backend has one (`Backend.adamStep`; the native backend does). The tensor formula in each
 * optimizer stays the definition and the fallback.
 */
import type { Variable } from '../autograd/variable.js';
import { stepNumber } from '../engine/params.js';
import { be, wrap } from '../ops/util.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Runs one plain RMSprop step (no momentum, not centered) through the current backend's fused
 * kernel, updating `variable` and `v`; returns false (changing nothing) when there is none.
 * A function `lr` is a step parameter: a compiled step recomputes it at every replay.
 *
 * `v ← v·ρ + g²·(1 − ρ)`, `p ← p − g·lr/√(v + ε)`.
 *
 * Shape: all three tensors share the variable's shape.
 * @example
 * if (!fusedRmspropStep(w, g, v, 0.001, 0.9, 1e-7)) { ... tensor formula ... }
 */
export function fusedRmspropStep(
  variable: Variable,
  g: Tensor,
  v: Variable,
  lr: number | (() => number),
  rho: number,
  epsilon: number,
): boolean {
  const b = be();
  if (variable.dtype !== g.dtype || v.dtype !== variable.dtype) return false;
  const rate = typeof lr === 'number' ? lr : stepNumber('rmsprop.lr', lr);
  const out = b.rmspropStep(
    variable.handleOn(b),
    g.handleOn(b),
    v.handleOn(b),
    variable.size,
    { lr: rate, rho, epsilon },
    variable.dtype,
  );
  if (!out) return false;
  v.assign(wrap(b, out[1], v.shape, v.dtype));
  variable.assign(wrap(b, out[0], variable.shape, variable.dtype));
  return true;
}

/**
 * Runs one Adam step through the current backend's fused kernel, updating `variable`, `m` and
 * `v`; returns false (changing nothing) when the backend has none for this dtype/size.
 * A function `alpha` is a step parameter: a compiled step recomputes it at every replay.
 *
 * `m ← m + (g − m)(1 − β₁)`, `v ← v + (g² − v)(1 − β₂)`, `p ← p − α·m/(√v + ε)`.
 *
 * Shape: all four tensors share the variable's shape.
 * @example
 * if (!fusedAdamStep(w, g, m, v, alpha, 0.9, 0.999, 1e-7)) { ... tensor formula ... }
 */
export function fusedAdamStep(
  variable: Variable,
  g: Tensor,
  m: Variable,
  v: Variable,
  alpha: number | (() => number),
  beta1: number,
  beta2: number,
  epsilon: number,
): boolean {
  const b = be();
  if (variable.dtype !== g.dtype || m.dtype !== variable.dtype || v.dtype !== variable.dtype) {
    return false;
  }
  const step = typeof alpha === 'number' ? alpha : stepNumber('adam.alpha', alpha);
  const out = b.adamStep(
    variable.handleOn(b),
    g.handleOn(b),
    m.handleOn(b),
    v.handleOn(b),
    variable.size,
    { lr: step, beta1, beta2, epsilon },
    variable.dtype,
  );
  if (!out) return false;
  const [p2, m2, v2] = out;
  m.assign(wrap(b, m2, m.shape, m.dtype));
  v.assign(wrap(b, v2, v.shape, v.dtype));
  variable.assign(wrap(b, p2, variable.shape, variable.dtype));
  return true;
}
