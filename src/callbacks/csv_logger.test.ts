import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { CallbackList, type Logs } from './callback.js';
import { CSVLogger } from './csv_logger.js';
import { pyRepr } from './pyformat.js';
import { ReduceLROnPlateau } from './reduce_lr_on_plateau.js';

function model(): Sequential {
  const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
  return m;
}

const X = tensor([
  [1, 2],
  [2, 1],
  [3, 3],
  [-1, 2],
  [0, 1],
]);
const Y = tensor([[3], [3], [6], [1], [1]]);

async function drive(cb: CSVLogger, series: Logs[]): Promise<void> {
  const list = new CallbackList([cb], {} as Model, {
    epochs: series.length,
    steps: 1,
    verbose: 0,
    samples: 1,
    batchSize: 1,
  });
  await list.call('onTrainBegin', {});
  for (let e = 0; e < series.length; e++) await list.call('onEpochEnd', e, { ...series[e] });
  await list.call('onTrainEnd', {});
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('CSVLogger', () => {
  it('writes a header of sorted keys and one row per epoch', async () => {
    const file = path.join(dir, 'log.csv');
    const h = await model().fit(X, Y, {
      epochs: 3,
      verbose: 0,
      validationSplit: 0.4,
      callbacks: [new CSVLogger({ filename: file })],
    });
    const hist = h.history;
    const rows = [0, 1, 2].map((e) =>
      [
        e,
        pyRepr(hist.loss![e]!),
        pyRepr(hist.mae![e]!),
        pyRepr(hist.val_loss![e]!),
        pyRepr(hist.val_mae![e]!),
      ].join(','),
    );
    expect(fs.readFileSync(file, 'utf8')).toBe(
      `epoch,loss,mae,val_loss,val_mae\n${rows.join('\n')}\n`,
    );
  });

  it('without validation, adds the val_ columns as NA (Keras 3)', async () => {
    const file = path.join(dir, 'log.csv');
    const h = await model().fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new CSVLogger(file)] });
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('epoch,loss,mae,val_loss,val_mae');
    expect(lines[1]).toBe(`0,${pyRepr(h.history.loss![0]!)},${pyRepr(h.history.mae![0]!)},NA,NA`);
    expect(lines.length).toBe(3);
  });

  it('records learning_rate added by an earlier callback', async () => {
    const file = path.join(dir, 'log.csv');
    const reduce = new ReduceLROnPlateau({
      monitor: 'loss',
      patience: 1,
      minDelta: 1e9,
      factor: 0.5,
    });
    await model().fit(X, Y, { epochs: 3, verbose: 0, callbacks: [reduce, new CSVLogger(file)] });
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('epoch,learning_rate,loss,mae,val_learning_rate,val_loss,val_mae');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['0.01', '0.01', '0.005']);
  });

  it('overwrites by default; append adds rows without a second header', async () => {
    const file = path.join(dir, 'log.csv');
    fs.writeFileSync(file, 'old content\n');
    await drive(new CSVLogger({ filename: file, separator: ';' }), [{ loss: 0.5, val_loss: 1 }]);
    expect(fs.readFileSync(file, 'utf8')).toBe('epoch;loss;val_loss\n0;0.5;1.0\n');
    await drive(new CSVLogger({ filename: file, separator: ';', append: true }), [
      { loss: 0.25, val_loss: Number.NaN },
      { loss: 1e-5, val_loss: Number.POSITIVE_INFINITY },
    ]);
    expect(fs.readFileSync(file, 'utf8')).toBe(
      'epoch;loss;val_loss\n0;0.5;1.0\n0;0.25;nan\n1;1e-05;inf\n',
    );
  });

  it('append writes a header into a missing or empty file, and reuse truncates again', async () => {
    const file = path.join(dir, 'new.csv');
    const logger = new CSVLogger({ filename: file, append: true });
    await drive(logger, [{ loss: 1, val_loss: 2 }]);
    expect(fs.readFileSync(file, 'utf8')).toBe('epoch,loss,val_loss\n0,1.0,2.0\n');
    const plain = new CSVLogger(file);
    await drive(plain, [{ loss: 3, val_loss: 4 }]);
    await drive(plain, [{ loss: 5, val_loss: 6 }]);
    expect(fs.readFileSync(file, 'utf8')).toBe('epoch,loss,val_loss\n0,5.0,6.0\n');
  });

  it('keeps the first epoch’s columns, writes NA for missing values and quotes awkward keys', async () => {
    const file = path.join(dir, 'q.csv');
    await drive(new CSVLogger(file), [
      { 'a,b': 1, z: 2, val_z: 3 },
      { z: 4, extra: 5 },
    ]);
    expect(fs.readFileSync(file, 'utf8')).toBe('epoch,"a,b",val_z,z\n0,1.0,3.0,2.0\n1,NA,NA,4.0\n');
  });

  it('refuses bad options', () => {
    expect(() => new CSVLogger({ filename: '' })).toThrow(/filename must be a non-empty string/);
    expect(() => new CSVLogger({ filename: 'a', separator: '' })).toThrow(/separator/);
    expect(() => new CSVLogger({ filename: 'a', separator: '"' })).toThrow(/separator/);
  });
});
