#!/usr/bin/env node
/**
 * Builds the CommonJS entry of the package, `dist/cjs/index.js`, so that `require('tessera-ml')`
 * works in Node 20 (which cannot `require` an ES module): one esbuild bundle of `src/index.ts`
 * with the dependencies that are ES-module-only (fast-png) inlined and h5wasm left to its
 * dynamic `import()` (allowed in CommonJS). `dist/cjs/package.json` marks the folder as
 * CommonJS, and the ES build's declarations are copied beside the bundle so that TypeScript
 * projects resolving `require` get types of the right module kind.
 *
 * Every `import.meta.url` becomes the URL its module has in the ES build (`dist/<path>.js`), so
 * files found relative to a module (the native addon in `build/Release`, the h5 worker
 * `dist/io/h5_worker.js`) are the same files for both entries.
 *
 * Usage: node scripts/build-cjs.mjs (after `tsc -p tsconfig.build.json`).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cjs');
if (!existsSync(join(root, 'dist', 'index.d.ts'))) {
  console.error('build-cjs: dist/index.d.ts is missing; run tsc -p tsconfig.build.json first');
  process.exit(1);
}

/** Rewrites `import.meta.url` in each source to the URL of its ES-build twin. */
const moduleUrls = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      if (text.includes('import.meta.url')) {
        const rel = relative(join(root, 'src'), args.path)
          .replaceAll('\\', '/')
          .replace(/\.ts$/, '.js');
        text = text.replaceAll('import.meta.url', `__tesseraModuleUrl(${JSON.stringify(rel)})`);
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: join(out, 'index.js'),
  // Loaded at run time from the package's own dependencies; h5wasm through import().
  external: ['h5wasm', 'node-addon-api', 'tsx'],
  plugins: [moduleUrls],
  banner: {
    js: "const __tesseraModuleUrl = (p) => require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', p)).href;",
  },
  legalComments: 'none',
  logLevel: 'warning',
});

writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
// The declarations, as CommonJS ones (the folder's package.json says so).
function copyDeclarations(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (src === out) continue;
    if (entry.isDirectory()) copyDeclarations(src, join(to, entry.name));
    else if (entry.name.endsWith('.d.ts')) {
      mkdirSync(to, { recursive: true });
      copyFileSync(src, join(to, entry.name));
    }
  }
}
copyDeclarations(join(root, 'dist'), out);
const size = readFileSync(join(out, 'index.js')).length;
console.log(`build-cjs: wrote dist/cjs/index.js (${(size / 1024).toFixed(0)} KiB) and its declarations`);
