import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dataset } from '../data/dataset.js';
import { ValueError } from '../errors.js';
import { readCheckpoint } from '../io/checkpoint_format.js';
import { FormatError } from '../io/errors.js';
import { nodeFileOps } from '../io/files.js';
import { Dropout } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { GaussianNoise } from '../layers/regularization.js';
import { LSTM } from '../layers/rnn/lstm.js';
import { Bidirectional } from '../layers/rnn/wrappers.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { Generator, setSeed } from '../ops/random.js';
import { BackupAndRestore } from './backup_and_restore.js';
import { Callback } from './callback.js';
import { LearningRateScheduler } from './lr_scheduler.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bar-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

// 64 samples, 4 features, 3 classes, from a private generator (not the global one).
const N = 64;
const data = (() => {
  const g = new Generator(123);
  const x = Array.from({ length: N }, () => Array.from({ length: 4 }, () => g.normal()));
  const y = x.map((r) => (r[0]! + r[1]! > 0 ? (r[2]! > 0 ? 2 : 1) : 0));
  return { x: tensor(x), y: tensor(y) };
})();

/** The same model, weights and random sequence every call: unseeded and seeded dropout. */
function build(): Sequential {
  setSeed(2024);
  const m = new Sequential({
    layers: [
      new Dense({ units: 16, inputShape: [4], activation: 'relu' }),
      new Dropout({ rate: 0.3 }),
      new Dense({ units: 8, activation: 'tanh' }),
      new Dropout({ rate: 0.2, seed: 77 }),
      new Dense({ units: 3, activation: 'softmax' }),
    ],
  });
  m.compile({
    optimizer: 'adam',
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  } as never);
  return m;
}

const EPOCHS = 6;
const FIT = {
  epochs: EPOCHS,
  batchSize: 10,
  shuffle: true,
  validationSplit: 0.25,
  verbose: 0 as const,
};

class Interrupt extends Error {}

/** Throws at the start of epoch `epoch`, or after batch `step` of it. */
class Interrupter extends Callback {
  private e = 0;
  constructor(
    private readonly epoch: number,
    private readonly step: number | null = null,
  ) {
    super();
  }
  onEpochBegin(e: number): void {
    this.e = e;
    if (this.step === null && e === this.epoch) throw new Interrupt(`stop at epoch ${e}`);
  }
  onTrainBatchEnd(b: number): void {
    if (this.e === this.epoch && b === this.step) throw new Interrupt(`stop at ${this.e}/${b}`);
  }
}

function bits(m: Sequential): string[] {
  return m
    .getWeights()
    .map((w) => Buffer.from(new Float32Array(w.dataSync()).buffer).toString('hex'));
}

async function uninterrupted(): Promise<{ weights: string[]; history: Record<string, number[]> }> {
  const m = build();
  const h = await m.fit(data.x, data.y, FIT);
  return { weights: bits(m), history: h.history };
}

describe('BackupAndRestore', () => {
  it('resumes after an interruption at an epoch with bit-identical weights and losses', async () => {
    const ref = await uninterrupted();
    const backup = () => new BackupAndRestore({ backupDir: dir });
    const m1 = build();
    await expect(
      m1.fit(data.x, data.y, { ...FIT, callbacks: [backup(), new Interrupter(3)] }),
    ).rejects.toThrow(Interrupt);
    const saved = await readCheckpoint(path.join(dir, 'latest.tsckpt'));
    expect(saved.metadata.epoch).toBe(3);
    // A fresh process would rebuild the model the same way; its random draws moved on.
    const m2 = build();
    const epochsRun: number[] = [];
    const h = await m2.fit(data.x, data.y, {
      ...FIT,
      callbacks: [backup(), { onEpochBegin: (e: number) => void epochsRun.push(e) }],
    });
    expect(epochsRun).toEqual([3, 4, 5]);
    expect(bits(m2)).toEqual(ref.weights);
    // The History holds the whole run, the restored epochs included, bit for bit.
    expect(h.history).toEqual(ref.history);
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5]);
    // Deleted after a successful run (deleteCheckpoint defaults to true).
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('without the backup the resumed run drifts (the test can fail)', async () => {
    const ref = await uninterrupted();
    const m1 = build();
    await expect(
      m1.fit(data.x, data.y, { ...FIT, callbacks: [new Interrupter(3)] }),
    ).rejects.toThrow(Interrupt);
    const m2 = build();
    m2.setWeights(m1.getWeights());
    await m2.fit(data.x, data.y, { ...FIT, initialEpoch: 3 });
    expect(bits(m2)).not.toEqual(ref.weights);
  });

  for (const [freq, stopEpoch, stopStep] of [
    [2, 2, 3], // batches are counted over the run: the last save was after batch 2 of epoch 2
    [3, 4, 1],
    [5, 1, 4], // the last batch of epoch 1: the resumed epoch has no batch left, only validation
  ] as const) {
    it(`saveFreq ${freq} batches: resumes mid-epoch (stopped after batch ${stopStep} of epoch ${stopEpoch})`, async () => {
      const ref = await uninterrupted();
      const backup = () => new BackupAndRestore({ backupDir: dir, saveFreq: freq });
      const m1 = build();
      await expect(
        m1.fit(data.x, data.y, {
          ...FIT,
          // The interrupter comes first: it throws before the backup of its batch is written,
          // so the run resumes from an earlier batch and redoes the ones after it.
          callbacks: [new Interrupter(stopEpoch, stopStep), backup()],
        }),
      ).rejects.toThrow(Interrupt);
      const saved = (await readCheckpoint(path.join(dir, 'latest.tsckpt'))).metadata;
      const globalBatch = stopEpoch * 5 + stopStep; // 48 training samples / 10 = 5 batches
      const lastSaved = Math.floor(globalBatch / freq) * freq; // batches done at the last save
      expect([saved.epoch, saved.step]).toEqual([
        Math.floor((lastSaved - 1) / 5),
        ((lastSaved - 1) % 5) + 1,
      ]);
      const m2 = build();
      const h = await m2.fit(data.x, data.y, { ...FIT, callbacks: [backup()] });
      expect(bits(m2)).toEqual(ref.weights);
      expect(h.history).toEqual(ref.history);
    });
  }

  it('resumes mid-epoch on a dataset: the same shuffled batches are skipped, bit-identical', async () => {
    const n = 48;
    const ds = () =>
      Dataset.fromTensorSlices([data.x.slice([0, 0], [n, 4]), data.y.slice([0], [n])])
        .shuffle(n)
        .batch(10);
    const args = { epochs: EPOCHS, verbose: 0 as const };
    const m0 = build();
    const ref = await m0.fit(ds(), args);
    const backup = () => new BackupAndRestore({ backupDir: dir, saveFreq: 3 });
    const m1 = build();
    await expect(
      m1.fit(ds(), { ...args, callbacks: [new Interrupter(3, 2), backup()] }),
    ).rejects.toThrow(Interrupt);
    const saved = (await readCheckpoint(path.join(dir, 'latest.tsckpt'))).metadata;
    expect(saved.step).toBeGreaterThan(0);
    const m2 = build();
    const h = await m2.fit(ds(), { ...args, callbacks: [backup()] });
    expect(bits(m2)).toEqual(bits(m0));
    expect(h.history).toEqual(ref.history);
  });

  it('restores a plain learning rate changed during training, and the optimizer state', async () => {
    const m1 = build();
    const lrDrop = {
      onEpochEnd: (e: number) => {
        if (e === 1) (m1.compiled!.optimizer as { learningRate: number }).learningRate = 0.0005;
      },
    };
    await expect(
      m1.fit(data.x, data.y, {
        ...FIT,
        callbacks: [lrDrop, new BackupAndRestore({ backupDir: dir }), new Interrupter(3)],
      }),
    ).rejects.toThrow(Interrupt);
    const m2 = build();
    let seen: { lr: unknown; it: number } | null = null;
    await m2.fit(data.x, data.y, {
      ...FIT,
      epochs: 4,
      callbacks: [
        new BackupAndRestore({ backupDir: dir }),
        {
          onEpochBegin: () => {
            const o = m2.compiled!.optimizer;
            seen ??= { lr: o.learningRate, it: o.iterations };
          },
        },
      ],
    });
    expect(seen).toEqual({ lr: 0.0005, it: 15 });
  });

  it('a LearningRateScheduler sees the same rates after a mid-epoch resume', async () => {
    const sched = () => new LearningRateScheduler((e, lr) => (e === 0 ? lr : lr * 0.7));
    const m0 = build();
    const ref = await m0.fit(data.x, data.y, { ...FIT, callbacks: [sched()] });
    const backup = () => new BackupAndRestore({ backupDir: dir, saveFreq: 3 });
    await expect(
      build().fit(data.x, data.y, {
        ...FIT,
        callbacks: [new Interrupter(3, 4), sched(), backup()],
      }),
    ).rejects.toThrow(Interrupt);
    const m2 = build();
    const h = await m2.fit(data.x, data.y, { ...FIT, callbacks: [sched(), backup()] });
    expect(h.history.learning_rate).toEqual(ref.history.learning_rate);
    expect(h.history).toEqual(ref.history);
    expect(bits(m2)).toEqual(bits(m0));
  });

  it('restores the generators of seeded layers anywhere in the model (RNN cells in a wrapper, noise)', async () => {
    const g = new Generator(8);
    const xs = tensor(
      Array.from({ length: 32 }, () => Array.from({ length: 5 }, () => [g.normal(), g.normal()])),
    );
    const ys = tensor(Array.from({ length: 32 }, (_, i) => i % 3));
    const make = () => {
      setSeed(99);
      const m = new Sequential({
        layers: [
          new Bidirectional(new LSTM({ units: 4, dropout: 0.3, recurrentDropout: 0.2, seed: 3 }), {
            inputShape: [5, 2],
          } as never),
          new GaussianNoise({ stddev: 0.1, seed: 9 }),
          new Dense({ units: 3, activation: 'softmax' }),
        ],
      });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' } as never);
      return m;
    };
    const fitArgs = { epochs: 4, batchSize: 8, verbose: 0 as const };
    const m0 = make();
    const ref = await m0.fit(xs, ys, fitArgs);
    const backup = () => new BackupAndRestore({ backupDir: dir, saveFreq: 3 });
    await expect(
      make().fit(xs, ys, { ...fitArgs, callbacks: [new Interrupter(2, 1), backup()] }),
    ).rejects.toThrow(Interrupt);
    const meta = (await readCheckpoint(path.join(dir, 'latest.tsckpt'))).metadata;
    // The forward and backward cells' generators and the noise layer's.
    expect((meta.layerRng as unknown[]).length).toBe(3);
    const m2 = make();
    const h = await m2.fit(xs, ys, { ...fitArgs, callbacks: [backup()] });
    expect(bits(m2)).toEqual(bits(m0));
    expect(h.history).toEqual(ref.history);
  });

  it('refuses a truncated or damaged backup with a FormatError instead of restarting', async () => {
    const m1 = build();
    await expect(
      m1.fit(data.x, data.y, {
        ...FIT,
        callbacks: [new BackupAndRestore({ backupDir: dir }), new Interrupter(2)],
      }),
    ).rejects.toThrow(Interrupt);
    const file = path.join(dir, 'latest.tsckpt');
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, good.subarray(0, good.length - 7));
    await expect(
      build().fit(data.x, data.y, {
        ...FIT,
        callbacks: [new BackupAndRestore({ backupDir: dir })],
      }),
    ).rejects.toThrow(FormatError);
    // One flipped bit in the data: sizes still agree, the checksum does not.
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5]! ^= 0x10;
    fs.writeFileSync(file, flipped);
    await expect(
      build().fit(data.x, data.y, {
        ...FIT,
        callbacks: [new BackupAndRestore({ backupDir: dir })],
      }),
    ).rejects.toThrow(/BackupAndRestore: the backup .*latest\.tsckpt' is damaged \(checksum/);
    // The damaged file is left for the user to inspect.
    expect(fs.existsSync(file)).toBe(true);
  });

  it('doubleCheckpoint restores the previous backup when the latest is damaged', async () => {
    const ref = await uninterrupted();
    const backup = () => new BackupAndRestore({ backupDir: dir, doubleCheckpoint: true });
    await expect(
      build().fit(data.x, data.y, { ...FIT, callbacks: [backup(), new Interrupter(4)] }),
    ).rejects.toThrow(Interrupt);
    const prev = (await readCheckpoint(path.join(dir, 'latest.tsckpt.bkp'))).metadata;
    expect(prev.epoch).toBe(3);
    fs.writeFileSync(path.join(dir, 'latest.tsckpt'), 'garbage');
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (m: string) => void warnings.push(m);
    try {
      const m2 = build();
      const h = await m2.fit(data.x, data.y, { ...FIT, callbacks: [backup()] });
      expect(bits(m2)).toEqual(ref.weights);
      expect(h.history).toEqual(ref.history);
    } finally {
      console.warn = warn;
    }
    expect(warnings.join('\n')).toMatch(/restoring the previous backup/);
  });

  it('keeps the backup with deleteCheckpoint: false, and refuses a different model', async () => {
    await build().fit(data.x, data.y, {
      ...FIT,
      epochs: 2,
      callbacks: [new BackupAndRestore({ backupDir: dir, deleteCheckpoint: false })],
    });
    expect(fs.existsSync(path.join(dir, 'latest.tsckpt'))).toBe(true);
    const other = new Sequential({ layers: [new Dense({ units: 3, inputShape: [4] })] });
    other.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' } as never);
    await expect(
      other.fit(data.x, data.y, { ...FIT, callbacks: [new BackupAndRestore({ backupDir: dir })] }),
    ).rejects.toThrow(/BackupAndRestore: cannot restore .* holds 6 weights but the model has 2/);
  });

  it('refuses to resume mid-epoch with another batch size', async () => {
    await expect(
      build().fit(data.x, data.y, {
        ...FIT,
        callbacks: [new Interrupter(1, 2), new BackupAndRestore({ backupDir: dir, saveFreq: 2 })],
      }),
    ).rejects.toThrow(Interrupt);
    await expect(
      build().fit(data.x, data.y, {
        ...FIT,
        batchSize: 12,
        callbacks: [new BackupAndRestore({ backupDir: dir, saveFreq: 2 })],
      }),
    ).rejects.toThrow(
      /BackupAndRestore: cannot restore .*after batch 1 of an epoch of 48 samples in batches of 10, but this fit has 48 samples in batches of 12/,
    );
  });

  it('a failed save leaves the previous backup, which then resumes the run exactly', async () => {
    const ref = await uninterrupted();
    const real = await nodeFileOps('test');
    let renames = 0;
    const cb = new BackupAndRestore({ backupDir: dir });
    cb.io = {
      ...real,
      rename: async (a, b) => {
        // The third backup (after epoch 2) dies between writing and renaming.
        if (++renames === 3) throw new Error('disk full');
        return real.rename(a, b);
      },
    };
    await expect(build().fit(data.x, data.y, { ...FIT, callbacks: [cb] })).rejects.toThrow(
      'disk full',
    );
    expect(fs.readdirSync(dir)).toEqual(['latest.tsckpt']); // no temporary left either
    const m2 = build();
    const epochsRun: number[] = [];
    const h = await m2.fit(data.x, data.y, {
      ...FIT,
      callbacks: [
        new BackupAndRestore({ backupDir: dir }),
        { onEpochBegin: (e: number) => void epochsRun.push(e) },
      ],
    });
    expect(epochsRun[0]).toBe(2);
    expect(bits(m2)).toEqual(ref.weights);
    expect(h.history).toEqual(ref.history);
  });

  it('on success removes its files and stale temporaries, but not files it does not own', async () => {
    fs.writeFileSync(path.join(dir, '.latest.tsckpt.4242.abc1.tmp'), 'left by a kill');
    await build().fit(data.x, data.y, {
      ...FIT,
      epochs: 2,
      callbacks: [new BackupAndRestore({ backupDir: dir, doubleCheckpoint: true })],
    });
    expect(fs.existsSync(dir)).toBe(false);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await build().fit(data.x, data.y, {
      ...FIT,
      epochs: 2,
      callbacks: [new BackupAndRestore({ backupDir: dir })],
    });
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('checks its arguments', () => {
    expect(() => new BackupAndRestore({ backupDir: '' })).toThrow(ValueError);
    expect(() => new BackupAndRestore({ backupDir: dir, saveFreq: 0 })).toThrow(
      /saveFreq must be 'epoch' or a positive integer, got 0/,
    );
    expect(() => new BackupAndRestore({ backupDir: dir, saveFreq: 'batch' as never })).toThrow(
      ValueError,
    );
    expect(
      () => new BackupAndRestore({ backupDir: dir, deleteCheckpoint: 'yes' as never }),
    ).toThrow(/deleteCheckpoint must be a boolean/);
  });
});

/** Runs the child trainer; `kill` (if given) decides when to SIGKILL it. */
function runChild(
  args: string[],
  kill?: (child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    kill?.(child);
  });
}

const CHILD = path.resolve(__dirname, '../../test/helpers/backup_child.ts');

/** The backup file's inode (a new backup is renamed into place: a new inode), or null. */
function inode(file: string): number | null {
  try {
    return fs.statSync(file).ino;
  } catch {
    return null;
  }
}

describe('BackupAndRestore after kill -9', () => {
  for (const freq of ['2', 'epoch']) {
    it(`a child killed at random moments resumes to bit-identical weights and losses (saveFreq ${freq})`, async () => {
      const refOut = path.join(dir, 'ref.json');
      const out = path.join(dir, 'out.json');
      const backupDir = path.join(dir, 'backup');
      const latest = path.join(backupDir, 'latest.tsckpt');
      // The uninterrupted run, without the callback, runs beside the killed ones.
      const refRun = runChild([refOut]);
      const kills = new Generator(freq === 'epoch' ? 5 : 6); // fixed seed: the same kill times every run
      const starts: string[] = [];
      let killed = 0;
      for (let attempt = 0; attempt < 12; attempt++) {
        const before = inode(latest);
        const r = await runChild([out, backupDir, freq], (child) => {
          if (killed >= 3) return;
          // Kill once this run has written a backup of its own, after a random delay.
          const poll = setInterval(() => {
            const now = inode(latest);
            if (now !== null && now !== before) {
              clearInterval(poll);
              setTimeout(() => child.kill('SIGKILL'), kills.uniform() * 250);
            }
          }, 5);
          child.on('exit', () => clearInterval(poll));
        });
        starts.push(...r.stdout.split('\n').filter((l) => l.startsWith('start')));
        if (r.signal === 'SIGKILL') {
          killed++;
          continue;
        }
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        break;
      }
      const ref = await refRun;
      expect(ref.code, ref.stderr).toBe(0);
      // It was killed, and resumed from where the backups had reached, not from the start.
      expect(killed).toBeGreaterThanOrEqual(1);
      // Each run prints its start at its first batch; a run killed after its last batch (fast
      // compiled steps make that likely) leaves its successor no batch, so no start line.
      expect(starts.length).toBeGreaterThanOrEqual(killed);
      expect(starts.length).toBeLessThanOrEqual(killed + 1);
      expect(starts.slice(1).some((l) => l !== 'start 0 0')).toBe(true);
      const a = JSON.parse(fs.readFileSync(refOut, 'utf8'));
      const b = JSON.parse(fs.readFileSync(out, 'utf8'));
      expect(b.weights).toEqual(a.weights); // base64 of the float32 bytes: bit for bit
      expect(b.history).toEqual(a.history);
      expect(b.epochs).toEqual([0, 1, 2, 3, 4, 5]);
      // The finished run removed its backup, and any temporary a kill left mid-save.
      expect(fs.existsSync(backupDir)).toBe(false);
    });
  }
});
