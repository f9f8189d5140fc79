import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
});
