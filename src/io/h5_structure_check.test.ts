/**
 * Cross-checks Tessera's HDF5 output with an independent reader: scripts/h5_structure_check.py
 * (h5py). Skipped, with the reason printed, where /usr/bin/python3 or h5py is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Flatten } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { LSTM } from '../layers/index.js';
import { input } from '../layers/input_layer.js';
import { BatchNormalization } from '../layers/normalization.js';
import { Bidirectional } from '../layers/rnn/wrappers.js';
import { model as functional } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { tensor } from '../ops/creation.js';
import { Adam } from '../optimizers/adam.js';
import { createH5 } from './h5.js';
import {
  loadLegacyWeights,
  readKerasWeights,
  readLegacyH5,
  writeKerasWeights,
  writeLegacyH5,
} from './keras_weights.js';
import { writeZip } from './zip.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = 'scripts/h5_structure_check.py';
const KERAS = '/work/shared/models/keras';

function h5pyStatus(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import h5py, numpy'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return `${PYTHON} cannot run (${r.error.message})`;
  if (r.status !== 0)
    return `h5py is not importable by ${PYTHON} (${r.stderr.trim().split('\n').at(-1)})`;
  return null;
}

const missing = h5pyStatus();
if (missing) console.warn(`h5_structure_check tests skipped: ${missing}`);

interface Obj {
  type: 'group' | 'dataset';
  shape?: number[];
  dtype?: string;
  attrs: Record<string, unknown>;
}
interface Result {
  file: string;
  objects: Record<string, Obj>;
  errors: string[];
  warnings: string[];
}

function check(...files: string[]): { status: number; results: Result[]; stderr: string } {
  const r = spawnSync(PYTHON, [SCRIPT, '--json', ...files], { encoding: 'utf8', timeout: 60_000 });
  return {
    status: r.status ?? -1,
    results: r.stdout ? (JSON.parse(r.stdout) as Result[]) : [],
    stderr: r.stderr,
  };
}

const dir = missing ? '' : mkdtempSync(join(tmpdir(), 'tessera-h5check-'));
const save = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function mlp(): Sequential {
  return new Sequential({
    name: 'mlp',
    layers: [
      new Dense({ units: 64, activation: 'relu', inputShape: [784], name: 'hidden' }),
      new Dense({ units: 10, activation: 'softmax', name: 'probs' }),
    ],
  });
}

const title = `h5py cross-check of Tessera's files${missing ? ` (skipped: ${missing})` : ''}`;

describe.skipIf(missing !== null)(title, () => {
  it('accepts the files Keras wrote (the checker itself is right)', () => {
    const files = ['mlp', 'cnn', 'lstm'].flatMap((n) => [
      `${KERAS}/${n}/${n}.weights.h5`,
      `${KERAS}/${n}/${n}.keras`,
    ]);
    const { status, results } = check(...files);
    expect(results.map((r) => r.errors)).toEqual(files.map(() => []));
    expect(status).toBe(0);
  });

  it('finds a Tessera .weights.h5 identical in structure to Keras’s for the same model', async () => {
    const m = mlp();
    await readKerasWeights(m, new Uint8Array(readFileSync(`${KERAS}/mlp/mlp.weights.h5`)));
    const ours = save('mlp.weights.h5', await writeKerasWeights(m));
    const { status, results } = check(ours, `${KERAS}/mlp/mlp.weights.h5`);
    expect(status).toBe(0);
    expect(results[0]!.objects).toEqual(results[1]!.objects);
  });

  it('accepts a Tessera .weights.h5 with optimizer state and nested layers, and a .keras archive', async () => {
    const ids = input({ shape: [5], dtype: 'int32' });
    let x = new Embedding({ inputDim: 20, outputDim: 4 }).apply(ids);
    x = new Bidirectional(new LSTM({ units: 3, returnSequences: true }), {}).apply(x);
    x = new BatchNormalization({}).apply(new Flatten({}).apply(x));
    const m = functional({ inputs: ids, outputs: new Dense({ units: 2 }).apply(x) });
    m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
    m.trainOnBatch(
      tensor(
        [
          [1, 2, 3, 4, 5],
          [5, 4, 3, 2, 1],
        ],
        [2, 5],
        'int32',
      ),
      tensor([
        [1, 0],
        [0, 1],
      ]),
    );
    const weights = await writeKerasWeights(m, { includeOptimizer: true });
    const p = save('model.weights.h5', weights);
    const enc = new TextEncoder();
    const keras = save(
      'model.keras',
      writeZip({
        'metadata.json': enc.encode(JSON.stringify({ keras_version: '3.15.1' })),
        'config.json': enc.encode(JSON.stringify({ class_name: 'Functional', config: {} })),
        'model.weights.h5': weights,
      }),
    );
    const { status, results } = check(p, keras);
    expect(results.map((r) => r.errors)).toEqual([[], []]);
    expect(results[0]!.warnings).toEqual([]);
    expect(status).toBe(0);
    const o = results[0]!.objects;
    expect(o['optimizer/vars']!.attrs).toEqual({ name: 'adam' });
    expect(o['optimizer/vars/0']).toMatchObject({ dtype: 'int64', shape: [] });
    expect(o['optimizer/vars/1']).toMatchObject({ dtype: 'float32', shape: [] });
    expect(o['layers/input_layer/vars']!.attrs).toEqual({ name: m.layers[0]!.name });
    expect(o['layers/bidirectional/forward_layer/cell/vars']!.attrs.name).toBe('lstm_cell');
    expect(o['layers/bidirectional/backward_layer/cell/vars/1']).toMatchObject({
      dtype: 'float32',
      shape: [3, 12],
    });
    // Tessera's own view of the same file agrees on every dataset.
    for (const [path, obj] of Object.entries(o)) {
      if (obj.type !== 'dataset' || path.startsWith('optimizer')) continue;
      expect(obj.dtype, path).toBe('float32');
    }
  });

  it('reads a Tessera legacy .h5 like Keras’s', async () => {
    const m = mlp();
    loadLegacyWeights(m, await readLegacyH5(new Uint8Array(readFileSync(`${KERAS}/mlp/mlp.h5`))));
    const ours = save('mlp.h5', await writeLegacyH5(m));
    const { results } = check(ours, `${KERAS}/mlp/mlp.h5`);
    const pick = (r: Result) =>
      Object.fromEntries(
        Object.entries(r.objects)
          .filter(([p]) => p.startsWith('model_weights/'))
          .map(([p, o]) => [p, { ...o, attrs: o.attrs.weight_names ?? null }]),
      );
    expect(pick(results[0]!)).toEqual(pick(results[1]!));
  });

  it('reports files that break the layout', async () => {
    const w = createH5();
    w.dataset('layers/dense/kernel', { shape: [2], data: new Float32Array(2) });
    w.group('layers/dense_2/vars');
    w.dataset('layers/dense_2/vars/1', { shape: [1], data: new Float32Array(1) });
    const p = save('bad.weights.h5', await w.bytes());
    const { status, results } = check(p);
    expect(status).toBe(1);
    const errors = results[0]!.errors.join('\n');
    expect(errors).toContain("the root has no 'vars' group");
    expect(errors).toContain("dataset 'layers/dense/kernel' is outside a 'vars' group");
    expect(errors).toContain("group 'layers/dense_2/vars' has no string attribute 'name'");
    expect(errors).toContain('should hold datasets 0..0');
    expect(errors).toContain("layer group 'layers/dense' has no 'vars' group");
  });
});
