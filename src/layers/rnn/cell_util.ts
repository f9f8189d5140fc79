/**
 * Helpers the recurrent cells share (not part of the `layers` namespace): the per-step split
 * of a sequence with an O(T) backward, and Keras's dropout masks.
 */
import { isGradEnabled, noGrad, record } from '../../autograd/tape.js';
import { tensor, zeros, zerosLike } from '../../ops/creation.js';
import { stack } from '../../ops/movement.js';
import { type Generator, hostDraw } from '../../ops/random.js';
import { type DType, allocArray, isFloat } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * Splits `x` of shape `[batch, time, ...rest]` into `time` tensors `[batch, ...rest]`. The
 * forward is one slice per step; the backward collects the steps' gradients and hands `x` one
 * stacked gradient, so a sequence of length T costs O(T) in the backward, not O(T²).
 *
 * (The steps hang off one one-element "sink" node that depends on `x`: every step's backward
 * stores its gradient and passes a zero to the sink, whose backward runs after all of them and
 * stacks what was stored. Steps that got no gradient count as zeros.)
 */
export function unstackTime(x: Tensor): Tensor[] {
  const [b, steps, ...rest] = x.shape as number[];
  const parts = noGrad(() =>
    Array.from({ length: steps! }, (_, t) =>
      x
        .slice([0, t], [b!, 1, ...rest])
        .reshape([b!, ...rest])
        .detach(),
    ),
  );
  if (!x.requiresGrad || !isGradEnabled() || !isFloat(x.dtype)) return parts;
  const collected: (Tensor | undefined)[] = new Array(steps);
  const sink = record('unstackTime', [x], zeros([1], x.dtype), () => {
    const gs = parts.map((p, t) => collected[t] ?? zerosLike(p));
    collected.fill(undefined);
    return [stack(gs, 1)];
  });
  return parts.map((p, t) =>
    record('unstackTime.step', [sink], p, (dy) => {
      collected[t] = dy;
      return [zerosLike(sink)];
    }),
  );
}

/**
 * A dropout mask as Keras's `backend.random.dropout(ones, rate)`: each entry is `1/(1 − rate)`
 * with probability `1 − rate`, else 0.
 */
export function dropoutMask(
  g: Generator,
  shape: readonly number[],
  rate: number,
  dtype: DType,
): Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  const scale = 1 / (1 - rate);
  // hostDraw: a compiled step redraws this mask on every replay instead of freezing it.
  const v = hostDraw(allocArray(dtype, n), (o) => {
    for (let i = 0; i < o.length; i++) o[i] = g.uniform() >= rate ? scale : 0;
  });
  return tensor(v, shape, dtype);
}
