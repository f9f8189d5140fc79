#!/usr/bin/env node
/**
 * Puts the native addon into the package (`npm pack` / `npm publish` run this as `prepack`):
 * builds it when `build/Release/tessera_native.node` is missing, then copies it to
 * `prebuilds/<platform>-<arch>[-glibc]/`, where the loader looks first. A dependant installing
 * the package then needs no compiler on that platform; elsewhere the install script compiles
 * (or Tessera falls back to wasm).
 *
 * Usage: node scripts/prebuild.mjs (fails when no addon can be built, unless
 * TESSERA_ALLOW_NO_PREBUILD=1: a package without a prebuild still works, just slower to set up).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const glibc = platform() === 'linux' && process.report?.getReport?.().header?.glibcVersionRuntime;
const tag = `${platform()}-${arch()}${glibc ? '-glibc' : ''}`;
const built = join(root, 'build', 'Release', 'tessera_native.node');
const say = (m) => console.log(`tessera prebuild: ${m}`);

rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
if (!existsSync(built)) {
  say('no build/Release addon yet; building it');
  spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { stdio: 'inherit' });
}
// The addon must load here (it checks the CPU features it was compiled for at load).
const ok =
  existsSync(built) &&
  spawnSync(process.execPath, ['-e', `require(${JSON.stringify(built)})`], { stdio: 'inherit' })
    .status === 0;
if (!ok) {
  const msg = `no addon to ship for ${tag}`;
  if (process.env.TESSERA_ALLOW_NO_PREBUILD === '1') {
    say(`${msg}; packing without a prebuild (TESSERA_ALLOW_NO_PREBUILD=1)`);
    process.exit(0);
  }
  console.error(`tessera prebuild: ${msg} (set TESSERA_ALLOW_NO_PREBUILD=1 to pack without one)`);
  process.exit(1);
}
const dest = join(root, 'prebuilds', tag);
mkdirSync(dest, { recursive: true });
copyFileSync(built, join(dest, 'tessera_native.node'));
say(`prebuilds/${tag}/tessera_native.node`);
