/**
 * Numerical gradient checking. The analytic gradient of `Σ f(x)·dy`, for a random `dy`
 * (PyTorch's fast-mode vᵀJ), is compared with central differences computed in float64 on the
 * js reference backend, so float32 rounding never masks or fakes an error.
 */
import { expect } from 'vitest';
import { grads } from '../../src/autograd/grad.js';
import { noGrad } from '../../src/autograd/tape.js';
import { JsData } from '../../src/backend/cpu/index.js';
import { findBackend } from '../../src/backend/registry.js';
import { CompiledStep } from '../../src/engine/step.js';
import { Generator } from '../../src/ops/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

export interface GradCheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Seed of the random output gradient. */
  seed?: number;
}

function f64(values: Float64Array, shape: readonly number[]): Tensor {
  return new Tensor(new JsData(values), shape, 'float64', findBackend('js'));
}

/**
 * Checks the gradient of `fn` at `inputs` (nested arrays, typed arrays or tensors; converted to
 * float64 on the js backend). Fails the test naming the input and element whose analytic and
 * numerical gradients differ. Returns the analytic gradients.
 */
export function gradCheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: readonly (Tensor | { values: ArrayLike<number>; shape: readonly number[] })[],
  opts: GradCheckOptions = {},
): Tensor[] {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const base = inputs.map((x) =>
    x instanceof Tensor
      ? { values: Float64Array.from(x.dataSync()), shape: x.shape }
      : { values: Float64Array.from(x.values), shape: x.shape },
  );
  const xs = base.map((b) => f64(b.values.slice(), b.shape));
  const y0 = fn(...xs);
  expect(y0.dtype, 'gradCheck: fn must keep float64 (it computes in another dtype)').toBe(
    'float64',
  );
  const gen = new Generator(opts.seed ?? 1234);
  const dyVals = Float64Array.from({ length: y0.size }, () => gen.normal());
  const dy = f64(dyVals, y0.shape);
  const analytic = grads(fn)(xs, dy);
  compiledGradientsMatch(fn, xs, dy, analytic);
  const objective = (ts: Tensor[]) =>
    noGrad(() => {
      const y = fn(...ts).dataSync();
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * dyVals[i]!;
      return s;
    });
  base.forEach((b, i) => {
    const g = analytic[i]!.dataSync();
    expect(analytic[i]!.shape, `gradient shape of input ${i}`).toEqual([...b.shape]);
    for (let j = 0; j < b.values.length; j++) {
      const plus = b.values.slice();
      const minus = b.values.slice();
      plus[j]! += eps;
      minus[j]! -= eps;
      const args = (v: Float64Array) =>
        base.map((bb, k) => (k === i ? f64(v, bb.shape) : f64(bb.values.slice(), bb.shape)));
      const num = (objective(args(plus)) - objective(args(minus))) / (2 * eps);
      const an = g[j]!;
      if (!(Math.abs(an - num) <= atol + rtol * Math.abs(num))) {
        expect.fail(`gradCheck: input ${i}, element ${j}: analytic ${an} vs numerical ${num}`);
      }
    }
  });
  return analytic;
}

/**
 * The compiled path of the same gradients: `grads(fn)` as a compiled step (traced on two
 * calls, replayed from the third) must give exactly the eager gradients. Steps that cannot be
 * compiled (a host read) or that draw random numbers (redrawn at replay) are not compared.
 */
export function compiledGradientsMatch(
  fn: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  dy: Tensor,
  eager: readonly Tensor[],
): void {
  const step = new CompiledStep('gradCheck', 'auto');
  let replayed: Tensor[] = [];
  for (let i = 0; i < 3; i++) {
    replayed = step.call(
      [...xs, dy],
      () => [],
      (ins) => grads(fn)(ins.slice(0, -1), ins[ins.length - 1]),
    );
  }
  const info = step.info();
  if (info.compiled.length === 0 || info.compiled[0]!.stats.random > 0) return;
  replayed.forEach((g, i) => {
    expect(
      Array.from(g.dataSync()),
      `gradCheck: the compiled step's gradient of input ${i} equals the eager one`,
    ).toEqual(Array.from(eager[i]!.dataSync()));
  });
}

/** Random float64 test values in [lo, hi), seeded. */
export function randomValues(
  shape: readonly number[],
  seed = 1,
  lo = -1,
  hi = 1,
): { values: Float64Array; shape: readonly number[] } {
  const gen = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { values: Float64Array.from({ length: n }, () => lo + (hi - lo) * gen.uniform()), shape };
}
