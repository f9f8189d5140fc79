/**
 * `BackupAndRestore` (Keras 3's `keras.callbacks.BackupAndRestore`): backs the whole training
 * state up during `fit` and, when a later `fit` finds a backup, restores it and continues where
 * the interrupted run stopped, bit for bit.
 */
import { ValueError } from '../errors.js';
import {
  type Checkpoint,
  type CheckpointTensor,
  checkpointTensors,
  decodeCheckpoint,
  encodeCheckpoint,
  modelStateTensors,
} from '../io/checkpoint_format.js';
import { FormatError } from '../io/errors.js';
import { type FileOps, atomicWriteFile, nodeFileOps } from '../io/files.js';
import { nodeFs } from '../io/node_io.js';
import { Layer } from '../layers/layer.js';
import { Generator, type GeneratorState, globalGenerator } from '../ops/random.js';
import type { Config } from '../serialization.js';
import { Callback, type Logs, type Model } from './callback.js';
import {
  type FitResumePoint,
  fitProgress,
  requestResume,
  restoreFields,
  runningState,
  snapshotFields,
} from './fit_resume.js';

/** Options of {@link BackupAndRestore} (camelCase mirrors of Keras's arguments). */
export interface BackupAndRestoreArgs {
  /**
   * Directory of the backup (created when needed). Use it for one training run only: another
   * run's backup there would be restored into this one.
   */
  backupDir: string;
  /**
   * `'epoch'` (default): back up at the end of every epoch; an integer N: after every N
   * training batches (a resumed run then skips the batches its epoch had already trained).
   */
  saveFreq?: 'epoch' | number;
  /**
   * Keep the previous backup beside the latest one, and restore it when the latest is
   * unreadable. Default false.
   */
  doubleCheckpoint?: boolean;
  /** Delete the backup when `fit` ends normally. Default true. */
  deleteCheckpoint?: boolean;
}

/** The backup's file name inside `backupDir`. */
const LATEST = 'latest.tsckpt';
/** What the backup's metadata says it is. */
const KIND = 'tessera-backup';
const BACKUP_VERSION = 1;

/** FNV-1a (32-bit) over bytes, continuing from `h`. */
function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): number {
  let x = h;
  for (let i = 0; i < bytes.length; i++) x = Math.imul(x ^ bytes[i]!, 0x01000193);
  return x >>> 0;
}

/**
 * A checksum over the metadata's JSON and every tensor's bytes: the checkpoint format checks
 * sizes and offsets, and this also catches a flipped bit, so a damaged backup is refused
 * instead of resuming from wrong numbers.
 */
function checksum(meta: Config, tensors: readonly CheckpointTensor[]): number {
  let h = fnv1a(new TextEncoder().encode(JSON.stringify(meta)));
  for (const t of tensors)
    h = fnv1a(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), h);
  return h;
}

/** Every random generator a model's layers own (seeded Dropout, noise layers, RNN cells). */
function layerGenerators(model: Model): { path: string; gen: Generator }[] {
  const out: { path: string; gen: Generator }[] = [];
  const seenLayers = new Set<Layer>();
  const seenGens = new Set<Generator>();
  const visit = (l: Layer, path: string) => {
    if (seenLayers.has(l)) return;
    seenLayers.add(l);
    const children: Layer[] = [];
    // Layers keep generators and sublayers in their own fields (`generator`, `cell`,
    // `forwardLayer`, tracked sublayers); property order follows construction, so the same
    // code builds the same list.
    for (const [k, v] of Object.entries(l)) {
      if (v instanceof Generator && !seenGens.has(v)) {
        seenGens.add(v);
        out.push({ path: `${path}.${k}`, gen: v });
      } else if (v instanceof Layer) children.push(v);
      else if (Array.isArray(v)) for (const c of v) if (c instanceof Layer) children.push(c);
    }
    const modelLayers = (l as { layers?: unknown }).layers;
    if (Array.isArray(modelLayers))
      for (const c of modelLayers) if (c instanceof Layer) children.push(c);
    for (const c of children) visit(c, `${path}/${c.name}`);
  };
  visit(model, model.name);
  return out;
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}/${name}`;
}

function isMissing(e: unknown): boolean {
  return (e as { code?: string })?.code === 'ENOENT';
}

/**
 * Backs up the training state during `fit` and restores it when `fit` is run again after an
 * interruption (a crash, `kill -9`, a pre-empted machine), so that training continues where it
 * stopped instead of from the start.
 *
 * At the end of every epoch (or every `saveFreq` batches) it writes, atomically, one file
 * `backupDir/latest.tsckpt` holding the model's weights, the optimizer's state (iterations and
 * slots; a learning-rate schedule follows from the iterations, and a plain learning rate
 * changed during training is saved too), the epoch and batch reached, the state of every
 * random generator (the global one, which shuffles the data, and every seeded layer's, such as
 * a `Dropout({seed})`), the epoch's running loss and metric values, and the logs of the epochs
 * done. When `fit` starts with a backup in `backupDir`, all of it is restored and `fit` starts
 * at that epoch, skipping the batches that epoch had already trained in the same shuffled
 * order. With a fixed seed (`setSeed`) and the same model, data and `fit` arguments, the
 * resumed run's weights and losses are bit-identical to an uninterrupted run's.
 *
 * Unlike Keras, the History `fit` returns also holds the epochs trained before the
 * interruption (from the backup), so `history.history.loss` covers the whole run.
 *
 * A backup that is truncated or damaged (the file format checks its sizes, and a checksum
 * covers the rest) is refused with a `FormatError` rather than silently ignored; with
 * `doubleCheckpoint` the previous backup is restored instead. The model must be built before
 * `fit` when a backup exists, and be built and compiled as the interrupted run's was. State of
 * other callbacks (EarlyStopping's patience, ReduceLROnPlateau's counters) is not backed up,
 * as in Keras; list BackupAndRestore after callbacks that change the learning rate at an
 * epoch's end (ReduceLROnPlateau), so that the epoch's backup holds the new rate. When `fit` ends normally the backup is deleted (`deleteCheckpoint`); the
 * directory is removed if nothing else is left in it. Node.js only.
 * @example
 * setSeed(1);
 * const backup = new BackupAndRestore({ backupDir: '/tmp/run1-backup' });
 * // Run this again after a crash: it resumes from the last epoch backed up.
 * await model.fit(x, y, { epochs: 50, callbacks: [backup] });
 */
export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly saveFreq: 'epoch' | number;
  readonly doubleCheckpoint: boolean;
  readonly deleteCheckpoint: boolean;
  /** @internal File operations (tests inject failures). */
  io: FileOps | undefined = undefined;
  private currentEpoch = 0;
  private batchesSinceSave = 0;
  private history: { epoch: number[]; history: Record<string, number[]> } = {
    epoch: [],
    history: {},
  };
  /** Bytes of the last backup written or restored (the previous one, with doubleCheckpoint). */
  private lastBytes: Uint8Array | null = null;

  constructor(args: BackupAndRestoreArgs) {
    super();
    const dir = args?.backupDir;
    if (typeof dir !== 'string' || dir.length === 0)
      throw new ValueError(
        `BackupAndRestore: backupDir must be a non-empty string, got ${JSON.stringify(dir)}`,
      );
    const freq = args.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(Number.isInteger(freq) && (freq as number) > 0))
      throw new ValueError(
        `BackupAndRestore: saveFreq must be 'epoch' or a positive integer, got ${JSON.stringify(freq)}`,
      );
    for (const k of ['doubleCheckpoint', 'deleteCheckpoint'] as const) {
      if (args[k] !== undefined && typeof args[k] !== 'boolean')
        throw new ValueError(`BackupAndRestore: ${k} must be a boolean, got ${String(args[k])}`);
    }
    this.backupDir = dir;
    this.saveFreq = freq;
    this.doubleCheckpoint = args.doubleCheckpoint ?? false;
    this.deleteCheckpoint = args.deleteCheckpoint ?? true;
  }

  /** The latest backup's path. */
  get backupPath(): string {
    return join(this.backupDir, LATEST);
  }

  /** The previous backup's path (with `doubleCheckpoint`). */
  get previousBackupPath(): string {
    return `${this.backupPath}.bkp`;
  }

  async onTrainBegin(): Promise<void> {
    this.currentEpoch = 0;
    this.batchesSinceSave = 0;
    this.history = { epoch: [], history: {} };
    this.lastBytes = null;
    const found = await this.readBackup();
    if (found) this.restore(found.ckpt, found.path, found.bytes);
  }

  onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  async onTrainBatchEnd(batch: number, logs: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave++;
    if (this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    const model = this.requireModel();
    const p = fitProgress(model);
    if (!p)
      throw new ValueError('BackupAndRestore: batch-level backups need fit (no fit is running)');
    // The learning rate the epoch began with: a resumed run calls onEpochBegin for this epoch
    // again, and a LearningRateScheduler must see the rate it saw the first time.
    await this.save(
      {
        epoch: this.currentEpoch,
        step: batch + 1,
        rngAtEpochStart: p.rngAtEpochStart,
        rngAtStep: globalGenerator().getState(),
        running: model.compiled ? runningState(model.compiled) : null,
        logs: { ...logs },
        history: this.history,
      },
      p.lrAtEpochStart,
    );
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    this.history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs ?? {})) {
      this.history.history[k] ??= [];
      this.history.history[k].push(v);
    }
    if (this.saveFreq !== 'epoch') return;
    const lr = this.model?.optimizer?.learningRate;
    await this.save(
      {
        epoch: epoch + 1,
        step: 0,
        rngAtEpochStart: globalGenerator().getState(),
        rngAtStep: null,
        running: null,
        logs: null,
        history: this.history,
      },
      typeof lr === 'number' ? lr : null,
    );
  }

  async onTrainEnd(): Promise<void> {
    if (!this.deleteCheckpoint) return;
    const fs = await nodeFs('BackupAndRestore');
    await fs.rm(this.backupPath, { force: true });
    await fs.rm(this.previousBackupPath, { force: true });
    // Temporaries a killed save left behind (`.latest.tsckpt.<pid>.<time>.tmp`).
    const names = await fs.readdir(this.backupDir).catch(() => [] as string[]);
    for (const n of names) {
      if (n.startsWith(`.${LATEST}.`) && n.endsWith('.tmp'))
        await fs.rm(join(this.backupDir, n), { force: true });
    }
    // The directory goes only when empty: it may be a directory the user keeps other files in.
    await fs.rmdir(this.backupDir).catch(() => undefined);
  }

  private requireModel(): Model {
    if (!this.model)
      throw new ValueError('BackupAndRestore: no model is set (the callback must be used in fit)');
    return this.model;
  }

  private async save(point: FitResumePoint, learningRate: number | null): Promise<void> {
    const model = this.requireModel();
    const opt = model.optimizer;
    const tensors = modelStateTensors(model, true);
    const meta: Config = {
      kind: KIND,
      version: BACKUP_VERSION,
      modelName: model.name,
      epoch: point.epoch,
      step: point.step,
      rngAtEpochStart: { ...point.rngAtEpochStart, s: [...point.rngAtEpochStart.s] },
      rngAtStep: point.rngAtStep ? { ...point.rngAtStep, s: [...point.rngAtStep.s] } : null,
      layerRng: layerGenerators(model).map(({ path, gen }) => {
        const st = gen.getState();
        return { path, s: [...st.s], spare: st.spare };
      }),
      running: point.running,
      logs: point.logs ? snapshotFields(point.logs) : null,
      historyEpochs: [...point.history.epoch],
      history: snapshotFields(point.history.history),
      learningRate,
      optimizerBuilt: opt?.built ?? false,
      samples: this.params.samples,
      batchSize: this.params.batchSize,
    };
    meta.checksum = checksum(meta, tensors);
    const bytes = encodeCheckpoint(tensors, meta);
    const io = this.io ?? (await nodeFileOps('BackupAndRestore'));
    if (this.doubleCheckpoint && this.lastBytes)
      await atomicWriteFile(this.previousBackupPath, this.lastBytes, io);
    await atomicWriteFile(this.backupPath, bytes, io);
    this.lastBytes = bytes;
  }

  /** Reads and checks a backup file; null when there is none. */
  private async readOne(path: string): Promise<{ ckpt: Checkpoint; bytes: Uint8Array } | null> {
    const fs = await nodeFs('BackupAndRestore');
    let buf: Buffer;
    try {
      buf = await fs.readFile(path);
    } catch (e) {
      if (isMissing(e)) return null;
      throw new FormatError(
        `BackupAndRestore: cannot read the backup '${path}': ${(e as Error).message}`,
      );
    }
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    let ckpt: Checkpoint;
    try {
      ckpt = decodeCheckpoint(bytes, `'${path}'`);
    } catch (e) {
      throw new FormatError(
        `BackupAndRestore: the backup '${path}' is damaged and was not restored (${(e as Error).message}); delete it to start training from scratch`,
      );
    }
    const { checksum: sum, ...rest } = ckpt.metadata;
    if (rest.kind !== KIND || rest.version !== BACKUP_VERSION)
      throw new FormatError(
        `BackupAndRestore: '${path}' is not a version-${BACKUP_VERSION} Tessera backup (kind ${JSON.stringify(rest.kind)}, version ${JSON.stringify(rest.version)})`,
      );
    if (sum !== checksum(rest, ckpt.tensors))
      throw new FormatError(
        `BackupAndRestore: the backup '${path}' is damaged (checksum mismatch) and was not restored; delete it to start training from scratch`,
      );
    return { ckpt, bytes };
  }

  private async readBackup(): Promise<{
    ckpt: Checkpoint;
    path: string;
    bytes: Uint8Array;
  } | null> {
    try {
      const r = await this.readOne(this.backupPath);
      if (r) return { ...r, path: this.backupPath };
      if (!this.doubleCheckpoint) return null;
    } catch (e) {
      if (!this.doubleCheckpoint) throw e;
      const prev = await this.readOne(this.previousBackupPath).catch(() => null);
      if (!prev) throw e;
      console.warn(`${(e as Error).message}; restoring the previous backup instead`);
      return { ...prev, path: this.previousBackupPath };
    }
    const prev = await this.readOne(this.previousBackupPath);
    return prev ? { ...prev, path: this.previousBackupPath } : null;
  }

  private restore(ckpt: Checkpoint, path: string, bytes: Uint8Array): void {
    const model = this.requireModel();
    const meta = ckpt.metadata;
    const fail = (why: string): never => {
      throw new ValueError(`BackupAndRestore: cannot restore '${path}' into ${model.name}: ${why}`);
    };
    const weights = ckpt.tensors.filter((t) => t.group === 'weights');
    const mine = model.weights;
    if (mine.length === 0 && weights.length > 0)
      fail(
        'the model is not built; build it before fit (give the first layer an input shape, or call it on a batch)',
      );
    if (weights.length !== mine.length)
      fail(`the backup holds ${weights.length} weights but the model has ${mine.length}`);
    weights.forEach((w, i) => {
      const s = mine[i]!.shape;
      if (w.shape.length !== s.length || w.shape.some((d, j) => d !== s[j]))
        fail(
          `weight ${i} ('${w.name}') has shape [${w.shape.join(', ')}] in the backup but [${s.join(', ')}] in the model ('${mine[i]!.name}')`,
        );
    });
    const gens = layerGenerators(model);
    const saved = meta.layerRng as { path: string; s: number[]; spare: number | null }[];
    if (!Array.isArray(saved) || saved.length !== gens.length)
      fail(
        `the backup has ${Array.isArray(saved) ? saved.length : 0} layer generators (seeded layers) but the model has ${gens.length}`,
      );
    const opt = model.optimizer;
    const optTensors = ckpt.tensors.filter((t) => t.group === 'optimizer');
    if (meta.optimizerBuilt && !opt) fail('the model is not compiled');
    model.setWeights(checkpointTensors(ckpt, 'weights'));
    if (opt && meta.optimizerBuilt) {
      // The first step would build the slots from the trainable weights, in this order.
      if (!opt.built) opt.build(model.trainableWeights);
      opt.setWeights(checkpointTensors(ckpt, 'optimizer'));
    } else if (optTensors.length > 0) fail('the backup has optimizer state but no optimizer');
    if (opt && typeof meta.learningRate === 'number' && typeof opt.learningRate === 'number')
      opt.learningRate = meta.learningRate;
    gens.forEach(({ gen }, i) => gen.setState({ s: saved[i]!.s as never, spare: saved[i]!.spare }));
    const history: Record<string, number[]> = {};
    restoreFields(history, (meta.history ?? {}) as Config, 'history');
    this.history = { epoch: [...((meta.historyEpochs as number[]) ?? [])], history };
    let logs: Logs | null = null;
    if (meta.logs) {
      logs = {};
      restoreFields(logs, meta.logs as Config, 'logs');
    }
    const epoch = meta.epoch as number;
    const step = meta.step as number;
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(step) || step < 0)
      fail(`invalid epoch ${String(epoch)} or step ${String(step)}`);
    // Skipping the batches an epoch already trained needs that epoch's batches.
    if (
      step > 0 &&
      (meta.samples !== this.params.samples || meta.batchSize !== this.params.batchSize)
    )
      fail(
        `it was made after batch ${step} of an epoch of ${String(meta.samples)} samples in batches of ${String(meta.batchSize)}, but this fit has ${this.params.samples} samples in batches of ${this.params.batchSize}; resume with the interrupted run's data and batchSize`,
      );
    this.currentEpoch = epoch;
    this.lastBytes = bytes;
    requestResume(model, {
      epoch,
      step,
      rngAtEpochStart: meta.rngAtEpochStart as unknown as GeneratorState,
      rngAtStep: (meta.rngAtStep ?? null) as unknown as GeneratorState | null,
      running: (meta.running ?? null) as Config | null,
      logs,
      history: this.history,
    });
  }
}
