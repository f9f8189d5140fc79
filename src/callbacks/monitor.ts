/**
 * `MonitorCallback`: the shared base of the callbacks that watch one logged quantity and act
 * when it improves or stalls (`EarlyStopping`, `ModelCheckpoint`, `ReduceLROnPlateau`), as
 * Keras 3's `MonitorCallback`.
 */
import { ValueError } from '../errors.js';
import { Callback, type Logs } from './callback.js';

/** Whether the monitored quantity should go down (`min`), up (`max`), or be inferred (`auto`). */
export type MonitorMode = 'auto' | 'min' | 'max';

// Names of quantities that improve upwards: Keras 3's metrics whose `_direction` is 'up'.
const UP_TOKENS = new Set([
  'acc',
  'accuracy',
  'auc',
  'precision',
  'recall',
  'iou',
  'sensitivity',
  'specificity',
]);
const UP_SUFFIXES = [
  'f1_score',
  'fbeta_score',
  'r2_score',
  'cosine_similarity',
  'true_positives',
  'true_negatives',
];

/**
 * The direction of a logged quantity judged from its name alone: `loss` and `*_loss` go down;
 * accuracy-like names (`accuracy`, `acc`, `*_accuracy`, `auc`, `auc_1`, `precision`, `recall`,
 * `f1_score`, `r2_score`, IoU…) go up; anything else is taken to go down.
 * @example directionFromName('val_sparse_categorical_accuracy') // 'max'
 */
export function directionFromName(monitor: string): 'min' | 'max' {
  const name = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  if (name === 'loss' || name.endsWith('_loss')) return 'min';
  // Keras numbers repeated metric names: auc, auc_1, auc_2…
  const base = name.replace(/_\d+$/, '');
  if (UP_SUFFIXES.some((s) => base === s || base.endsWith(`_${s}`))) return 'max';
  if (base.split('_').some((t) => UP_TOKENS.has(t))) return 'max';
  return 'min';
}

/** Options shared by monitoring callbacks. */
export interface MonitorArgs {
  /** The logged quantity to watch (`loss`, `val_loss`, `accuracy`, `val_accuracy`…). Default `val_loss`. */
  monitor?: string;
  /**
   * `min`: lower is better; `max`: higher is better; `auto`: decided by the metric (a compiled
   * metric's `direction` when it has one), else by its name — see {@link directionFromName}.
   * Default `auto`.
   */
  mode?: MonitorMode;
}

/**
 * Base class of callbacks that monitor a quantity and decide whether a new value improves on
 * a reference. `minDelta` is taken as an absolute value: in `min` mode an improvement is
 * `current + minDelta < best`, in `max` mode `current − minDelta > best`.
 *
 * Not meant to be used directly; subclass it.
 * @example
 * class PrintBest extends MonitorCallback {
 *   constructor() { super('PrintBest', 'val_loss', 'auto', null, 0); }
 *   override onEpochEnd(epoch: number, logs: Logs) {
 *     const v = this.monitorValue(logs);
 *     if (v !== undefined && this.isImprovement(v, this.best)) { this.best = v; console.log(epoch, v); }
 *   }
 * }
 */
export abstract class MonitorCallback extends Callback {
  /** The watched log key. */
  readonly monitor: string;
  /** The mode as given (unknown modes fall back to `auto` with a warning, as Keras). */
  readonly mode: MonitorMode;
  /** Best value seen so far, or null before the first one. */
  best: number | null;
  /** |minDelta|. */
  readonly minDelta: number;
  private dir: 'min' | 'max' | null = null;
  private warnedMissing = false;
  private readonly cls: string;

  protected constructor(
    cls: string,
    monitor: string,
    mode: MonitorMode,
    initialBest: number | null,
    minDelta: number,
  ) {
    super();
    this.cls = cls;
    if (typeof monitor !== 'string' || monitor.length === 0)
      throw new ValueError(`${cls}: monitor must be a non-empty string, got ${String(monitor)}`);
    if (typeof minDelta !== 'number' || Number.isNaN(minDelta))
      throw new ValueError(`${cls}: minDelta must be a number, got ${String(minDelta)}`);
    if (initialBest !== null && (typeof initialBest !== 'number' || Number.isNaN(initialBest)))
      throw new ValueError(
        `${cls}: the initial best value must be a number, got ${String(initialBest)}`,
      );
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
      console.warn(`${cls} mode '${String(mode)}' is unknown, fallback to auto mode.`);
      mode = 'auto';
    }
    this.monitor = monitor;
    this.mode = mode;
    this.best = initialBest;
    this.minDelta = Math.abs(minDelta);
  }

  /**
   * `min` or `max`: from the mode, or in `auto` mode from the compiled metric of that name
   * (when it declares a `direction`), else from the name. Decided on first use, once the
   * model's metrics exist.
   */
  get direction(): 'min' | 'max' {
    if (this.dir === null) {
      if (this.mode !== 'auto') this.dir = this.mode;
      else this.dir = this.metricDirection() ?? directionFromName(this.monitor);
    }
    return this.dir;
  }

  private metricDirection(): 'min' | 'max' | null {
    const name = this.monitor.startsWith('val_') ? this.monitor.slice(4) : this.monitor;
    if (name === 'loss') return 'min';
    const metrics = this.model?.compileInfo?.metrics ?? [];
    for (const list of metrics) {
      for (const m of list) {
        const d = (m as { name?: string; direction?: unknown }).direction;
        if ((m as { name?: string }).name === name && (d === 'up' || d === 'down'))
          return d === 'up' ? 'max' : 'min';
      }
    }
    return null;
  }

  /** Whether `current` improves on `reference` by more than minDelta (always, when reference is null). */
  isImprovement(current: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.direction === 'min'
      ? current + this.minDelta < reference
      : current - this.minDelta > reference;
  }

  /**
   * The monitored value in `logs`, or undefined; warns once (console.warn) when it is missing,
   * listing the keys that are there.
   */
  protected monitorValue(
    logs: Logs | undefined,
    what = `${this.cls} is conditioned on metric`,
  ): number | undefined {
    const v = logs?.[this.monitor];
    if (v === undefined || v === null) {
      if (!this.warnedMissing) {
        this.warnedMissing = true;
        console.warn(
          `${what} \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs ?? {}).join(',')}`,
        );
      }
      return undefined;
    }
    return v;
  }
}
