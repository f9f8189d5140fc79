/**
 * @internal What `fit` and `BackupAndRestore` tell each other so that an interrupted run can
 * pick up exactly where it stopped: the callback asks, in `onTrainBegin`, for fit to start at
 * an epoch and step with given random states; fit publishes, at each epoch's start, the random
 * state its shuffle starts from. Kept in the callbacks folder (the trainer already imports
 * callbacks), so neither side imports the other.
 */
import { ValueError } from '../errors.js';
import type { GeneratorState } from '../ops/random.js';
import type { Config, ConfigValue } from '../serialization.js';
import type { Logs, Model } from './callback.js';

/** @internal Where `fit` should start, as `BackupAndRestore` asks in `onTrainBegin`. */
export interface FitResumePoint {
  /** Epoch (0-based) to start at. */
  epoch: number;
  /**
   * Batches of that epoch already trained: fit shuffles that epoch as the interrupted run did
   * (from {@link FitResumePoint.rngAtEpochStart}) and skips them.
   */
  step: number;
  /** The global generator's state when that epoch began (before its shuffle). */
  rngAtEpochStart: GeneratorState;
  /** With `step > 0`: the global generator's state after the last trained batch. */
  rngAtStep: GeneratorState | null;
  /** With `step > 0`: the epoch's running means (loss trackers, metrics) after that batch. */
  running: Config | null;
  /** With `step > 0`: the logs of that batch (the epoch's logs if no batch is left). */
  logs: Logs | null;
  /** Logs of the epochs before `epoch`, to pre-fill the History fit returns. */
  history: { epoch: number[]; history: Record<string, number[]> };
}

/** @internal What fit publishes while it runs. */
export interface FitProgress {
  /** The epoch running. */
  epoch: number;
  /** The global generator's state when it began (before its shuffle). */
  rngAtEpochStart: GeneratorState;
  /** The optimizer's plain learning rate before the epoch's `onEpochBegin` (null: a schedule). */
  lrAtEpochStart: number | null;
}

const resumeRequests = new WeakMap<Model, FitResumePoint>();
const progress = new WeakMap<Model, FitProgress>();

/** @internal Asks the `fit` now starting on `model` to resume at `point`. */
export function requestResume(model: Model, point: FitResumePoint): void {
  resumeRequests.set(model, point);
}

/** @internal The resume point asked for (once: it is forgotten when taken). */
export function takeResume(model: Model): FitResumePoint | null {
  const r = resumeRequests.get(model) ?? null;
  resumeRequests.delete(model);
  return r;
}

/** @internal Called by fit at the start of each epoch. */
export function publishProgress(model: Model, p: FitProgress): void {
  progress.set(model, p);
}

/** @internal Where fit is on `model` (null outside fit). */
export function fitProgress(model: Model): FitProgress | null {
  return progress.get(model) ?? null;
}

/** @internal Called by fit when it ends (after a failure, the next epoch start overwrites it). */
export function clearProgress(model: Model): void {
  progress.delete(model);
  resumeRequests.delete(model);
}

type Snap = ConfigValue;
const TYPED: Record<string, new (a: ArrayLike<number>) => ArrayLike<number>> = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
};

/** A number as JSON keeps it exactly (NaN and ±Infinity as strings). */
function num(v: number): Snap {
  return Number.isFinite(v) ? v : { nonFinite: String(v) };
}

function unnum(v: Snap, what: string): number {
  if (typeof v === 'number') return v;
  const s = (v as { nonFinite?: unknown })?.nonFinite;
  if (s === 'NaN' || s === 'Infinity' || s === '-Infinity') return Number(s);
  throw new ValueError(`BackupAndRestore: malformed number for ${what}: ${JSON.stringify(v)}`);
}

/**
 * @internal The data fields of a stateful object (a loss tracker, a metric) as exact JSON: numbers,
 * null, typed arrays, arrays and plain objects of those, recursively. Functions, `name` and
 * `options` (configuration, not state) are left out.
 */
export function snapshotFields(obj: object): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'name' || k === 'options') continue;
    const s = snapValue(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

function snapValue(v: unknown): Snap | undefined {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return num(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const ctor = v.constructor.name;
    if (!(ctor in TYPED)) return undefined;
    return { typed: ctor, values: Array.from(v as unknown as ArrayLike<number>, num) };
  }
  if (Array.isArray(v)) {
    const a = v.map(snapValue);
    return a.every((x) => x !== undefined) ? (a as Snap[]) : undefined;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return { plain: snapshotFields(v as object) };
  }
  return undefined;
}

/** @internal Writes fields saved by {@link snapshotFields} back into `obj`. */
export function restoreFields(obj: object, snap: Config, what: string): void {
  const o = obj as Record<string, unknown>;
  for (const [k, v] of Object.entries(snap)) o[k] = unsnapValue(v, `${what}.${k}`);
}

function unsnapValue(v: Snap, what: string): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number')
    return v;
  if (Array.isArray(v)) return v.map((x, i) => unsnapValue(x, `${what}[${i}]`));
  const rec = v as Record<string, Snap>;
  if ('nonFinite' in rec) return unnum(v, what);
  if ('typed' in rec) {
    const Ctor = TYPED[String(rec.typed)];
    if (!Ctor || !Array.isArray(rec.values))
      throw new ValueError(`BackupAndRestore: malformed typed array for ${what}`);
    return new Ctor(rec.values.map((x) => unnum(x, what)));
  }
  if ('plain' in rec && rec.plain && typeof rec.plain === 'object') {
    const out: Record<string, unknown> = {};
    restoreFields(out, rec.plain as Config, what);
    return out;
  }
  throw new ValueError(`BackupAndRestore: malformed saved state for ${what}`);
}

/** The running parts of a compiled model that one epoch accumulates. */
interface RunningState {
  lossTracker: object;
  outputLossTrackers: readonly object[];
  metrics: readonly (readonly object[])[] | null;
}

/** @internal The epoch's running means: loss trackers and metric states. */
export function runningState(st: RunningState): Config {
  return {
    loss: snapshotFields(st.lossTracker),
    outputs: st.outputLossTrackers.map((t) => snapshotFields(t)),
    metrics: st.metrics ? st.metrics.map((ms) => ms.map((m) => snapshotFields(m))) : null,
  };
}

/** @internal Restores {@link runningState}; the metrics must exist (same compile as saved). */
export function restoreRunningState(st: RunningState, snap: Config): void {
  restoreFields(st.lossTracker, snap.loss as Config, 'loss tracker');
  const outs = (snap.outputs ?? []) as Config[];
  if (outs.length !== st.outputLossTrackers.length)
    throw new ValueError(
      `BackupAndRestore: the backup has ${outs.length} output loss trackers but the model has ${st.outputLossTrackers.length}`,
    );
  outs.forEach((o, i) => restoreFields(st.outputLossTrackers[i]!, o, `output ${i} loss tracker`));
  const ms = snap.metrics as Config[][] | null;
  if (!ms) return;
  const mine = st.metrics ?? [];
  const count = (x: readonly (readonly unknown[])[]) => x.map((a) => a.length).join(',');
  if (count(ms) !== count(mine))
    throw new ValueError(
      `BackupAndRestore: the backup's metrics (${count(ms)} per output) differ from the model's (${count(mine)}); compile the model as the interrupted run did`,
    );
  ms.forEach((list, i) =>
    list.forEach((m, j) => restoreFields(mine[i]![j]!, m, `metric ${i}/${j}`)),
  );
}
