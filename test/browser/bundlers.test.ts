/**
 * The library in a web build: esbuild (platform browser) and Vite bundle an app that imports
 * Tessera's browser entry (what the package's `browser` condition resolves to), and neither may meet a Node built-in in the browser graph (Node's modules are
 * reached through process.getBuiltinModule at run time instead) nor ship the native addon.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build as esbuild } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tessera-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const app = `import { tensor, Sequential, Dense, loadModelFromBytes } from ${JSON.stringify(join(repo, 'src', 'index.browser.ts'))};
const m = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
console.log(m.predict(tensor([[1, 2, 3]])).shape, typeof loadModelFromBytes);`;

describe('bundling for the browser', () => {
  it('esbuild finds no Node built-in in the graph', async () => {
    const r = await esbuild({
      stdin: { contents: app, resolveDir: dir, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      outdir: join(dir, 'esbuild'),
      logLevel: 'silent',
    });
    expect(r.errors).toEqual([]);
    const inputs = Object.keys(r.metafile!.inputs);
    expect(inputs.some((i) => i.includes('src/tensor/tensor.ts'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
    expect(r.outputFiles!.some((f) => f.path.endsWith('.node'))).toBe(false);
    // The browser entry never reaches the native addon's loader.
    expect(inputs.filter((i) => i.includes('backend/native/'))).toEqual([]);
  }, 120_000);

  it('Vite externalizes no Node built-in and copies no native addon', async () => {
    const { build } = await import('vite');
    const root = join(dir, 'vite');
    rmSync(root, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'index.html'), '<script type="module" src="./main.ts"></script>');
    writeFileSync(join(root, 'main.ts'), app);
    const warnings: string[] = [];
    // Under vitest NODE_ENV is 'test', and Vite then builds as for a test run (it resolves
    // Node built-ins instead of standing in for them): build as a user's production build.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    await build({
      root,
      // Warnings reach the custom logger (which keeps them) only at this level.
      logLevel: 'warn',
      configFile: false,
      build: {
        outDir: join(root, 'dist'),
        chunkSizeWarningLimit: 100_000,
        rollupOptions: { onwarn: (w) => warnings.push(String(w.message)) },
      },
      customLogger: {
        info: () => {},
        warn: (m: string) => warnings.push(m),
        warnOnce: (m: string) => warnings.push(m),
        error: (m: string) => warnings.push(m),
        clearScreen: () => {},
        hasErrorLogged: () => false,
        hasWarned: false,
      },
    }).finally(() => {
      process.env.NODE_ENV = nodeEnv;
    });
    expect(warnings.filter((w) => /externalized for browser compatibility/.test(w))).toEqual([]);
    const assets = readdirSync(join(root, 'dist', 'assets'));
    // Vite stands an empty '__vite-browser-external' module in for each Node built-in it meets.
    expect(assets.filter((a) => a.includes('browser-external'))).toEqual([]);
    for (const a of assets.filter((f) => f.endsWith('.js')))
      expect(readFileSync(join(root, 'dist', 'assets', a), 'utf8')).not.toContain(
        '__vite-browser-external',
      );
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.filter((a) => a.endsWith('.node'))).toEqual([]);
  }, 180_000);
});
