/**
 * The HDF5 worker as the built package runs it: the sources are compiled to a throwaway `dist/`
 * (each file transpiled by TypeScript, as `tsc -p tsconfig.build.json` emits it), then child
 * Node processes started with various flags load `.keras` and `.h5` files through it.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MODELS = resolve(ROOT, process.env.TESSERA_MODELS_DIR ?? '../shared/models');
const HAVE_MODELS = existsSync(join(MODELS, 'keras', 'mlp', 'mlp.keras'));

/** Compiles every non-test source file under src/ to `out`, as the build does. */
function buildInto(out: string): void {
  const src = join(ROOT, 'src');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return p.endsWith(join('wasm', 'assembly')) ? [] : walk(p);
      return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
    });
  for (const file of walk(src)) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: true,
      },
    }).outputText;
    const dest = join(out, relative(src, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
}

let pkg = '';

beforeAll(() => {
  // A package folder: dist/, "type": "module", and the project's node_modules for h5wasm.
  pkg = mkdtempSync(join(tmpdir(), 'tessera-dist-'));
  writeFileSync(join(pkg, 'package.json'), '{"type": "module"}');
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  buildInto(join(pkg, 'dist'));
}, 120_000);

afterAll(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

/**
 * A child script: loads each model, predicts its input.json, prints the largest difference
 * from expected.json relative to (1e-6 + |expected|); then reads an HDF5 file on which HDF5
 * loops forever (3 bytes changed) with a 1.5 s limit and prints the error.
 */
function childScript(dist: string, models: string[]): string {
  return `
const tessera = await import(${JSON.stringify(`${join(dist, 'index.js')}`)});
const { openH5 } = await import(${JSON.stringify(join(dist, 'io', 'h5.js'))});
const { readFileSync } = await import('node:fs');
const flat = (x) => (Array.isArray(x) ? x.flatMap(flat) : [x]);
const out = {};
for (const [file, dir] of ${JSON.stringify(models.map((m) => [m, dirname(m)]))}) {
  const model = await tessera.loadModel(file);
  const inputs = JSON.parse(readFileSync(dir + '/input.json', 'utf8')).inputs.map((i) =>
    tessera.tensor(flat(i.data), i.shape, i.dtype));
  const want = JSON.parse(readFileSync(dir + '/expected.json', 'utf8')).outputs;
  const got = [model.predict(inputs.length === 1 ? inputs[0] : inputs)].flat();
  let worst = 0;
  want.forEach((o, k) => {
    const y = got[k].dataSync();
    flat(o.data).forEach((v, j) => { worst = Math.max(worst, Math.abs(y[j] - v) / (1e-6 + Math.abs(v))); });
  });
  out[file] = worst;
}
const bad = new Uint8Array(readFileSync(${JSON.stringify(join(MODELS, 'keras', 'lstm', 'lstm.weights.h5'))}));
bad[575] = 0o40; bad[2057] = 0o21; bad[4370] = 0o10;
const t0 = Date.now();
out.hang = await openH5(bad, { timeoutMs: 1500 }).then(() => 'no error', (e) => e.constructor.name + ': ' + e.message);
out.hangMs = Date.now() - t0;
console.log('RESULT ' + JSON.stringify(out));
`;
}

// The compiled package has no native addon: a TESSERA_BACKEND=native run of the suite
// (npm run test:backends) must not ask the children for it; they pick automatically.
const childEnv = { ...process.env, TESSERA_BACKEND: '' };

function runChild(flags: string[], dist: string): Record<string, number | string> {
  const models = [
    join(MODELS, 'keras', 'mlp', 'mlp.keras'),
    join(MODELS, 'keras', 'lstm', 'lstm.h5'),
  ];
  // `node -e` is CommonJS unless --input-type=module; the script awaits at the top, so it is
  // wrapped in an async function there.
  const esm = flags.includes('--input-type=module');
  const code = childScript(dist, models);
  const r = spawnSync(
    process.execPath,
    [...flags, '-e', esm ? code : `(async () => {${code}})()`],
    { cwd: pkg, encoding: 'utf8', timeout: 90_000, env: childEnv },
  );
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  expect(line, `no result; exit ${r.status}, stderr:\n${r.stderr}`).toBeDefined();
  return JSON.parse(line!.slice('RESULT '.length));
}

describe.skipIf(!HAVE_MODELS)(
  `the built package's HDF5 worker${HAVE_MODELS ? '' : ` (SKIPPED: no models in ${MODELS})`}`,
  () => {
    it.each([
      [['--input-type=module']],
      [['--input-type=module', '--experimental-vm-modules', '--no-warnings']],
      [['--enable-source-maps', '--max-old-space-size=2048']],
    ])(
      'node %j: .keras and .h5 load, predict, and a hanging file stops at its time limit',
      (flags) => {
        const out = runChild(flags, join(pkg, 'dist'));
        for (const [k, v] of Object.entries(out)) {
          if (k.endsWith('.keras') || k.endsWith('.h5')) expect(v, k).toBeLessThan(1e-5);
        }
        // Only a worker can stop HDF5's loop: in this thread the read would never return.
        expect(out.hang).toMatch(/^FormatError: .*did not finish reading the file within 1500 ms/);
        expect(out.hangMs).toBeLessThan(20_000);
      },
    );

    it.each([
      ['absent (a bundle that left it out)', null],
      ['copied without its imports', "import './h5_engine_missing.js';\n"],
    ])('h5_worker.js %s: files load in this thread instead', (_, content) => {
      const dist = join(pkg, `dist-worker-${content === null ? 'absent' : 'broken'}`);
      cpSync(join(pkg, 'dist'), dist, { recursive: true });
      if (content === null) rmSync(join(dist, 'io', 'h5_worker.js'));
      else writeFileSync(join(dist, 'io', 'h5_worker.js'), content);
      const keras = join(MODELS, 'keras', 'mlp', 'mlp.keras');
      const code = childScript(dist, [keras]).replace(
        /const bad[\s\S]*out\.hangMs = Date\.now\(\) - t0;\n/,
        '',
      );
      expect(code).not.toContain('hangMs');
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
        cwd: pkg,
        encoding: 'utf8',
        timeout: 90_000,
        env: childEnv,
      });
      const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      expect(line, `no result; exit ${r.status}, stderr:\n${r.stderr}`).toBeDefined();
      expect(JSON.parse(line!.slice('RESULT '.length))[keras]).toBeLessThan(1e-5);
    });
  },
);
