#!/usr/bin/env node
/**
 * Builds Tessera's optional native backend (build/Release/tessera_native.node) with node-gyp.
 *
 * `--optional` (the npm `install` hook) never fails: when the compiler, Python, the Node
 * headers or the CPU features are missing, it prints why and exits 0, and Tessera falls back to
 * the wasm backend at run time (`backendInfo()` says so). Without the flag (`npm run
 * build:native`) a failed build still exits 0 but says so loudly, because CI and the test
 * suite must pass on machines without a compiler too.
 *
 * node-gyp comes from npm itself (npm sets `npm_config_node_gyp` for scripts) or PATH. Node's
 * headers are taken from `/usr/include/node` when the Node installation ships them, so the
 * build needs no download; otherwise node-gyp fetches them as usual.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const optional = process.argv.includes('--optional');
const say = (msg) => console.log(`tessera native: ${msg}`);

function giveUp(reason) {
  say(`${reason}; Tessera will use the wasm backend instead.`);
  process.exit(0);
}

// A package from the registry carries a prebuilt addon for linux-x64 (glibc): when it loads
// here, there is nothing to compile.
const glibc = platform() === 'linux' && process.report?.getReport?.().header?.glibcVersionRuntime;
const tag = `${platform()}-${arch()}${glibc ? '-glibc' : ''}`;
const prebuilt = join(root, 'prebuilds', tag, 'tessera_native.node');
if (
  optional &&
  existsSync(prebuilt) &&
  spawnSync(process.execPath, ['-e', `require(${JSON.stringify(prebuilt)})`]).status === 0
) {
  say(`using the prebuilt addon for ${tag}; nothing to compile.`);
  process.exit(0);
}
if (process.env.TESSERA_SKIP_NATIVE_BUILD) giveUp('build skipped (TESSERA_SKIP_NATIVE_BUILD)');
if (arch() !== 'x64') giveUp(`no native kernels for ${platform()}-${arch()} yet`);
if (!existsSync(join(root, 'binding.gyp'))) giveUp('binding.gyp missing');

function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  // npm's bundled node-gyp, next to the npm that runs beside this node binary.
  const bundled = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

const args = ['rebuild'];
const headers = join(dirname(process.execPath), '..', 'include', 'node', 'node_api.h');
if (existsSync(headers)) args.push(`--nodedir=${join(dirname(process.execPath), '..')}`);
args.push(`--jobs=${Math.max(1, Math.min(4, (await import('node:os')).availableParallelism()))}`);

const [cmd, ...pre] = nodeGyp();
say(`building with ${[cmd, ...pre, ...args].join(' ')}`);
const started = Date.now();
const r = spawnSync(cmd, [...pre, ...args], { cwd: root, stdio: 'inherit', env: process.env });
if (r.error || r.status !== 0) {
  const why = r.error ? r.error.message : `node-gyp exited with ${r.status}`;
  if (optional) giveUp(`build failed (${why})`);
  console.error(`tessera native: BUILD FAILED (${why}); only the wasm and js backends will run.`);
  process.exit(0);
}
say(`built build/Release/tessera_native.node in ${((Date.now() - started) / 1000).toFixed(1)} s`);
