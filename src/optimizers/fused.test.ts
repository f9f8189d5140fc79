/**
 * The fused optimizer kernels (native, wasm) against the optimizers' formulas computed here in
 * float64, on variables large enough to reach the kernels, on every backend.
 */
import { it } from 'vitest';
import { describeBackends } from '../../test/helpers/describe_backends.js';
import { expectClose } from '../../test/helpers/expect_close.js';
import { variable } from '../autograd/variable.js';
import { tensor } from '../ops/creation.js';
import { Adam } from './adam.js';
import { RMSprop } from './rmsprop.js';

const N = 3001;
function data(seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: N }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

describeBackends('fused optimizer steps', () => {
  it('Adam: three steps on a 3001-element variable follow the formula', () => {
    const p0 = data(1);
    const w = variable(tensor(p0, [N]));
    const opt = new Adam({ learningRate: 0.01 });
    const want = Float64Array.from(p0);
    const m = new Float64Array(N);
    const v = new Float64Array(N);
    for (let t = 1; t <= 3; t++) {
      const g = data(10 + t);
      opt.applyGradients([[tensor(g, [N]), w]]);
      const alpha = (0.01 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      for (let i = 0; i < N; i++) {
        m[i] = m[i]! + (g[i]! - m[i]!) * 0.1;
        v[i] = v[i]! + (g[i]! * g[i]! - v[i]!) * 0.001;
        want[i] = want[i]! - (alpha * m[i]!) / (Math.sqrt(v[i]!) + 1e-7);
      }
    }
    expectClose(w, want, { rtol: 1e-5, atol: 1e-6 });
  });

  it('RMSprop: three steps on a 3001-element variable follow the formula', () => {
    const p0 = data(2);
    const w = variable(tensor(p0, [N]));
    const opt = new RMSprop({ learningRate: 0.01 });
    const want = Float64Array.from(p0);
    const v = new Float64Array(N);
    for (let t = 1; t <= 3; t++) {
      const g = data(20 + t);
      opt.applyGradients([[tensor(g, [N]), w]]);
      for (let i = 0; i < N; i++) {
        v[i] = v[i]! * 0.9 + g[i]! * g[i]! * 0.1;
        want[i] = want[i]! - (g[i]! * 0.01) / Math.sqrt(v[i]! + 1e-7);
      }
    }
    expectClose(w, want, { rtol: 1e-5, atol: 1e-6 });
  });
});
