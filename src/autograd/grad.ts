/**
 * Functional gradients: `grad`, `grads`, `valueAndGrad`, `valueAndGrads`, `variableGrads`,
 * and `customGrad` for composites that need a hand-written, numerically stable backward.
 */
import { ValueError } from '../errors.js';
import { onesLike } from '../ops/creation.js';
import { zerosLike } from '../ops/creation.js';
import { isFloat } from '../tensor/dtype.js';
import { Tensor, type TensorLike, convertToTensor } from '../tensor/tensor.js';
import { computeGradients, noGrad, record } from './tape.js';

/** A fresh leaf sharing `x`'s data, so gradients with respect to this call alone can be taken. */
function leaf(x: TensorLike, op: string, i: number): Tensor {
  const t = convertToTensor(x, op, `x[${i}]`);
  if (!isFloat(t.dtype))
    throw new ValueError(`${op}: can only differentiate float tensors, input ${i} is ${t.dtype}`);
  const l = new Tensor(t.handle, t.shape, t.dtype, t.backend);
  l.requiresGrad = true;
  return l;
}

function run(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly TensorLike[],
  dy: TensorLike | undefined,
  op: string,
): { value: Tensor; grads: Tensor[] } {
  const leaves = xs.map((x, i) => leaf(x, op, i));
  const value = f(...leaves);
  if (!(value instanceof Tensor))
    throw new ValueError(`${op}: f must return a Tensor, got ${typeof value}`);
  const grads = noGrad(() => {
    const g = dy === undefined ? onesLike(value) : convertToTensor(dy, op, 'dy', value.dtype);
    if (g.shape.join() !== value.shape.join()) {
      throw new ValueError(
        `${op}: dy shape [${g.shape}] differs from f's output shape [${value.shape}]`,
      );
    }
    const map = computeGradients([value], [g], new Set(leaves));
    return leaves.map((l) => map.get(l) ?? zerosLike(l));
  });
  return { value: value.detach(), grads };
}

/**
 * The gradient function of `f` with respect to its one argument: `grad(f)(x, dy)` is
 * ∂(Σ f(x)·dy)/∂x, with `dy` defaulting to ones.
 *
 * Shape: same as x.
 * @example grad((x) => x.square().sum())(tensor([3])) // [6]
 */
export function grad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => Tensor {
  return (x, dy) => run((t) => f(t), [x], dy, 'grad').grads[0]!;
}

/**
 * Gradients of `f` with respect to each of its arguments.
 * @example grads((a, b) => a.mul(b).sum())([tensor([2]), tensor([3])]) // [[3], [2]]
 */
export function grads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: readonly TensorLike[], dy?: TensorLike) => Tensor[] {
  return (xs, dy) => run(f, xs, dy, 'grads').grads;
}

/** Like {@link grad}, also returning f's value. @example valueAndGrad((x) => x.square().sum())(tensor([3])) // {value: 9, grad: [6]} */
export function valueAndGrad(
  f: (x: Tensor) => Tensor,
): (x: TensorLike, dy?: TensorLike) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const r = run((t) => f(t), [x], dy, 'valueAndGrad');
    return { value: r.value, grad: r.grads[0]! };
  };
}

/** Like {@link grads}, also returning f's value. */
export function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: readonly TensorLike[], dy?: TensorLike) => { value: Tensor; grads: Tensor[] } {
  return (xs, dy) => run(f, xs, dy, 'valueAndGrads');
}

/**
 * Runs `f` (which reads variables or other gradient-requiring tensors) and returns its value
 * with the gradient of its sum with respect to each of `vars` (`null` where a variable did not
 * take part). The trainer's step.
 * @example const { value, grads } = variableGrads(() => w.square().sum(), [w]);
 */
export function variableGrads(
  f: () => Tensor,
  vars: readonly Tensor[],
): { value: Tensor; grads: (Tensor | null)[] } {
  const value = f();
  if (!(value instanceof Tensor))
    throw new ValueError(`variableGrads: f must return a Tensor, got ${typeof value}`);
  const grads = noGrad(() => {
    const map = computeGradients([value], [onesLike(value)], new Set(vars));
    return vars.map((v) => map.get(v) ?? null);
  });
  return { value: value.detach(), grads };
}

/**
 * Defines an op by its forward value and a hand-written backward, for composites whose
 * automatic gradient is unstable or slow. `f` returns `{value, gradFunc}`; `gradFunc(dy)`
 * returns one gradient per input.
 *
 * @example
 * const safeLog = customGrad((x) => ({ value: x.log(), gradFunc: (dy) => [dy.div(x.maximum(1e-7))] }));
 */
export function customGrad(
  f: (...xs: Tensor[]) => { value: Tensor; gradFunc: (dy: Tensor) => (Tensor | null)[] },
): (...xs: TensorLike[]) => Tensor {
  return (...xs) => {
    const inputs = xs.map((x, i) => convertToTensor(x, 'customGrad', `x[${i}]`));
    const { value, gradFunc } = noGrad(() => f(...inputs));
    const out = value.detach();
    return record('customGrad', inputs, out, (dy) => {
      const gs = gradFunc(dy);
      if (gs.length !== inputs.length) {
        throw new ValueError(
          `customGrad: gradFunc returned ${gs.length} gradients for ${inputs.length} inputs`,
        );
      }
      return gs;
    });
  };
}
