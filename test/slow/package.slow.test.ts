/**
 * The package as a user gets it: `npm pack` of the built tree (CI builds it before the tests),
 * installed into a fresh project from the tarball, then used from ES modules, CommonJS and
 * TypeScript (node16 and bundler resolution). The tarball carries the prebuilt native addon
 * (prepack), so the install compiles nothing and the native backend runs; without an addon
 * Tessera falls back to wasm and says how to build one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tessera-pkg-'));
const project = join(dir, 'app');
let installLog = '';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
}

describe.skipIf(!existsSync(join(repo, 'dist', 'cjs', 'index.js')))('the packed tarball', () => {
  beforeAll(() => {
    run('npm', ['pack', '--pack-destination', dir], repo);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    expect(tarball).toMatch(/^tessera-ml-\d+\.\d+\.\d+\.tgz$/);
    run('mkdir', ['-p', project], dir);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    installLog = run(
      'npm',
      [
        'install',
        join(dir, tarball),
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--foreground-scripts',
      ],
      project,
    );
  }, 300_000);

  it('works from an ES module', () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { tensor, Sequential, Dense, backendInfo } from 'tessera-ml';
const m = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' })] });
const y = m.predict(tensor([[1, 2, 3]]));
console.log(JSON.stringify({ y: Array.from(y.dataSync()), info: backendInfo() }));`,
    );
    const out = JSON.parse(run('node', ['esm.mjs'], project));
    expect(out.y).toEqual([6, 6]);
    // The prebuilt addon loaded: nothing was compiled at install.
    expect(installLog).toMatch(/using the prebuilt addon for linux-x64-glibc; nothing to compile/);
    expect(out.info.name).toBe('native');
    expect(out.info.detail).toMatch(/prebuilt for linux-x64-glibc, shipped in the package/);
    // Without an addon: wasm, and the reason says how to build one.
    const fallback = JSON.parse(
      run('node', ['esm.mjs'], project, { TESSERA_NATIVE_ADDON: join(dir, 'none.node') }),
    );
    expect(fallback.y).toEqual([6, 6]);
    expect(fallback.info.name).toBe('wasm');
    expect(fallback.info.reason).toMatch(
      /skipped native: native addon not built.*npm rebuild tessera-ml/,
    );
  });

  it('works from CommonJS (require), loading a .keras file through h5wasm', () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const t = require('tessera-ml');
t.loadModel(${JSON.stringify('/work/shared/models/keras/mlp/mlp.keras')})
  .then((m) => console.log(JSON.stringify({ layers: m.layers.length, sum: t.tensor([1, 2]).sum().dataSync()[0] })));`,
    );
    const out = JSON.parse(run('node', ['cjs.cjs'], project));
    expect(out).toEqual({ layers: 2, sum: 3 });
  });

  it('type-checks from TypeScript with node16 and bundler resolution', () => {
    writeFileSync(
      join(project, 'main.ts'),
      `import { tensor, type Tensor, Dense } from 'tessera-ml';
const t: Tensor = tensor([1, 2]);
const d = new Dense({ units: 3 });
export const n: number = t.size + d.units;`,
    );
    writeFileSync(
      join(project, 'main.cts'),
      `import t = require('tessera-ml');
export const x: t.Tensor = t.tensor([1]);`,
    );
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const common = ['--noEmit', '--strict', '--target', 'es2022'];
    for (const [module, resolution] of [
      ['node16', 'node16'],
      ['esnext', 'bundler'],
    ] as const) {
      const files = resolution === 'node16' ? ['main.ts', 'main.cts'] : ['main.ts'];
      const args = [tsc, ...common, '--module', module, '--moduleResolution', resolution, ...files];
      expect(() => run('node', args, project)).not.toThrow();
    }
  });
});
