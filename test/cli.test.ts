import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

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
