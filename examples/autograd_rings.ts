/**
 * Autograd without layers: a two-layer network written with raw
 * tensors and autograd, trained by gradient descent to separate two noisy concentric rings.
 *
 * Run: `npx tsx examples/autograd_rings.ts`
 */
import { randomNormal, setSeed, tensor, variable, variableGrads, zeros } from '../src/index.js';

setSeed(7);
// Two rings, radius 0.5 and 1, with noise; label 1 for the outer ring.
const n = 200;
const noise = randomNormal([2 * n, 2], 0, 0.08).arraySync() as number[][];
const xs: number[][] = [];
const ys: number[][] = [];
for (let i = 0; i < 2 * n; i++) {
  const c = i < n ? 0 : 1;
  const t = (i / n) * 2 * Math.PI;
  const r = c ? 1 : 0.5;
  xs.push([r * Math.cos(t) + noise[i]![0]!, r * Math.sin(t) + noise[i]![1]!]);
  ys.push([c]);
}
const x = tensor(xs);
const y = tensor(ys);

const w1 = variable(randomNormal([2, 32], 0, 1));
const b1 = variable(zeros([32]));
const w2 = variable(randomNormal([32, 1], 0, 0.3));
const b2 = variable(zeros([1]));
const params = [w1, b1, w2, b2];

const forward = () => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
// Binary cross-entropy on logits, the stable form: max(z, 0) − z·y + log(1 + e^(−|z|)).
const loss = () => {
  const z = forward();
  return z.relu().sub(z.mul(y)).add(z.abs().neg().exp().log1p()).mean();
};

const lr = 0.5;
const t0 = performance.now();
for (let step = 0; step <= 600; step++) {
  const { value, grads } = variableGrads(loss, params);
  params.forEach((p, i) => p.assignSub(grads[i]!.mul(lr)));
  if (step % 100 === 0) {
    const acc = forward().greater(0).cast('float32').equal(y).cast('float32').mean().item();
    console.log(
      `step ${String(step).padStart(4)}  loss ${value.item().toFixed(4)}  accuracy ${(acc * 100).toFixed(1)}%`,
    );
  }
}
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
