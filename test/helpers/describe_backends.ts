/**
 * Runs one suite on every registered backend, so a new backend passes the same tests with no
 * exclusion list. `TESSERA_TEST_BACKENDS=js,wasm` restricts the list.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import { backendInfo, findBackend, getBackend, setBackend } from '../../src/backend/registry.js';

function starts(name: string): boolean {
  try {
    findBackend(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Names of the backends the suites run on: every registered backend that starts here (the
 * native one needs its compiled addon; `backendInfo()` reports why one did not start).
 */
export function testBackends(): string[] {
  const env = process.env.TESSERA_TEST_BACKENDS;
  const all = backendInfo().registered.filter(starts);
  return env ? env.split(',').filter((b) => all.includes(b)) : all;
}

/** `describe(name)` once per backend, with that backend current inside. */
export function describeBackends(name: string, fn: (backend: string) => void): void {
  for (const b of testBackends()) {
    describe(`${name} [${b}]`, () => {
      let previous: Backend;
      beforeAll(() => {
        previous = getBackend();
        setBackend(b);
      });
      afterAll(() => {
        setBackend(previous.name);
      });
      fn(b);
    });
  }
}
