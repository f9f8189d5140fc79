/**
 * Dynamic loss scaling around another optimizer (Keras 3's `LossScaleOptimizer`): the trainer
 * multiplies the loss by the scale before the gradients are taken, the wrapper divides them
 * back, skips steps whose gradients are not finite (halving the scale) and doubles the scale
 * after a run of finite steps.
 */
import { noGrad } from '../autograd/tape.js';
import { Variable } from '../autograd/variable.js';
import { stepScalar } from '../engine/params.js';
import { ValueError } from '../errors.js';
import { scalar } from '../ops/creation.js';
import {
  type Config,
  type SerializedObject,
  deserialize,
  registerSerializable,
  serialize,
} from '../serialization.js';
import { Tensor } from '../tensor/tensor.js';
import { type GradientPair, Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './schedules.js';

/** Options of {@link LossScaleOptimizer}. */
export interface LossScaleOptimizerArgs {
  /** The optimizer that applies the unscaled gradients (its own options stay in force). */
  innerOptimizer: Optimizer;
  /**
   * The loss scale before any step: a positive number, kept as float32 as Keras does (default
   * `2 ** 15`). A scale too high costs a few skipped steps; one too low grows slowly.
   */
  initialScale?: number;
  /** Finite steps in a row after which the scale doubles: an integer ≥ 1 (default 2000). */
  dynamicGrowthSteps?: number;
  /** A name for the optimizer (default `loss_scale_optimizer`, as Keras names it). */
  name?: string;
}

/**
 * Base-optimizer options that Keras's `LossScaleOptimizer.get_config` wrote in older versions;
 * `fromConfig` accepts them only at these (non-functional) defaults, as Keras does.
 */
const LEGACY_BASE_DEFAULTS: Readonly<Record<string, unknown>> = {
  weightDecay: null,
  clipnorm: null,
  globalClipnorm: null,
  clipvalue: null,
  useEma: false,
  emaMomentum: 0.99,
  emaOverwriteFrequency: null,
  lossScaleFactor: null,
  gradientAccumulationSteps: null,
};

/** The class side that `Optimizer.fromConfig` is declared on. */
type OptimizerClass<T extends Optimizer> = { new (args: never): T; className: string };

/**
 * Wraps an optimizer with dynamic loss scaling (Keras `LossScaleOptimizer`), which keeps
 * small float16 gradients from underflowing. Tessera computes in float32, where the wrapper
 * still skips the steps whose gradients overflow, and it lets Keras models compiled with it
 * load.
 *
 * With scale `s` (variable `dynamic_scale`, starting at `initialScale`) and counter `k`
 * (variable `step_counter`, starting at 0), the trainer differentiates `loss · s`
 * ({@link LossScaleOptimizer.scaleLoss}), and each {@link LossScaleOptimizer.applyGradients}
 * with gradients `g` does:
 * - every `g` finite: the inner optimizer steps with `g / s`; then `k = N − 1` ⇒
 *   `s ← 2s, k ← 0`, else `k ← k + 1` (`N = dynamicGrowthSteps`);
 * - otherwise (an inf or NaN anywhere): no variable changes and the inner step count stays;
 *   `s ← s / 2, k ← 0`.
 *
 * `learningRate`, `iterations` and the slots are the inner optimizer's. Checkpoint state
 * ({@link LossScaleOptimizer.getWeights}): the inner step count, `step_counter`,
 * `dynamic_scale`, then the inner optimizer's slots.
 *
 * Shape: `dynamic_scale` (float32) and `step_counter` (int32) are scalars `[]`; the inner
 * slots have their own shapes.
 *
 * Under `jitCompile` the forward and backward pass compile (the scale is a step parameter)
 * and the update runs eagerly: whether a step counts for the inner optimizer depends on the
 * gradients, and a compiled step can only take host values that do not. (A custom
 * `trainStep` calling `applyGradients` is traced whole, so `'auto'` runs it eagerly and
 * `true` throws.)
 * @example
 * const opt = new LossScaleOptimizer({ innerOptimizer: new Adam(), initialScale: 2 ** 10 });
 * model.compile({ optimizer: opt, loss: 'mse' });
 * await model.fit(x, y, { epochs: 2 });
 * opt.dynamicScale.item(); // the current loss scale
 */
export class LossScaleOptimizer extends Optimizer {
  static override readonly className = 'LossScaleOptimizer';
  /** The wrapped optimizer. */
  readonly innerOptimizer: Optimizer;
  /** The loss scale before the first step (float32). */
  readonly initialScale: number;
  /** Finite steps in a row after which the scale doubles. */
  readonly dynamicGrowthSteps: number;

  // The state on the host (what the trainer's step parameter reads, without a device read),
  // mirrored into the two variables after every step.
  private scale: number;
  private counter = 0;
  private scaleVar: Variable | null = null;
  private counterVar: Variable | null = null;

  constructor(args: LossScaleOptimizerArgs) {
    const a = (args ?? {}) as Partial<LossScaleOptimizerArgs>;
    // The base learning rate is never used: learningRate reads the inner optimizer's.
    super({ name: a.name }, { learningRate: 1, name: 'loss_scale_optimizer' });
    const cls = this.cls;
    const inner = a.innerOptimizer;
    if (!(inner instanceof Optimizer)) {
      throw new ValueError(
        `${cls}: innerOptimizer must be an Optimizer instance, got ${inner === undefined ? 'nothing' : String(inner)}`,
      );
    }
    if (inner instanceof LossScaleOptimizer) {
      throw new ValueError(
        `${cls}: innerOptimizer is already a LossScaleOptimizer ('${inner.name}'); wrapping it again would scale the gradients twice`,
      );
    }
    this.innerOptimizer = inner;
    const s = a.initialScale ?? 2 ** 15;
    if (typeof s !== 'number' || !(s > 0) || !Number.isFinite(Math.fround(s))) {
      throw new ValueError(
        `${cls}: initialScale must be a positive number within float32's range, got ${String(s)}`,
      );
    }
    this.initialScale = Math.fround(s);
    this.scale = this.initialScale;
    const n = a.dynamicGrowthSteps ?? 2000;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw new ValueError(`${cls}: dynamicGrowthSteps must be an integer ≥ 1, got ${String(n)}`);
    }
    this.dynamicGrowthSteps = n;
  }

  /** The inner optimizer's learning rate; assigning sets the inner optimizer's. */
  override get learningRate(): number | LearningRateSchedule {
    return this.innerOptimizer.learningRate;
  }
  override set learningRate(lr: number | LearningRateSchedule) {
    this.innerOptimizer.learningRate = lr;
  }

  /** The learning rate the inner optimizer's next step will use. */
  override get currentLearningRate(): number {
    return this.innerOptimizer.currentLearningRate;
  }

  /** The inner optimizer's step count: skipped steps do not count. */
  override get iterations(): number {
    return this.innerOptimizer.iterations;
  }

  /** The inner optimizer's {@link Optimizer.stepCalls}. */
  override get stepCalls(): number {
    return this.innerOptimizer.stepCalls;
  }

  /** `step_counter`, `dynamic_scale`, then the inner optimizer's slots; empty before build. */
  override get slotVariables(): readonly Variable[] {
    if (this.scaleVar === null || this.counterVar === null) return [];
    return [this.counterVar, this.scaleVar, ...this.innerOptimizer.slotVariables];
  }

  /** Whether {@link build} ran (it builds the inner optimizer too). */
  override get built(): boolean {
    return this.scaleVar !== null;
  }

  /**
   * The current loss scale `s` (Keras's `dynamic_scale`), a float32 scalar variable. It
   * mirrors the optimizer's state: change that with {@link setWeights}, not by assigning.
   * @throws ValueError before the optimizer is built.
   */
  get dynamicScale(): Variable {
    return this.own('dynamicScale', this.scaleVar);
  }

  /**
   * Finite steps since the scale last changed (Keras's `step_counter`), an int32 scalar.
   * @throws ValueError before the optimizer is built.
   */
  get stepCounter(): Variable {
    return this.own('stepCounter', this.counterVar);
  }

  private own(what: string, v: Variable | null): Variable {
    if (v === null)
      throw new ValueError(
        `${this.cls}.${what}: the optimizer is not built; call build(variables) or apply a step first`,
      );
    return v;
  }

  /**
   * @internal The update decides on the host, from the gradients, whether the inner optimizer
   * counts a step; a compiled step can only feed host values that do not depend on tensor data.
   * @example opt.compiledUpdateBlocker(); // the reason, always
   */
  override compiledUpdateBlocker(): string {
    return `${this.cls} skips the steps whose gradients are not finite, which decides the inner optimizer's step count (a host value) from tensor data`;
  }

  /**
   * Creates `step_counter` and `dynamic_scale` (in Keras's order), then builds the inner
   * optimizer for `variables`. Later calls do nothing.
   * @example opt.build(model.trainableWeights);
   */
  override build(variables: readonly Variable[]): void {
    if (this.built) return;
    this.innerOptimizer.build(variables);
    noGrad(() => {
      this.counterVar = new Variable(scalar(this.counter, 'int32'), {
        trainable: false,
        name: `${this.name}/step_counter`,
      });
      this.scaleVar = new Variable(scalar(this.scale, 'float32'), {
        trainable: false,
        name: `${this.name}/dynamic_scale`,
      });
    });
  }

  protected buildSlots(_variables: readonly Variable[]): void {
    // The inner optimizer holds the slots.
  }

  protected updateStep(_g: Tensor, _variable: Variable, _lr: number): void {
    throw new ValueError(`${this.cls}: the inner optimizer updates the variables`);
  }

  /**
   * The loss the trainer differentiates: `loss · s` with `s` the current scale (the initial
   * scale before the first step). Inside a compiled step `s` is a step parameter, read again
   * at every replay.
   *
   * Shape: that of `loss` (a scalar in the trainer).
   * @example const { grads } = variableGrads(() => opt.scaleLoss(lossFn()), vars);
   */
  scaleLoss(loss: Tensor): Tensor {
    if (!(loss instanceof Tensor))
      throw new ValueError(`${this.cls}.scaleLoss: loss must be a Tensor, got ${typeof loss}`);
    return loss.mul(stepScalar('lossScale', () => this.scale, loss.dtype));
  }

  /**
   * Applies gradients of the scaled loss: when all are finite, the inner optimizer steps with
   * `g / s` and the scale may double; otherwise nothing changes but `s ← s / 2` (see the
   * class). `null` gradients pass through. Reads one boolean from the device per step.
   * @example opt.applyGradients([[gradW, w], [gradB, b]]);
   */
  override applyGradients(pairs: ReadonlyArray<GradientPair>): void {
    const cls = this.cls;
    if (!Array.isArray(pairs))
      throw new ValueError(
        `${cls}.applyGradients: expected an array of [gradient, variable] pairs`,
      );
    if (pairs.length === 0) return;
    noGrad(() => {
      const vars = pairs.map((p, i) => {
        if (!Array.isArray(p) || !(p[1] instanceof Variable))
          throw new ValueError(
            `${cls}.applyGradients: pairs[${i}] must be [gradient | null, Variable]`,
          );
        return p[1];
      });
      this.build(vars);
      const grads = pairs.map(([g], i) => {
        if (g !== null && g !== undefined && !(g instanceof Tensor))
          throw new ValueError(`${cls}.applyGradients: pairs[${i}][0] is not a Tensor or null`);
        return g ?? null;
      });
      const present = grads.filter((g): g is Tensor => g !== null);
      // One read for all gradients (Keras's check_finite).
      const finite =
        present.length === 0 ||
        present
          .map((g) => g.isFinite().all())
          .reduce((a, b) => a.logicalAnd(b))
          .item() !== 0;
      if (finite) {
        const s = this.scale;
        this.innerOptimizer.applyGradients(
          pairs.map(([, v], i) => [grads[i] === null ? null : grads[i]!.div(s), v] as const),
        );
        if (this.counter === this.dynamicGrowthSteps - 1) {
          this.counter = 0;
          this.scale = Math.fround(this.scale * 2);
        } else {
          this.counter++;
        }
      } else {
        this.counter = 0;
        this.scale = Math.fround(this.scale * 0.5);
      }
      this.syncVariables();
    });
  }

  private syncVariables(): void {
    this.counterVar!.assign(scalar(this.counter, 'int32'));
    this.scaleVar!.assign(scalar(this.scale, 'float32'));
  }

  /** The inner optimizer's slot `slotName` of `variable`. */
  override getSlot(variable: Variable, slotName: string): Variable {
    return this.innerOptimizer.getSlot(variable, slotName);
  }

  /** Sets the inner optimizer's weight-decay exclusions (the wrapper has no weight decay). */
  override excludeFromWeightDecay(opts: {
    variables?: readonly Variable[];
    varNames?: readonly string[];
  }): void {
    this.innerOptimizer.excludeFromWeightDecay(opts);
  }

  /** The inner optimizer's {@link Optimizer.finalizeVariableValues} (its EMA, when it keeps one). */
  override finalizeVariableValues(variables?: readonly Variable[]): void {
    this.innerOptimizer.finalizeVariableValues(variables);
  }

  /** The inner optimizer's {@link Optimizer.swapEmaWeights}. */
  override swapEmaWeights(): void {
    this.innerOptimizer.swapEmaWeights();
  }

  /**
   * The state for checkpoints: the inner step count (float32 scalar), `step_counter`,
   * `dynamic_scale`, then the inner optimizer's slots in its order.
   */
  override getWeights(): Tensor[] {
    const inner = this.innerOptimizer.getWeights();
    return [
      inner[0]!,
      scalar(this.counter, 'float32'),
      scalar(this.scale, 'float32'),
      ...inner.slice(1),
    ];
  }

  /** Names of {@link getWeights}'s entries. */
  override getWeightNames(): string[] {
    const inner = this.innerOptimizer.getWeightNames();
    return [
      inner[0]!,
      `${this.name}/step_counter`,
      `${this.name}/dynamic_scale`,
      ...inner.slice(1),
    ];
  }

  /** Restores state saved by {@link getWeights}; the optimizer must be built. */
  override setWeights(weights: readonly Tensor[]): void {
    const cls = this.cls;
    if (!this.built)
      throw new ValueError(
        `${cls}.setWeights: the optimizer is not built; call build(variables) or apply a step first`,
      );
    const names = this.getWeightNames();
    if (!Array.isArray(weights) || weights.length !== names.length)
      throw new ValueError(
        `${cls}.setWeights: expected ${names.length} tensors (${names.join(', ')}), got ${Array.isArray(weights) ? weights.length : String(weights)}`,
      );
    const one = (i: number): number => (weights[i]!.size === 1 ? weights[i]!.item() : Number.NaN);
    const counter = one(1);
    const scale = Math.fround(one(2));
    if (!(Number.isInteger(counter) && counter >= 0))
      throw new ValueError(
        `${cls}.setWeights: weights[1] must be step_counter, a non-negative integer scalar`,
      );
    if (!(scale > 0))
      throw new ValueError(
        `${cls}.setWeights: weights[2] must be dynamic_scale, a positive scalar`,
      );
    this.innerOptimizer.setWeights([weights[0]!, ...weights.slice(3)]);
    this.counter = counter;
    this.scale = scale;
    noGrad(() => this.syncVariables());
  }

  /**
   * `{name, innerOptimizer, initialScale, dynamicGrowthSteps}`, the inner optimizer as
   * `{className, config}` (Keras writes only these keys too).
   */
  override getConfig(): Config {
    return {
      name: this.name,
      innerOptimizer: serialize(this.innerOptimizer) as unknown as Config,
      initialScale: this.initialScale,
      dynamicGrowthSteps: this.dynamicGrowthSteps,
    };
  }

  /**
   * Rebuilds the wrapper from {@link getConfig}'s output, deserializing the inner optimizer
   * (registered optimizers only). Like Keras, it accepts the base options older Keras versions
   * wrote at their defaults and `dynamic: true`, and refuses anything else.
   * @example LossScaleOptimizer.fromConfig(opt.getConfig());
   */
  static override fromConfig<T extends Optimizer>(this: OptimizerClass<T>, config: Config): T {
    const cls = 'LossScaleOptimizer';
    const known = ['name', 'innerOptimizer', 'initialScale', 'dynamicGrowthSteps'];
    const c: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config ?? {})) {
      if (k === 'dynamic') {
        if (v !== true)
          throw new ValueError(
            `${cls}.fromConfig: dynamic=false is not supported; set a fixed loss scale on the inner optimizer instead`,
          );
      } else if (Object.hasOwn(LEGACY_BASE_DEFAULTS, k)) {
        if (v !== LEGACY_BASE_DEFAULTS[k])
          throw new ValueError(
            `${cls}.fromConfig: '${k}' = ${JSON.stringify(v)} is not supported; set it on the inner optimizer`,
          );
      } else if (known.includes(k)) {
        c[k] = v;
      } else {
        throw new ValueError(
          `${cls}.fromConfig: unknown config key '${k}' (known: ${known.join(', ')})`,
        );
      }
    }
    const innerCfg = c.innerOptimizer;
    if (innerCfg === null || typeof innerCfg !== 'object')
      throw new ValueError(
        `${cls}.fromConfig: innerOptimizer must be a serialized optimizer {className, config}, got ${JSON.stringify(innerCfg)}`,
      );
    const innerOptimizer = deserialize<Optimizer>('optimizer', innerCfg as SerializedObject);
    const opt = new LossScaleOptimizer({
      innerOptimizer,
      ...(c.initialScale === null || c.initialScale === undefined
        ? {}
        : { initialScale: c.initialScale as number }),
      ...(c.dynamicGrowthSteps === null || c.dynamicGrowthSteps === undefined
        ? {}
        : { dynamicGrowthSteps: c.dynamicGrowthSteps as number }),
      ...(c.name === null || c.name === undefined ? {} : { name: c.name as string }),
    });
    return opt as unknown as T;
  }
}

// Registered here so that deserialize('optimizer', …) finds it wherever this module is loaded
// (it is no string id of getOptimizer: it cannot be built without an inner optimizer).
registerSerializable<Optimizer>('optimizer', LossScaleOptimizer);
