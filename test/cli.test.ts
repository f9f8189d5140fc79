import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDigits } from '../src/datasets/digits.js';
import { modelToKerasConfig } from '../src/io/keras_config.js';
import { parseNpy, writeNpy } from '../src/io/npy.js';
import { Dense } from '../src/layers/dense.js';
import { Sequential } from '../src/models/sequential.js';
import { tensor } from '../src/ops/creation.js';
import type { NestedArray } from '../src/tensor/convert.js';
import { expectClose } from './helpers/expect_close.js';
import { runOnnx } from './helpers/onnx_runtime.js';

const MODELS = process.env.TESSERA_MODELS_DIR ?? '../shared/models';
const tmp = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tessera(...args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/tessera.ts', ...args], {
    encoding: 'utf8',
  });
}

describe('tessera command line', () => {
  it('prints usage', () => {
    expect(tessera('help')).toMatch(/convert <in> <out>/);
  });

  it.runIf(existsSync(join(MODELS, 'keras/cnn/cnn.h5')))(
    'converts .h5 → TF.js → .keras and summarises the result',
    () => {
      const out1 = join(tmp, 'cnn_tfjs');
      const out2 = join(tmp, 'cnn.keras');
      expect(tessera('convert', join(MODELS, 'keras/cnn/cnn.h5'), out1)).toMatch(
        /9,162 parameters/,
      );
      expect(existsSync(join(out1, 'model.json'))).toBe(true);
      tessera('convert', out1, out2);
      const summary = tessera('summary', out2);
      expect(summary).toMatch(/conv1 \(Conv2D\)/);
      expect(summary).toMatch(/Total params: 9,162/);
    },
  );

  // Keras wrote these files and their expected outputs: the ONNX the command writes, run in ONNX
  // Runtime, must give Keras's outputs (no Python anywhere on the way).
  for (const name of ['mlp', 'cnn', 'lstm'])
    it.runIf(existsSync(join(MODELS, `keras/${name}/${name}.keras`)))(
      `exports Keras's ${name}.keras to ONNX, whose outputs in ONNX Runtime are Keras's`,
      async () => {
        const out = join(tmp, `${name}.onnx`);
        expect(tessera('convert', join(MODELS, `keras/${name}/${name}.keras`), out)).toMatch(
          /parameters/,
        );
        const { inputs } = JSON.parse(
          readFileSync(join(MODELS, `keras/${name}/input.json`), 'utf8'),
        );
        const { outputs } = JSON.parse(
          readFileSync(join(MODELS, `keras/${name}/expected.json`), 'utf8'),
        );
        const xs = inputs.map((i: { data: NestedArray; dtype: string }) =>
          tensor(i.data, undefined, i.dtype as 'float32'),
        );
        const got = await runOnnx(new Uint8Array(readFileSync(out)), xs);
        expect(got).toHaveLength(outputs.length);
        got.forEach((g, k) => {
          expect(g.dims).toEqual(outputs[k].shape);
          expectClose(Array.from(g.data), outputs[k].data.flat(Number.POSITIVE_INFINITY), {
            atol: 1e-5,
            rtol: 1e-5,
          });
        });
      },
    );

  it('fails with a message and a non-zero exit for a missing file', () => {
    expect(() =>
      execFileSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/tessera.ts', 'summary', join(tmp, 'nope.keras')],
        { stdio: 'pipe' },
      ),
    ).toThrow(/nope\.keras/);
  });

  it('trains from a config (curves beside the model), then evaluates and predicts on .npy files', () => {
    const net = new Sequential({
      layers: [
        new Dense({ units: 32, activation: 'relu', inputShape: [64] }),
        new Dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const cfg = join(tmp, 'train.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        model: modelToKerasConfig(net),
        data: { dataset: 'digits' },
        compile: {
          optimizer: 'adam',
          loss: 'sparseCategoricalCrossentropy',
          metrics: ['accuracy'],
        },
        fit: { epochs: 8, batchSize: 32, validationSplit: 0.1, verbose: 0 },
        out: 'digits.keras',
      }),
    );
    const printed = tessera('train', cfg);
    const acc = Number(/accuracy: ([0-9.]+)/.exec(printed)?.[1]);
    expect(acc).toBeGreaterThan(0.85);
    expect(existsSync(join(tmp, 'digits.keras'))).toBe(true);
    const svg = readFileSync(join(tmp, 'digits.curves.svg'), 'utf8');
    expect(svg.match(/<polyline class="series"/g)).toHaveLength(4);
    // The renderer (@resvg/resvg-wasm) is a devDependency here: the PNG is written beside it.
    expect(printed).toMatch(/digits\.curves\.svg and .*digits\.curves\.png/);
    expect(Array.from(readFileSync(join(tmp, 'digits.curves.png')).subarray(1, 4))).toEqual([
      80, 78, 71,
    ]);

    const { xTest, yTest } = loadDigits();
    writeFileSync(
      join(tmp, 'x.npy'),
      writeNpy({ dtype: 'float32', shape: xTest.shape, data: Float32Array.from(xTest.dataSync()) }),
    );
    writeFileSync(
      join(tmp, 'y.npy'),
      writeNpy({ dtype: 'int32', shape: yTest.shape, data: Int32Array.from(yTest.dataSync()) }),
    );
    const evaluated = tessera(
      'evaluate',
      join(tmp, 'digits.keras'),
      join(tmp, 'x.npy'),
      join(tmp, 'y.npy'),
    );
    // The same model on the same test split: the same accuracy as train printed.
    expect(Number(/accuracy: ([0-9.]+)/.exec(evaluated)?.[1])).toBeCloseTo(acc, 4);
    tessera('predict', join(tmp, 'digits.keras'), join(tmp, 'x.npy'), join(tmp, 'p.npy'));
    const p = parseNpy(new Uint8Array(readFileSync(join(tmp, 'p.npy'))));
    expect(p.shape).toEqual([xTest.shape[0], 10]);
    const probs = p.data as Float32Array;
    expect(probs.slice(0, 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  }, 120_000);

  // An ES module (.mts, .mjs, or .ts/.js in a "type": "module" project), so that it shares the
  // library's module instances with the command.
  it('trains from a TypeScript module exporting model and data', () => {
    const script = join(tmp, 'train_script.mts');
    const lib = JSON.stringify(join(process.cwd(), 'src', 'index.ts'));
    writeFileSync(
      script,
      `import { Sequential, Dense, loadDigits } from ${lib};
export const model = () => {
  const m = new Sequential({ layers: [new Dense({ units: 10, activation: 'softmax', inputShape: [64] })] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
};
export const data = () => { const d = loadDigits(); return { x: d.xTrain, y: d.yTrain }; };
export const fit = { epochs: 2, verbose: 0 };
export const out = 'script.keras';`,
    );
    expect(tessera('train', script)).toMatch(/saved .*script\.keras and its training curves/);
    expect(readFileSync(join(tmp, 'script.curves.svg'), 'utf8')).toMatch(/data-name="accuracy"/);
  }, 120_000);
});
