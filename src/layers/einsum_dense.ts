/**
 * `EinsumDense`: a dense layer whose kernel product is an einsum equation, as Keras's (the
 * projections of MultiHeadAttention are EinsumDense layers).
 */
import {
  type ActivationFn,
  type ActivationIdentifier,
  getActivation,
  serializeActivation,
} from '../activations.js';
import { type ConstraintIdentifier, getConstraint } from '../constraints.js';
import { ValueError } from '../errors.js';
import {
  Initializer,
  type InitializerIdentifier,
  VarianceScaling,
  getInitializer,
} from '../initializers.js';
import { einsum } from '../ops/einsum.js';
import { type RegularizerIdentifier, getRegularizer } from '../regularizers.js';
import { type Config, type ConfigValue, registerSerializable } from '../serialization.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { serializeOpt } from './config_util.js';
import {
  type CallOptions,
  Layer,
  type LayerArgs,
  type LayerVariable,
  single,
  singleShape,
} from './layer.js';
import type { SymbolicShape } from './symbolic.js';

/** Options of {@link EinsumDense}, Keras's names. */
export interface EinsumDenseArgs extends LayerArgs {
  /**
   * `'<input>,<kernel>-><output>'`, letters only, with `...` allowed at the start (or end) of
   * the input and output: e.g. `'ab,bc->ac'` (Dense), `'abc,cde->abde'` (a projection to heads).
   */
  equation: string;
  /** The output shape without the batch axis (`null` for an axis taken from the input). */
  outputShape: number | readonly (number | null)[];
  /** Activation of the output (default linear). */
  activation?: ActivationIdentifier;
  /** Output labels that get a bias (default none): e.g. `'de'`. */
  biasAxes?: string | null;
  /** Kernel initializer (default glorotUniform, with fans from the equation's axes). */
  kernelInitializer?: InitializerIdentifier;
  /** Bias initializer (default zeros). */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  /** Penalty on the layer's output, added to the loss. */
  activityRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/** The shapes an equation gives: kernel, bias, full output, and the kernel's fan axes. */
interface EinsumShapes {
  kernel: number[];
  bias: number[] | null;
  output: (number | null)[];
  inputAxes: number[];
  outputAxes: number[];
}

/**
 * Keras's analysis of an EinsumDense equation (keras/src/layers/core/einsum_dense.py
 * `_analyze_split_string`): the output shape is the batch axis, the elided axes, then the
 * given shape; each kernel label takes its size from the output, else the input; the bias
 * spans the output from its first biased label, 1 on unbiased labels (and on right-elided axes).
 */
function analyzeEinsumDense(
  equation: string,
  biasAxes: string | null,
  inputShape: readonly (number | null)[],
  outputShape: readonly (number | null)[],
  where: string,
): EinsumShapes {
  const dots = equation.replace(/\s+/g, '').replace(/\.\.\./g, '0');
  let m = /^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$/.exec(dots);
  let left = false;
  if (!m) {
    m = /^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$/.exec(dots);
    left = m !== null;
  }
  m ??= /^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$/.exec(dots);
  if (!m)
    throw new ValueError(
      `${where}: invalid equation '${equation}'; it must look like 'X,Y->Z', '...X,Y->...Z' or 'X...,Y->Z...'`,
    );
  const [, inSpec, wSpec, outSpec] = m as unknown as [string, string, string, string];
  const elided = inputShape.length - inSpec.length;
  if (elided < 0 || (elided > 0 && !dots.includes('0')))
    throw new ValueError(
      `${where}: the equation's input '${inSpec}' names ${inSpec.length} axes, but the input has rank ${inputShape.length}`,
    );
  const out: (number | null)[] = [inputShape[0] ?? null, ...outputShape];
  if (elided > 0 && left) for (let i = 1; i < elided; i++) out.splice(i, 0, inputShape[i]!);
  else if (elided > 0)
    for (let i = inputShape.length - elided; i < inputShape.length; i++) out.push(inputShape[i]!);
  const inAt = new Map<string, number>();
  const outAt = new Map<string, number>();
  [...inSpec].forEach((d, i) =>
    inAt.set(d, left ? i + elided - inputShape.length + inputShape.length : i),
  );
  [...outSpec].forEach((d, i) => outAt.set(d, left ? i + elided : i));
  for (const d of inSpec) {
    const o = outAt.get(d);
    const want = inputShape[inAt.get(d)!];
    if (o !== undefined && out[o] !== null && out[o] !== want)
      throw new ValueError(
        `${where}: the input and output shapes differ at shared label '${d}': input ${want}, output ${out[o]}`,
      );
  }
  // Unlike Keras's static analysis, an unknown output axis shared with the input takes the
  // input's size (what the product gives), so symbolic shapes stay as known as the data's.
  [...outSpec].forEach((d, i) => {
    const o = left ? i + elided : i;
    if (out[o] === null && inAt.has(d)) out[o] = inputShape[inAt.get(d)!] ?? null;
  });
  for (const d of outSpec)
    if (!inSpec.includes(d) && !wSpec.includes(d))
      throw new ValueError(
        `${where}: output label '${d}' is in neither the input '${inSpec}' nor the kernel '${wSpec}'`,
      );
  const kernel: number[] = [];
  const inputAxes: number[] = [];
  const outputAxes: number[] = [];
  [...wSpec].forEach((d, i) => {
    const size = outAt.has(d)
      ? out[outAt.get(d)!]
      : inAt.has(d)
        ? inputShape[inAt.get(d)!]
        : undefined;
    if (size === undefined)
      throw new ValueError(
        `${where}: kernel label '${d}' is in neither the input '${inSpec}' nor the output '${outSpec}'`,
      );
    if (size === null)
      throw new ValueError(
        `${where}: kernel label '${d}' has an unknown size; give it in outputShape or the input shape`,
      );
    kernel.push(size);
    (outAt.has(d) ? outputAxes : inputAxes).push(i);
  });
  let bias: number[] | null = null;
  if (biasAxes) {
    for (const c of biasAxes)
      if (!outSpec.includes(c))
        throw new ValueError(`${where}: bias label '${c}' is not in the output '${outSpec}'`);
    const first = Math.min(...[...biasAxes].map((c) => outSpec.indexOf(c)));
    const shift = left ? elided : 0;
    bias = [...outSpec.slice(first)].map((c) => {
      if (!biasAxes.includes(c)) return 1;
      const d = out[outSpec.indexOf(c) + shift];
      if (d === null || d === undefined)
        throw new ValueError(`${where}: bias label '${c}' has an unknown size`);
      return d;
    });
    if (!left) for (let i = 0; i < elided; i++) bias.push(1);
  }
  return { kernel, bias, output: out, inputAxes, outputAxes };
}

/** A variance-scaling initializer that takes its fans from given kernel axes. */
class AxesInitializer extends Initializer {
  constructor(
    private readonly base: VarianceScaling,
    private readonly inputAxes: readonly number[],
    private readonly outputAxes: readonly number[],
  ) {
    super();
  }
  call(shape: readonly number[], dtype?: DType): Tensor {
    return this.base.callWithAxes(shape, this.inputAxes, this.outputAxes, dtype);
  }
}

/**
 * A dense layer whose product is an einsum equation (Keras's `EinsumDense`).
 *
 * Formula: `y = activation(einsum(equation, x, kernel) + bias)`.
 *
 * Shape: by the equation: `[batch, ...]` → `[batch, ...outputShape]`; kernel by the
 * kernel labels' sizes, bias over the output from its first biased label.
 * @example
 * const proj = new EinsumDense({ equation: 'abc,cde->abde', outputShape: [null, 4, 8], biasAxes: 'de' });
 * proj.apply(tensor(new Float32Array(2 * 5 * 16), [2, 5, 16])).shape // [2, 5, 4, 8]
 */
export class EinsumDense extends Layer {
  static override readonly className = 'EinsumDense';
  /** Options for a minimal instance (the config reader probes its keys with one). */
  static override readonly probeConfig: Config = { equation: 'ab,bc->ac', outputShape: 1 };
  readonly equation: string;
  readonly partialOutputShape: (number | null)[];
  readonly biasAxes: string | null;
  readonly activation: ActivationFn;
  private readonly args: EinsumDenseArgs;
  kernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;

  constructor(args: EinsumDenseArgs) {
    super(args);
    if (!args || typeof args.equation !== 'string')
      throw new ValueError(`${this.name} (EinsumDense): needs an equation`);
    this.args = args;
    this.equation = args.equation;
    const os = args.outputShape;
    if (os === undefined || os === null)
      throw new ValueError(`${this.name} (EinsumDense): needs an outputShape`);
    this.partialOutputShape = typeof os === 'number' ? [os] : [...os];
    for (const d of this.partialOutputShape)
      if (d !== null && (!Number.isInteger(d) || d < 1))
        throw new ValueError(
          `${this.name} (EinsumDense): outputShape holds ${d}; sizes are positive integers or null`,
        );
    this.biasAxes = args.biasAxes ?? null;
    this.activation = getActivation(args.activation);
  }

  private where(): string {
    return `${this.name} (EinsumDense)`;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(inputShape, this);
    const s = analyzeEinsumDense(
      this.equation,
      this.biasAxes,
      shape,
      this.partialOutputShape,
      this.where(),
    );
    let init = getInitializer(this.args.kernelInitializer ?? 'glorotUniform');
    // As Keras: variance scaling counts fans over the equation's input and output labels.
    if (init instanceof VarianceScaling)
      init = new AxesInitializer(init, s.inputAxes, s.outputAxes);
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: s.kernel,
      initializer: init,
      regularizer: this.args.kernelRegularizer,
      constraint: this.args.kernelConstraint,
    });
    if (s.bias)
      this.bias = this.addWeight({
        name: 'bias',
        shape: s.bias,
        initializer: this.args.biasInitializer ?? 'zeros',
        regularizer: this.args.biasRegularizer,
        constraint: this.args.biasConstraint,
      });
    this.inputSpec = { ndim: shape.length };
  }

  override call(inputs: Tensor | Tensor[], _opts: CallOptions): Tensor {
    const x = single(inputs, this);
    let y = einsum(this.equation, x, this.kernel!);
    if (this.bias) y = y.add(this.bias);
    y = this.activation(y);
    if (this.args.activityRegularizer)
      this.addActivityLoss(getRegularizer(this.args.activityRegularizer), y);
    return y;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(inputShape, this);
    return analyzeEinsumDense(
      this.equation,
      this.biasAxes,
      shape,
      this.partialOutputShape,
      this.where(),
    ).output;
  }

  override getConfig(): Config {
    const a = this.args;
    return {
      ...super.getConfig(),
      outputShape: this.partialOutputShape as ConfigValue,
      equation: this.equation,
      activation: serializeActivation(this.activation),
      biasAxes: this.biasAxes,
      kernelInitializer: serializeOpt(getInitializer(a.kernelInitializer ?? 'glorotUniform')),
      biasInitializer: serializeOpt(getInitializer(a.biasInitializer ?? 'zeros')),
      kernelRegularizer: serializeOpt(
        a.kernelRegularizer ? getRegularizer(a.kernelRegularizer) : null,
      ),
      biasRegularizer: serializeOpt(a.biasRegularizer ? getRegularizer(a.biasRegularizer) : null),
      activityRegularizer: serializeOpt(
        a.activityRegularizer ? getRegularizer(a.activityRegularizer) : null,
      ),
      kernelConstraint: serializeOpt(a.kernelConstraint ? getConstraint(a.kernelConstraint) : null),
      biasConstraint: serializeOpt(a.biasConstraint ? getConstraint(a.biasConstraint) : null),
    };
  }
}

registerSerializable('layer', EinsumDense);
