/**
 * Every error class Tessera exports names itself with a fixed string, so that minified
 * bundles still print `ShapeError: …` (not a mangled class name): checked on the exports
 * and on a minified esbuild bundle of them; a user's own subclass is named after its class.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ValueError } from './errors.js';
import * as tessera from './index.js';

const errorClasses = Object.entries(tessera).filter(
  ([, v]) => typeof v === 'function' && v.prototype instanceof Error,
) as [string, new (m: string) => Error][];

describe('error class names', () => {
  it('are fixed on every exported error class', () => {
    expect(errorClasses.length).toBeGreaterThanOrEqual(10);
    for (const [name, C] of errorClasses) {
      // FileError takes (path, message); the name does not depend on the arguments.
      expect(new C('message').name, name).toBe(name);
    }
  });

  it('survive minification', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-min-'));
    try {
      const names = errorClasses.map(([n]) => n);
      const out = await build({
        stdin: {
          contents: `export { ${names.join(', ')} } from './src/index.ts';`,
          resolveDir: join(__dirname, '..'),
          loader: 'ts',
        },
        bundle: true,
        minify: true,
        format: 'cjs',
        platform: 'node',
        write: false,
        external: ['h5wasm', 'node-addon-api', 'tsx'],
        logLevel: 'silent',
      });
      const file = join(dir, 'min.cjs');
      writeFileSync(file, out.outputFiles[0]!.text);
      const mod = createRequire(import.meta.url)(file) as Record<string, new (m: string) => Error>;
      for (const n of names) {
        const e = new mod[n]!('m');
        expect(e.name, n).toBe(n);
        expect(String(e)).toMatch(new RegExp(`^${n}: `));
      }
      // The class itself was renamed by the minifier: the fixed string is what saved it.
      expect(mod.ShapeError!.name).not.toBe('ShapeError');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("names a user's subclass after its class", () => {
    class MyLayerError extends ValueError {}
    expect(new MyLayerError('x').name).toBe('MyLayerError');
  });
});
