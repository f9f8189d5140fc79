#!/usr/bin/env node
/**
 * `npm run test:backends`: the whole default test suite once per backend (js, wasm, native),
 * each made the default with TESSERA_BACKEND, so every backend passes the same tests with no
 * exclusion list. The js pass runs with TESSERA_JIT_COMPILE=false, so every test that trains
 * through `compile`'s default runs eagerly there and compiled on wasm and native (and in the
 * default `npm test`): the suite passes in both modes. A backend that cannot start here (no native build, no WebAssembly SIMD) is
 * reported and skipped; any failing run fails the script.
 *
 * Usage: node scripts/test-backends.mjs [js,wasm,native] [-- extra vitest args]
 */
import { spawnSync } from 'node:child_process';

const dash = process.argv.indexOf('--');
const extra = dash >= 0 ? process.argv.slice(dash + 1) : [];
const list = (dash >= 0 ? process.argv.slice(2, dash) : process.argv.slice(2))[0];
const wanted = list ? list.split(',') : ['js', 'wasm', 'native'];

// Which backends start, asked of the library itself (through tsx, as the tests run from source).
const probe = spawnSync(
  'npx',
  [
    'tsx',
    '-e',
    `import './src/backend/node_backends.ts';
     import { findBackend } from './src/backend/registry.ts';
     const out = {};
     for (const b of ${JSON.stringify(wanted)}) {
       try { findBackend(b); out[b] = ''; } catch (e) { out[b] = String(e.message ?? e); }
     }
     console.log(JSON.stringify(out));`,
  ],
  { encoding: 'utf8' },
);
if (probe.status !== 0) {
  console.error(probe.stderr);
  process.exit(1);
}
const status = JSON.parse(probe.stdout.trim().split('\n').pop());
let failed = 0;
const summary = [];
for (const b of wanted) {
  if (status[b] === undefined || /unknown backend/.test(status[b])) {
    summary.push(`${b}: unknown backend`);
    failed++;
    continue;
  }
  if (status[b]) {
    summary.push(`${b}: skipped (${status[b]})`);
    // The js reference runs everywhere: failing to start it is a broken build, not a skip.
    if (b === 'js') failed++;
    continue;
  }
  const eager = b === 'js';
  console.log(
    `\n== whole suite on the ${b} backend${eager ? ' (steps eager: TESSERA_JIT_COMPILE=false)' : ''}`,
  );
  const r = spawnSync('npx', ['vitest', 'run', ...extra], {
    stdio: 'inherit',
    env: { ...process.env, TESSERA_BACKEND: b, ...(eager ? { TESSERA_JIT_COMPILE: 'false' } : {}) },
  });
  summary.push(`${b}: ${r.status === 0 ? 'passed' : 'FAILED'}`);
  if (r.status !== 0) failed++;
}
console.log(`\nbackends: ${summary.join('; ')}`);
const ran = summary.filter((l) => / (passed|FAILED)$/.test(l)).length;
if (ran === 0) console.log('backends: no backend ran the suite');
process.exit(failed || ran === 0 ? 1 : 0);
