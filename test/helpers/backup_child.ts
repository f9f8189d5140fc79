/**
 * Child process of the BackupAndRestore kill test (src/callbacks/backup_and_restore.test.ts):
 * trains a small model with shuffling, dropout and a validation split, from a fixed seed, and
 * writes its final weights (base64 of the float32 bytes) and History to a JSON file.
 *
 *   node --import tsx test/helpers/backup_child.ts <out.json> [<backupDir> <saveFreq>]
 *
 * With a backup directory it trains with BackupAndRestore (saveFreq 'epoch' or a number of
 * batches) and prints where each fit started (`start <epoch> <batch>`), so the parent can kill
 * it at random moments and start it again until it finishes.
 */
// A child process: register the Node backends as the package entry does.
import '../../src/backend/node_backends.js';
import { writeFileSync } from 'node:fs';
import { BackupAndRestore } from '../../src/callbacks/backup_and_restore.js';
import type { Callback, CallbackHooks } from '../../src/callbacks/callback.js';
import { Dropout } from '../../src/layers/core.js';
import { Dense } from '../../src/layers/dense.js';
import { Sequential } from '../../src/models/sequential.js';
import { tensor } from '../../src/ops/creation.js';
import { Generator, setSeed } from '../../src/ops/random.js';

const [out, backupDir, freqArg] = process.argv.slice(2);
if (!out) throw new Error('usage: backup_child.ts <out.json> [<backupDir> <saveFreq>]');

const g = new Generator(321);
const x = Array.from({ length: 64 }, () => Array.from({ length: 6 }, () => g.normal()));
const y = x.map((r) => (r[0]! - r[3]! > 0 ? 1 : 0) + (r[1]! > 0.5 ? 1 : 0));

setSeed(11);
const model = new Sequential({
  layers: [
    new Dense({ units: 32, inputShape: [6], activation: 'relu' }),
    new Dropout({ rate: 0.25 }),
    new Dense({ units: 16, activation: 'relu' }),
    new Dropout({ rate: 0.1, seed: 5 }),
    new Dense({ units: 3, activation: 'softmax' }),
  ],
});
model.compile({
  optimizer: 'adam',
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
} as never);

const callbacks: (Callback | CallbackHooks)[] = [];
if (backupDir) {
  const saveFreq = freqArg === 'epoch' || !freqArg ? 'epoch' : Number(freqArg);
  callbacks.push(new BackupAndRestore({ backupDir, saveFreq }));
}
let first = true;
callbacks.push({
  onTrainBatchBegin: (batch: number) => {
    if (first) process.stdout.write(`start ${epochNow} ${batch}\n`);
    first = false;
  },
  onEpochBegin: (e: number) => {
    epochNow = e;
  },
  // Slows each batch a little, so that kills land at every kind of moment (mid-batch,
  // mid-save, between epochs) instead of after the run has ended. Draws no random numbers.
  onTrainBatchEnd: () => new Promise<void>((r) => setTimeout(r, 8)),
});
let epochNow = 0;

const history = await model.fit(tensor(x), tensor(y), {
  epochs: 6,
  batchSize: 8,
  shuffle: true,
  validationSplit: 0.25,
  verbose: 0,
  callbacks,
});
const weights = model
  .getWeights()
  .map((w) => Buffer.from(new Float32Array(w.dataSync()).buffer).toString('base64'));
writeFileSync(out, JSON.stringify({ weights, history: history.history, epochs: history.epoch }));
