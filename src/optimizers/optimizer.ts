/**
 * The optimizer base class: learning rate (number or schedule), gradient clipping, decoupled
 * weight decay, per-variable slot variables, the step counter, checkpointable state and
 * serialization. Each concrete optimizer only creates its slots and writes its update rule.
 * Semantics follow Keras 3's `BaseOptimizer`.
 */
import { noGrad } from '../autograd/tape.js';
import { Variable } from '../autograd/variable.js';
import { stepEffect, stepScalar } from '../engine/params.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { full, scalar } from '../ops/creation.js';
import {
  type Config,
  type Serializable,
  type SerializedObject,
  deserialize,
  serialize,
} from '../serialization.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { LearningRateSchedule } from './schedules.js';

/** Options shared by every optimizer. Unset clipping and weight-decay options are off. */
export interface OptimizerArgs {
  /**
   * Step size: a positive number, or a {@link LearningRateSchedule} evaluated at the current
   * step count before each update. Default: per optimizer, as in Keras (0.01 for SGD, 0.001
   * for the others).
   */
  learningRate?: number | LearningRateSchedule;
  /**
   * Decoupled weight decay: before each update, every variable not excluded (see
   * {@link Optimizer.excludeFromWeightDecay}) is shrunk by `var -= var · weightDecay · lr`.
   * Default: off (AdamW: 0.004).
   */
  weightDecay?: number;
  /** Rescales each gradient whose L2 norm exceeds this value to that norm. Default: off. */
  clipnorm?: number;
  /** Clips each gradient element to `[-clipvalue, clipvalue]`. Default: off. */
  clipvalue?: number;
  /**
   * Rescales all gradients of a step together when their joint L2 norm exceeds this value.
   * Default: off. At most one of `clipnorm`, `clipvalue` and `globalClipnorm` may be set.
   */
  globalClipnorm?: number;
  /** A name for the optimizer (default: the lowercase Keras name, e.g. `adam`; `SGD` for SGD). */
  name?: string;
  /**
   * Keep an exponential moving average (EMA) of the variables in an `average` slot per
   * variable: after each step `avg ← μ·avg + (1 − μ)·var` with `μ = emaMomentum` (`μ = 0` on the
   * first step). {@link Optimizer.finalizeVariableValues} copies the averages into the
   * variables. Default false.
   */
  useEma?: boolean;
  /** The EMA's momentum `μ`, in [0, 1] (default 0.99); only used with `useEma`. */
  emaMomentum?: number;
  /**
   * With `useEma`, overwrite the variables with their averages every this many steps (an
   * integer ≥ 1). Default null: never during training.
   */
  emaOverwriteFrequency?: number | null;
  /**
   * Sum the gradients of this many calls (an integer ≥ 2) in a `gradientAccumulator` slot per
   * variable and update once, with their mean, on every `gradientAccumulationSteps`-th call.
   * {@link Optimizer.iterations} then counts updates, not calls. Default null: update each call.
   */
  gradientAccumulationSteps?: number | null;
}

/** One `[gradient, variable]` pair given to {@link Optimizer.applyGradients}; `null` skips it. */
export type GradientPair = readonly [Tensor | null, Variable];

/** Bounds for {@link checkHyper}; `open` bounds are excluded. @internal */
export interface HyperRange {
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
}

/** Throws a ValueError naming `cls` unless `v` is a finite number within `r`. @internal */
export function checkHyper(cls: string, name: string, v: unknown, r: HyperRange = {}): number {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (r.min === undefined || (r.minOpen ? v > r.min : v >= r.min)) &&
    (r.max === undefined || (r.maxOpen ? v < r.max : v <= r.max));
  if (!ok) {
    const lo = r.min === undefined ? '' : `${r.minOpen ? '>' : '≥'} ${r.min}`;
    const hi = r.max === undefined ? '' : `${r.maxOpen ? '<' : '≤'} ${r.max}`;
    const range = [lo, hi].filter((s) => s).join(' and ');
    throw new ValueError(
      `${cls}: ${name} must be a finite number${range ? ` ${range}` : ''}, got ${String(v)}`,
    );
  }
  return v as number;
}

/** Throws a ValueError naming `cls` unless `v` is a boolean. @internal */
export function checkBool(cls: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new ValueError(`${cls}: ${name} must be a boolean, got ${String(v)}`);
  return v;
}

/**
 * Base class of optimizers. `applyGradients([[grad, variable], …])` clips the gradients,
 * applies weight decay, then runs the subclass's `updateStep` for each variable and counts
 * the step. Slot variables (momenta, accumulators) are created on the first call.
 *
 * Per step, with `lr` the learning rate at the current step count:
 * `g ← clip(g)`; `var ← var − var · weightDecay · lr` (when set); `updateStep(g, var, lr)`.
 *
 * A subclass defines `static className`, `buildSlots` (calling {@link addSlot}), `updateStep`,
 * and extends `getConfig`; it is registered with `registerSerializable('optimizer', Cls)`.
 * @example
 * const opt = new Adam({ learningRate: 0.01 });
 * const { grads } = variableGrads(() => loss(), [w, b]);
 * opt.applyGradients([[grads[0], w], [grads[1], b]]);
 */
export abstract class Optimizer implements Serializable {
  static readonly className: string = 'Optimizer';

  readonly name: string;
  readonly weightDecay: number | undefined;
  readonly clipnorm: number | undefined;
  readonly clipvalue: number | undefined;
  readonly globalClipnorm: number | undefined;
  /** Whether an EMA of the variables is kept (see {@link OptimizerArgs.useEma}). */
  readonly useEma: boolean;
  /** The EMA's momentum (see {@link OptimizerArgs.emaMomentum}). */
  readonly emaMomentum: number;
  /** Steps between overwrites of the variables with their EMA, or null. */
  readonly emaOverwriteFrequency: number | null;
  /** Calls whose gradients are averaged into one update, or null. */
  readonly gradientAccumulationSteps: number | null;

  private lr: number | LearningRateSchedule;
  private steps = 0;
  private built_ = false;
  private readonly known = new Set<Variable>();
  private trainableVars: Variable[] = [];
  private readonly slots: Variable[] = [];
  private readonly slotsByVar = new Map<Variable, Map<string, Variable>>();
  private excludedVars = new Set<Variable>();
  private excludedNames: string[] = [];

  /** `defaults` carries the per-optimizer Keras defaults the base class cannot know. */
  protected constructor(args: OptimizerArgs, defaults: { learningRate: number; name: string }) {
    const cls = this.cls;
    this.lr = this.checkLearningRate(args.learningRate ?? defaults.learningRate);
    this.name = args.name ?? defaults.name;
    if (typeof this.name !== 'string')
      throw new ValueError(`${cls}: name must be a string, got ${String(this.name)}`);
    const opt = (key: keyof OptimizerArgs, r: HyperRange): number | undefined =>
      args[key] === undefined || args[key] === null
        ? undefined
        : checkHyper(cls, key, args[key], r);
    this.weightDecay = opt('weightDecay', { min: 0 });
    this.clipnorm = opt('clipnorm', { min: 0, minOpen: true });
    this.clipvalue = opt('clipvalue', { min: 0, minOpen: true });
    this.globalClipnorm = opt('globalClipnorm', { min: 0, minOpen: true });
    const clips = [this.clipnorm, this.clipvalue, this.globalClipnorm].filter(
      (c) => c !== undefined,
    );
    if (clips.length > 1) {
      throw new ValueError(
        `${cls}: only one of clipnorm, clipvalue and globalClipnorm can be set, got clipnorm=${this.clipnorm}, clipvalue=${this.clipvalue}, globalClipnorm=${this.globalClipnorm}`,
      );
    }
    this.useEma = checkBool(cls, 'useEma', args.useEma ?? false);
    this.emaMomentum = checkHyper(cls, 'emaMomentum', args.emaMomentum ?? 0.99, { min: 0, max: 1 });
    const int = (key: keyof OptimizerArgs, min: number): number | null => {
      const v = args[key];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
        throw new ValueError(
          `${cls}: ${key} must be an integer ≥ ${min} or null, got ${String(v)}`,
        );
      return v;
    };
    this.emaOverwriteFrequency = int('emaOverwriteFrequency', 1);
    this.gradientAccumulationSteps = int('gradientAccumulationSteps', 2);
  }

  /** The class name, for error messages. */
  protected get cls(): string {
    return (this.constructor as typeof Optimizer).className;
  }

  private checkLearningRate(lr: unknown): number | LearningRateSchedule {
    if (lr instanceof LearningRateSchedule) return lr;
    if (typeof lr === 'number' && lr > 0 && Number.isFinite(lr)) return lr;
    const shown = typeof lr === 'object' && lr !== null ? JSON.stringify(lr) : String(lr);
    throw new ValueError(
      `${this.cls}: learningRate must be a positive number or a schedule, got ${shown}`,
    );
  }

  /** The learning rate as given: a number or a schedule. Assigning replaces it. */
  get learningRate(): number | LearningRateSchedule {
    return this.lr;
  }
  set learningRate(lr: number | LearningRateSchedule) {
    this.lr = this.checkLearningRate(lr);
  }

  /** The learning rate the next step will use (a schedule evaluated at {@link iterations}). */
  get currentLearningRate(): number {
    return this.lr instanceof LearningRateSchedule ? this.lr.call(this.iterations) : this.lr;
  }

  /**
   * Number of steps applied so far (calls of {@link applyGradients} that updated something);
   * with `gradientAccumulationSteps = k`, the number of updates: ⌊calls / k⌋, as in Keras.
   */
  get iterations(): number {
    const k = this.gradientAccumulationSteps;
    return k === null ? this.steps : Math.floor(this.steps / k);
  }

  /**
   * Calls of {@link applyGradients} that updated something, accumulating ones included: what
   * Keras saves as `iterations` (equal to {@link iterations} without gradient accumulation).
   */
  get stepCalls(): number {
    return this.steps;
  }

  /** The slot variables (momenta, accumulators) in creation order; empty before {@link build}. */
  get slotVariables(): readonly Variable[] {
    return this.slots;
  }

  /**
   * Whether {@link updateStep} makes every per-step host value (learning rate, bias
   * corrections) through `stepScalar`/`stepNumber` (src/engine/params.ts), so that its update
   * can replay inside a compiled train step. A subclass that does sets it true.
   */
  protected get tracesUpdate(): boolean {
    return false;
  }

  /**
   * @internal Why this optimizer's update cannot run inside a compiled train step (the trainer
   * then compiles the forward and backward only and updates eagerly), or null when it can.
   * @example opt.compiledUpdateBlocker(); // null for Adam without clipnorm
   */
  compiledUpdateBlocker(): string | null {
    if (!this.tracesUpdate)
      return `${this.cls} computes its per-step values on the host (no step parameters)`;
    if (this.useEma || this.gradientAccumulationSteps !== null)
      return `${this.cls}: useEma/gradientAccumulationSteps decide per step on the host`;
    if (this.clipnorm !== undefined || this.globalClipnorm !== undefined)
      return `${this.cls}: clipnorm/globalClipnorm read gradient norms on the host`;
    return null;
  }

  /** Whether the slot variables exist (after {@link build} or the first applied step). */
  get built(): boolean {
    return this.built_;
  }

  /**
   * Creates the slot variables for `variables`; the first {@link applyGradients} calls it with
   * its own variables. Later calls do nothing. Call it directly to {@link setWeights} before
   * any step (e.g. when resuming from a checkpoint).
   */
  build(variables: readonly Variable[]): void {
    if (this.built_) return;
    variables.forEach((v, i) => {
      if (!(v instanceof Variable))
        throw new ValueError(`${this.cls}.build: variables[${i}] is not a Variable`);
      if (this.known.has(v))
        throw new ValueError(`${this.cls}.build: variable '${v.name}' is listed twice`);
      this.known.add(v);
    });
    this.trainableVars = [...variables];
    noGrad(() => {
      // Keras's base build creates these before the optimizer's own slots.
      if (this.useEma) for (const v of variables) this.addSlot(v, 'average');
      if (this.gradientAccumulationSteps !== null)
        for (const v of variables) this.addSlot(v, 'gradientAccumulator');
      this.buildSlots([...variables]);
    });
    this.built_ = true;
  }

  /** Creates this optimizer's slots for `variables` with {@link addSlot}. */
  protected abstract buildSlots(variables: readonly Variable[]): void;

  /** Applies one update to `variable` given its (clipped) gradient and the step's learning rate. */
  protected abstract updateStep(gradient: Tensor, variable: Variable, learningRate: number): void;

  /**
   * Creates a non-trainable slot variable shaped like `variable` (or `shape`), filled with
   * `init` and named `<variable.name>/<slotName>`. Slots are checkpointed in creation order.
   */
  protected addSlot(
    variable: Variable,
    slotName: string,
    init = 0,
    shape: readonly number[] = variable.shape,
  ): Variable {
    const slot = new Variable(full([...shape], init, variable.dtype), {
      trainable: false,
      name: `${variable.name}/${slotName}`,
    });
    let byName = this.slotsByVar.get(variable);
    if (!byName) {
      byName = new Map();
      this.slotsByVar.set(variable, byName);
    }
    byName.set(slotName, slot);
    this.slots.push(slot);
    return slot;
  }

  /** The slot `slotName` of `variable` (e.g. Adam's `momentum`). Throws when there is none. */
  getSlot(variable: Variable, slotName: string): Variable {
    const s = this.slotsByVar.get(variable)?.get(slotName);
    if (!s) {
      const known = [...(this.slotsByVar.get(variable)?.keys() ?? [])];
      throw new ValueError(
        `${this.cls}.getSlot: no slot '${slotName}' for variable '${variable.name}' (slots: ${known.join(', ') || 'none'})`,
      );
    }
    return s;
  }

  /**
   * Excludes variables from weight decay: those in `variables`, and those whose name contains
   * one of `varNames` (e.g. `['bias']`). Each call replaces the previous exclusions, as in Keras.
   * @example opt.excludeFromWeightDecay({ varNames: ['bias', 'gamma', 'beta'] });
   */
  excludeFromWeightDecay(opts: {
    variables?: readonly Variable[];
    varNames?: readonly string[];
  }): void {
    this.excludedVars = new Set(opts.variables ?? []);
    this.excludedNames = [...(opts.varNames ?? [])];
  }

  private usesWeightDecay(v: Variable): boolean {
    return !this.excludedVars.has(v) && !this.excludedNames.some((n) => v.name.includes(n));
  }

  /**
   * Updates each variable from its gradient: skips `null` gradients, clips, applies weight
   * decay, runs the update rule, and counts one step. The first call creates the slots for the
   * variables it is given; later calls may pass any subset of them. Nothing is recorded for
   * autograd.
   * @example opt.applyGradients([[gradW, w], [gradB, b]]);
   */
  applyGradients(pairs: ReadonlyArray<GradientPair>): void {
    const cls = this.cls;
    if (!Array.isArray(pairs))
      throw new ValueError(
        `${cls}.applyGradients: expected an array of [gradient, variable] pairs`,
      );
    if (pairs.length === 0) return;
    noGrad(() => {
      const vars = pairs.map((p, i) => {
        if (!Array.isArray(p) || !(p[1] instanceof Variable)) {
          throw new ValueError(
            `${cls}.applyGradients: pairs[${i}] must be [gradient | null, Variable]`,
          );
        }
        return p[1];
      });
      this.build(vars);
      const grads: Tensor[] = [];
      const targets: Variable[] = [];
      pairs.forEach(([g, v], i) => {
        if (!this.known.has(v)) {
          throw new ValueError(
            `${cls}.applyGradients: unknown variable '${v.name}'. The optimizer was built for the variables of its first step; create a new optimizer for new variables.`,
          );
        }
        if (g === null || g === undefined) return;
        if (!(g instanceof Tensor))
          throw new ValueError(`${cls}.applyGradients: pairs[${i}][0] is not a Tensor or null`);
        if (!shapesEqual(g.shape, v.shape)) {
          throw new ShapeError(
            `${cls}.applyGradients: gradient for variable '${v.name}' has shape ${fmtShape(g.shape)}, but the variable has shape ${fmtShape(v.shape)}`,
          );
        }
        grads.push(g.dtype === v.dtype ? g : g.cast(v.dtype));
        targets.push(v);
      });
      if (grads.length === 0) {
        throw new ValueError(
          `${cls}.applyGradients: no gradient provided for any variable (all ${pairs.length} are null)`,
        );
      }
      const k = this.gradientAccumulationSteps;
      if (k === null) {
        this.update(grads, targets);
      } else if ((this.steps + 1) % k === 0) {
        // Keras: the mean of the accumulated and current gradients, then clip and update.
        const accs = targets.map((v) => this.getSlot(v, 'gradientAccumulator'));
        this.update(
          grads.map((g, i) => g.add(accs[i]!).div(k)),
          targets,
        );
        for (const a of accs) a.assign(full(a.shape, 0, a.dtype));
      } else {
        targets.forEach((v, i) => {
          const a = this.getSlot(v, 'gradientAccumulator');
          a.assign(a.add(grads[i]!));
        });
      }
      if (this.useEma) this.updateEma();
      // An effect, so that a compiled step's replay counts its steps too.
      stepEffect('iterations', () => {
        this.steps++;
      });
    });
  }

  private update(grads: Tensor[], targets: Variable[]): void {
    const clipped = this.clipGradients(grads);
    const lr = this.currentLearningRate;
    const wd = this.weightDecay;
    if (wd !== undefined) {
      // A step parameter: in a compiled step the decay follows the learning rate's changes.
      const rate = () => wd * this.currentLearningRate;
      for (const v of targets)
        if (this.usesWeightDecay(v))
          v.assign(v.sub(v.mul(stepScalar('weightDecay', rate, v.dtype))));
    }
    targets.forEach((v, i) => this.updateStep(clipped[i]!, v, lr));
  }

  // Keras: the average starts as the variable (μ = 0 while iterations is 0), then
  // avg ← μ·avg + (1 − μ)·var; every emaOverwriteFrequency updates the variables take it.
  private updateEma(): void {
    const mu = this.iterations === 0 ? 0 : this.emaMomentum;
    for (const v of this.trainableVars) {
      const avg = this.getSlot(v, 'average');
      avg.assign(avg.mul(mu).add(v.value().mul(1 - mu)));
    }
    const f = this.emaOverwriteFrequency;
    if (f !== null && (this.iterations + 1) % f === 0) this.finalizeVariableValues();
  }

  /**
   * With `useEma`, overwrites the variables with their moving averages (Keras's
   * `finalize_variable_values`; `fit` does not call it, so call it after training, or use the
   * `SwapEMAWeights` callback). Without EMA it does nothing.
   * @example
   * const opt = new Adam({ useEma: true });
   * // … training …
   * opt.finalizeVariableValues();
   */
  finalizeVariableValues(variables: readonly Variable[] = this.trainableVars): void {
    if (!this.useEma || !this.built_) return;
    if (variables.length !== this.trainableVars.length) {
      throw new ValueError(
        `${this.cls}.finalizeVariableValues: expected the ${this.trainableVars.length} variables the optimizer was built for, got ${variables.length}`,
      );
    }
    noGrad(() => {
      variables.forEach((v, i) =>
        v.assign(this.getSlot(this.trainableVars[i]!, 'average').value()),
      );
    });
  }

  /**
   * With `useEma`, exchanges each variable's value with its moving average (the
   * `SwapEMAWeights` callback's swap). Calling it twice restores both.
   * @throws ValueError when the optimizer has no EMA or is not built.
   * @example opt.swapEmaWeights(); // evaluate with the averages…
   * opt.swapEmaWeights(); // …and back
   */
  swapEmaWeights(): void {
    if (!this.useEma) {
      throw new ValueError(
        `${this.cls}.swapEmaWeights: the optimizer must be created with useEma: true, got useEma=false`,
      );
    }
    if (!this.built_) return;
    noGrad(() => {
      for (const v of this.trainableVars) {
        const avg = this.getSlot(v, 'average');
        const tmp = v.value();
        v.assign(avg.value());
        avg.assign(tmp);
      }
    });
  }

  // Clipping divides by max(norm, limit) as Keras does: a non-finite norm then poisons the
  // update with NaN instead of silently zeroing it, so divergence stays visible.
  private clipGradients(grads: Tensor[]): Tensor[] {
    const norm = (g: Tensor) => Math.sqrt(g.square().sum().item());
    if (this.clipnorm !== undefined) {
      const c = this.clipnorm;
      return grads.map((g) => g.mul(c / Math.max(norm(g), c)));
    }
    if (this.globalClipnorm !== undefined) {
      const c = this.globalClipnorm;
      const total = Math.sqrt(grads.reduce((s, g) => s + g.square().sum().item(), 0));
      const scale = Number.isFinite(total) ? c / Math.max(total, c) : Number.NaN;
      return grads.map((g) => g.mul(scale));
    }
    if (this.clipvalue !== undefined) {
      const c = this.clipvalue;
      return grads.map((g) => g.clip(-c, c));
    }
    return grads;
  }

  /**
   * The optimizer state for checkpoints: first the step count (a float32 scalar), then every
   * slot in creation order. Each optimizer creates its slots kind by kind, each kind for every
   * variable in the order of the first step (e.g. Adam: all `momentum`s, then all `velocity`s,
   * then all `velocityHat`s with amsgrad); {@link getWeightNames} names them.
   */
  getWeights(): Tensor[] {
    return [scalar(this.steps, 'float32'), ...this.slots.map((s) => s.value())];
  }

  /** Names of {@link getWeights}'s entries: `iterations`, then each slot's name. */
  getWeightNames(): string[] {
    return ['iterations', ...this.slots.map((s) => s.name)];
  }

  /**
   * Restores state saved by {@link getWeights}. The optimizer must be built for the same
   * variables (call {@link build} first when no step has run).
   */
  setWeights(weights: readonly Tensor[]): void {
    const cls = this.cls;
    if (!this.built_) {
      throw new ValueError(
        `${cls}.setWeights: the optimizer is not built; call build(variables) or apply a step first`,
      );
    }
    if (weights.length !== this.slots.length + 1) {
      throw new ValueError(
        `${cls}.setWeights: expected ${this.slots.length + 1} tensors (${this.getWeightNames().join(', ')}), got ${weights.length}`,
      );
    }
    const it = weights[0]!.size === 1 ? weights[0]!.item() : Number.NaN;
    if (!(Number.isInteger(it) && it >= 0)) {
      throw new ValueError(
        `${cls}.setWeights: weights[0] must be the step count, a non-negative integer scalar`,
      );
    }
    this.slots.forEach((s, i) => {
      const w = weights[i + 1]!;
      if (!shapesEqual(w.shape, s.shape)) {
        throw new ShapeError(
          `${cls}.setWeights: slot '${s.name}' has shape ${fmtShape(s.shape)}, got ${fmtShape(w.shape)}`,
        );
      }
    });
    this.slots.forEach((s, i) => s.assign(weights[i + 1]!));
    this.steps = it;
  }

  /**
   * Plain-JSON hyperparameters (no state), keys in camelCase; unset options are `null` and a
   * schedule is `{className, config}`.
   */
  getConfig(): Config {
    let learningRate: Config[string];
    if (this.lr instanceof LearningRateSchedule) {
      const s = serialize(this.lr);
      learningRate = { className: s.className, config: s.config };
    } else {
      learningRate = this.lr;
    }
    return {
      name: this.name,
      learningRate,
      weightDecay: this.weightDecay ?? null,
      clipnorm: this.clipnorm ?? null,
      globalClipnorm: this.globalClipnorm ?? null,
      clipvalue: this.clipvalue ?? null,
      // Keras writes these always; Tessera only when set, so configs of plain optimizers stay
      // as they were (fromConfig accepts them regardless).
      ...(this.useEma
        ? {
            useEma: true,
            emaMomentum: this.emaMomentum,
            emaOverwriteFrequency: this.emaOverwriteFrequency,
          }
        : {}),
      ...(this.gradientAccumulationSteps !== null
        ? { gradientAccumulationSteps: this.gradientAccumulationSteps }
        : {}),
    };
  }

  /**
   * Rebuilds an optimizer of this class from {@link getConfig}'s output (`null` entries take
   * their defaults). Unknown keys are refused.
   */
  static fromConfig<T extends Optimizer>(this: OptimizerClass<T>, config: Config): T {
    return optimizerFromConfig(this, config);
  }
}

/** Base options {@link Optimizer.getConfig} writes only when set. */
const BASE_OPTIONAL_KEYS = [
  'useEma',
  'emaMomentum',
  'emaOverwriteFrequency',
  'gradientAccumulationSteps',
];

/** A concrete optimizer class, as seen by {@link optimizerFromConfig}. */
type OptimizerClass<T extends Optimizer> = { new (args: never): T; className: string };

function optimizerFromConfig<T extends Optimizer>(Cls: OptimizerClass<T>, config: Config): T {
  // Keys are checked against a default instance's config, so a subclass adding options needs
  // no extra code here.
  const own = Object.keys(new Cls({} as never).getConfig());
  const known = [...own, ...BASE_OPTIONAL_KEYS.filter((k) => !own.includes(k))];
  const opts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config ?? {})) {
    if (!known.includes(k)) {
      throw new ValueError(
        `${Cls.className}.fromConfig: unknown config key '${k}' (known: ${known.join(', ')})`,
      );
    }
    if (v === null) continue;
    opts[k] =
      k === 'learningRate' && typeof v === 'object'
        ? deserialize('schedule', v as unknown as SerializedObject)
        : v;
  }
  return new Cls(opts as never);
}
