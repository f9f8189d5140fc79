/**
 * `ModelCheckpoint`: saves the model's weights (and optimizer state) to a file during `fit`,
 * every epoch, every N batches, or only when a monitored quantity improves (Keras 3's
 * `keras.callbacks.ModelCheckpoint`).
 */
import { TesseraError, ValueError } from '../errors.js';
import { type CheckpointIO, modelStateTensors, writeCheckpoint } from '../io/checkpoint_format.js';
import { nodeFs } from '../io/node_io.js';
import type { Config } from '../serialization.js';
import type { Logs } from './callback.js';
import { type MonitorArgs, MonitorCallback } from './monitor.js';
import { type PyValue, formatNumber, pyFormat } from './pyformat.js';

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointArgs extends MonitorArgs {
  /**
   * Where to save. May contain Python-style named fields filled from the epoch (1-based) and
   * the logs, e.g. `'ckpt/weights.{epoch:02d}-{val_loss:.2f}.tsckpt'`; with an integer
   * `saveFreq`, `{batch}` (1-based) is available too. Parent directories are created.
   */
  filepath: string;
  /** 0: silent; 1: prints a message at each save decision. Default 0. */
  verbose?: number;
  /**
   * Save only when the monitored quantity improves on the best seen so far. Without fields in
   * `filepath`, the file is overwritten by each new best. Default false.
   */
  saveBestOnly?: boolean;
  /**
   * Save only the model's weights; when false the optimizer state and the model's config are
   * saved too. Default false.
   */
  saveWeightsOnly?: boolean;
  /** `'epoch'`: save after every epoch; an integer N: save after every N training batches. Default `'epoch'`. */
  saveFreq?: 'epoch' | number;
  /**
   * Initial "best" value of the monitored quantity (with `saveBestOnly`): nothing is saved
   * until the quantity beats it. Default: none.
   */
  initialValueThreshold?: number | null;
}

/**
 * Saves the model or its weights to a file during training.
 *
 * With `saveFreq: 'epoch'` a checkpoint is written at the end of each epoch; with an integer
 * it is written every that many training batches. `filepath` is formatted like Python's
 * `str.format` with `epoch` (1-based), `batch` (1-based, batch-level saving only) and every
 * logged quantity, so `'w.{epoch:02d}-{val_loss:.4f}.tsckpt'` gives `w.03-0.1234.tsckpt`. With
 * `saveBestOnly`, a checkpoint is written only when the monitored quantity improves (if it is
 * missing from the logs, a warning is printed once and the checkpoint is written anyway, as
 * Keras does).
 *
 * Files use Tessera's checkpoint format (see `checkpoint_format.ts`: a JSON header listing
 * each tensor's name, shape, dtype and byte range, then the raw little-endian data), written
 * atomically through a temporary file in the same directory, so an interrupted save never
 * leaves a half-written checkpoint in place. Read them with `readCheckpoint` or
 * `loadCheckpointWeights`. Keras's `.weights.h5` and `.keras` formats, and the file-name
 * extension checks that go with them, come with the saving feature; until then any file name
 * is accepted. Node.js only.
 * @example
 * const ckpt = new ModelCheckpoint({
 *   filepath: 'ckpt/best.tsckpt',
 *   monitor: 'val_accuracy',
 *   mode: 'max',
 *   saveBestOnly: true,
 * });
 * await model.fit(x, y, { epochs: 20, validationSplit: 0.2, callbacks: [ckpt] });
 * await loadCheckpointWeights(model, 'ckpt/best.tsckpt');
 */
export class ModelCheckpoint extends MonitorCallback {
  readonly filepath: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: 'epoch' | number;
  /** @internal File operations (tests inject failures). */
  io: CheckpointIO | undefined = undefined;
  /** Paths written so far, in order. */
  readonly saved: string[] = [];
  private currentEpoch = 0;
  private batchesSinceSave = 0;
  private lastBatchSeen = 0;

  constructor(args: ModelCheckpointArgs | string) {
    const a: ModelCheckpointArgs = typeof args === 'string' ? { filepath: args } : args;
    super(
      'ModelCheckpoint',
      a?.monitor ?? 'val_loss',
      a?.mode ?? 'auto',
      typeof a?.initialValueThreshold === 'number' && !Number.isNaN(a.initialValueThreshold)
        ? a.initialValueThreshold
        : null,
      0,
    );
    if (typeof a?.filepath !== 'string' || a.filepath.length === 0) {
      throw new ValueError(
        `ModelCheckpoint: filepath must be a non-empty string, got ${JSON.stringify(a?.filepath)}`,
      );
    }
    const threshold = a.initialValueThreshold ?? null;
    if (threshold !== null && (typeof threshold !== 'number' || Number.isNaN(threshold))) {
      throw new ValueError(
        `ModelCheckpoint: initialValueThreshold must be a number, got ${String(threshold)}`,
      );
    }
    const freq = a.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(Number.isInteger(freq) && (freq as number) > 0)) {
      throw new ValueError(
        `ModelCheckpoint: unrecognized saveFreq ${JSON.stringify(freq)}; expected 'epoch' or a positive integer`,
      );
    }
    this.filepath = a.filepath;
    this.verbose = a.verbose ?? 0;
    this.saveBestOnly = a.saveBestOnly ?? false;
    this.saveWeightsOnly = a.saveWeightsOnly ?? false;
    this.saveFreq = freq;
  }

  onTrainBatchEnd(batch: number, logs: Logs): Promise<void> | undefined {
    if (this.shouldSaveOnBatch(batch)) return this.save(this.currentEpoch, batch, logs);
    return undefined;
  }

  onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  onEpochEnd(epoch: number, logs: Logs): Promise<void> | undefined {
    if (this.saveFreq === 'epoch') return this.save(epoch, null, logs);
    return undefined;
  }

  private shouldSaveOnBatch(batch: number): boolean {
    if (this.saveFreq === 'epoch') return false;
    // A batch index not above the last one means a new epoch began.
    const added = batch <= this.lastBatchSeen ? batch + 1 : batch - this.lastBatchSeen;
    this.batchesSinceSave += added;
    this.lastBatchSeen = batch;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      return true;
    }
    return false;
  }

  /** The file path for an epoch (0-based), a batch (0-based, or null) and logs. */
  filePathFor(epoch: number, batch: number | null, logs: Logs): string {
    const values: Record<string, PyValue> = {};
    for (const [k, v] of Object.entries(logs ?? {})) values[k] = { value: v, isInt: false };
    values.epoch = { value: epoch + 1, isInt: true };
    if (batch !== null && !('batch' in (logs ?? {})))
      values.batch = { value: batch + 1, isInt: true };
    try {
      return pyFormat(this.filepath, values);
    } catch (e) {
      throw new ValueError(
        `ModelCheckpoint: failed to format the filepath "${this.filepath}". Reason: ${(e as Error).message}`,
      );
    }
  }

  private shouldSave(epoch: number, logs: Logs, path: string): boolean {
    if (!this.saveBestOnly) {
      if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
      return true;
    }
    const current = this.monitorValue(
      logs,
      'ModelCheckpoint: can save best model only with metric',
    );
    if (current === undefined) return true;
    const f5 = (v: number) => formatNumber({ value: v, isInt: false }, '.5f');
    const bestStr = this.best === null ? 'None' : f5(this.best);
    if (this.isImprovement(current, this.best)) {
      if (this.verbose > 0)
        console.log(
          `\nEpoch ${epoch + 1}: ${this.monitor} improved from ${bestStr} to ${f5(current)}, saving model to ${path}`,
        );
      this.best = current;
      return true;
    }
    if (this.verbose > 0)
      console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${bestStr}`);
    return false;
  }

  private async save(epoch: number, batch: number | null, logs: Logs): Promise<void> {
    const model = this.model;
    if (!model)
      throw new ValueError('ModelCheckpoint: no model is set (the callback must be used in fit)');
    const path = this.filePathFor(epoch, batch, logs);
    if (!this.shouldSave(epoch, logs, path)) return;
    if (!this.io) {
      const fs = await nodeFs('ModelCheckpoint');
      const st = await fs.stat(path).catch(() => null);
      if (st?.isDirectory()) {
        throw new TesseraError(
          `ModelCheckpoint: please specify a non-directory filepath; the filepath used is an existing directory: ${path}`,
        );
      }
    }
    // Keras's own formats when the path asks for them (the default in Keras 3), through the
    // same atomic save path as model.save.
    if (!this.io && (path.endsWith('.keras') || path.endsWith('.weights.h5'))) {
      if (path.endsWith('.keras') && this.saveWeightsOnly) {
        throw new ValueError(
          `ModelCheckpoint: saveWeightsOnly needs a .weights.h5 path, got '${path}'`,
        );
      }
      // Model.save's own file operations (installed by io; callbacks does not import io's
      // loaders, which read configs through the models folder).
      if (path.endsWith('.keras')) await model.save(path);
      else await model.saveWeights(path);
      this.saved.push(path);
      return;
    }
    const metadata: Config = {
      kind: this.saveWeightsOnly ? 'weights' : 'model',
      modelName: model.name,
      modelClass: model.className,
      epoch: epoch + 1,
      logs: Object.fromEntries(
        Object.entries(logs ?? {}).map(([k, v]) => [k, Number.isFinite(v) ? v : String(v)]),
      ),
    };
    if (batch !== null) metadata.batch = batch + 1;
    if (!this.saveWeightsOnly) {
      try {
        metadata.modelConfig = model.getConfig();
      } catch {
        // Subclassed models may have no config; their weights are still saved.
      }
    }
    await writeCheckpoint(path, modelStateTensors(model, !this.saveWeightsOnly), metadata, this.io);
    this.saved.push(path);
  }
}
