/**
 * Callbacks: objects whose hooks `fit`, `evaluate` and `predict` call during training —
 * `History`, `ProgbarLogger`, `EarlyStopping`, `ModelCheckpoint`, `ReduceLROnPlateau`,
 * `LearningRateScheduler`, `CSVLogger`, `TerminateOnNaN`, `BackupAndRestore` — with lowercase
 * factory functions, and the checkpoint file reader.
 */
import { BackupAndRestore, type BackupAndRestoreArgs } from './backup_and_restore.js';
import { CSVLogger, type CSVLoggerArgs } from './csv_logger.js';
import { EarlyStopping, type EarlyStoppingArgs } from './early_stopping.js';
import { LambdaCallback, type LambdaCallbackArgs } from './lambda_callback.js';
import {
  type EpochSchedule,
  LearningRateScheduler,
  type LearningRateSchedulerArgs,
} from './lr_scheduler.js';
import { ModelCheckpoint, type ModelCheckpointArgs } from './model_checkpoint.js';
import { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './reduce_lr_on_plateau.js';
import { SwapEMAWeights, type SwapEMAWeightsArgs } from './swap_ema_weights.js';
import { TerminateOnNaN, type TerminateOnNaNArgs } from './terminate_on_nan.js';

export {
  Callback,
  CallbackList,
  History,
  type CallbackHooks,
  type Logs,
  type TrainingParams,
} from './callback.js';
export { ProgbarLogger, type ProgbarOptions, pageProgbar } from './progbar.js';
export {
  type ChartTarget,
  type FitCallbacksOptions,
  LiveChart,
  fitCallbacks,
} from './live_chart.js';
export { MonitorCallback, type MonitorArgs, type MonitorMode } from './monitor.js';
export { EarlyStopping, type EarlyStoppingArgs } from './early_stopping.js';
export { ModelCheckpoint, type ModelCheckpointArgs } from './model_checkpoint.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './reduce_lr_on_plateau.js';
export {
  LearningRateScheduler,
  type LearningRateSchedulerArgs,
  type EpochSchedule,
} from './lr_scheduler.js';
export { CSVLogger, type CSVLoggerArgs } from './csv_logger.js';
export { TerminateOnNaN, type TerminateOnNaNArgs } from './terminate_on_nan.js';
export { BackupAndRestore, type BackupAndRestoreArgs } from './backup_and_restore.js';
export { LambdaCallback, type LambdaCallbackArgs } from './lambda_callback.js';
export { SwapEMAWeights, type SwapEMAWeightsArgs } from './swap_ema_weights.js';
export {
  readCheckpoint,
  loadCheckpointWeights,
  type Checkpoint,
  type CheckpointTensor,
} from '../io/checkpoint_format.js';

/**
 * Creates an {@link EarlyStopping} callback.
 * @example const stop = earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
 */
export function earlyStopping(args?: EarlyStoppingArgs): EarlyStopping {
  return new EarlyStopping(args);
}

/**
 * Creates a {@link ModelCheckpoint} callback.
 * @example const ckpt = modelCheckpoint({ filepath: 'ckpt/w.{epoch:02d}.tsckpt', saveWeightsOnly: true });
 */
export function modelCheckpoint(args: ModelCheckpointArgs | string): ModelCheckpoint {
  return new ModelCheckpoint(args);
}

/**
 * Creates a {@link ReduceLROnPlateau} callback.
 * @example const reduce = reduceLROnPlateau({ factor: 0.5, patience: 2 });
 */
export function reduceLROnPlateau(args?: ReduceLROnPlateauArgs): ReduceLROnPlateau {
  return new ReduceLROnPlateau(args);
}

/**
 * Creates a {@link LearningRateScheduler} callback.
 * @example const sched = learningRateScheduler((epoch, lr) => (epoch < 5 ? lr : lr * 0.9));
 */
export function learningRateScheduler(
  schedule: EpochSchedule | LearningRateSchedulerArgs,
  verbose = 0,
): LearningRateScheduler {
  return new LearningRateScheduler(schedule, verbose);
}

/**
 * Creates a {@link CSVLogger} callback.
 * @example const logger = csvLogger({ filename: 'training.csv', append: true });
 */
export function csvLogger(args: CSVLoggerArgs | string): CSVLogger {
  return new CSVLogger(args);
}

/**
 * Creates a {@link TerminateOnNaN} callback.
 * @example const guard = terminateOnNaN();
 */
export function terminateOnNaN(args?: TerminateOnNaNArgs): TerminateOnNaN {
  return new TerminateOnNaN(args);
}

/**
 * Creates a {@link BackupAndRestore} callback.
 * @example const backup = backupAndRestore({ backupDir: '/tmp/run1-backup', saveFreq: 100 });
 */
export function backupAndRestore(args: BackupAndRestoreArgs): BackupAndRestore {
  return new BackupAndRestore(args);
}

/**
 * Creates a {@link LambdaCallback} from hook functions.
 * @example const cb = lambdaCallback({ onEpochEnd: (e, logs) => console.log(e, logs.loss) });
 */
export function lambdaCallback(args: LambdaCallbackArgs): LambdaCallback {
  return new LambdaCallback(args);
}

/**
 * Creates a {@link SwapEMAWeights} callback (evaluate/predict with the optimizer's EMA weights).
 * @example const swap = swapEMAWeights({ swapOnEpoch: true });
 */
export function swapEMAWeights(args?: SwapEMAWeightsArgs): SwapEMAWeights {
  return new SwapEMAWeights(args);
}
export {
  histogramCallbacks,
  HistogramCallback,
  type HistogramCallbackOptions,
  type HistogramRecord,
} from './histogram_callback.js';
