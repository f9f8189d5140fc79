/**
 * Child process of the resource-bound loader fuzz (src/io/fuzz.test.ts, via
 * test/helpers/bounded_load.ts): loads one file with `loadModel` and prints one result line,
 *
 *   @@RESULT {"outcome": "loaded" | "tessera-error" | "other-error", "name", "message",
 *             "messageLength", "ms", "maxRssBytes", "loadExtraBytes"}
 *
 *   node --import tsx test/helpers/bounded_load_child.ts load <path>
 *   node --import tsx test/helpers/bounded_load_child.ts idle
 *
 * `idle` imports the same modules and loads nothing: its peak RSS is the baseline the parent
 * subtracts where `loadExtraBytes` is missing. `ms` times the load alone (not Node's start-up).
 *
 * `loadExtraBytes` is the load's own peak: on Linux the child resets its peak-RSS counter
 * (`/proc/self/clear_refs`, 5) just before the load and reads `VmHWM` after it, minus the RSS
 * it had before; start-up and import peaks, which vary from run to run, do not count.
 */
// A child process: register the Node backends as the package entry does.
import '../../src/backend/node_backends.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { TesseraError } from '../../src/errors.js';
import { loadModel } from '../../src/io/save_load.js';

const [mode, path] = process.argv.slice(2);
if (mode !== 'idle' && !(mode === 'load' && path))
  throw new Error('usage: bounded_load_child.ts load <path> | idle');

interface Result {
  outcome: 'loaded' | 'tessera-error' | 'other-error' | 'idle';
  name?: string;
  message?: string;
  messageLength?: number;
}

/** A `/proc/self/status` field in bytes, or null off Linux. */
function status(field: string): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

let peakReset = false;
try {
  writeFileSync('/proc/self/clear_refs', '5');
  peakReset = true;
} catch {
  // Not Linux, or not allowed: the parent falls back to maxRSS minus the idle baseline.
}
const rssBefore = status('VmRSS');
const t0 = performance.now();
let result: Result;
if (mode === 'idle') result = { outcome: 'idle' };
else {
  try {
    const m = await loadModel(path!);
    result = { outcome: 'loaded', message: `${m.weights.length} weights` };
  } catch (e) {
    const err = e as Error;
    const message = String(err?.message ?? e);
    result = {
      outcome: e instanceof TesseraError ? 'tessera-error' : 'other-error',
      name: err?.name,
      // Only the start travels back; the length is reported so long messages can be caught.
      message: message.slice(0, 400),
      messageLength: message.length,
    };
  }
}
const ms = performance.now() - t0;
// maxRSS is in KiB: the peak resident set of this whole process, start-up included.
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
const hwm = status('VmHWM');
const loadExtraBytes =
  peakReset && hwm !== null && rssBefore !== null ? Math.max(0, hwm - rssBefore) : undefined;
process.stdout.write(
  `\n@@RESULT ${JSON.stringify({ ...result, ms, maxRssBytes, loadExtraBytes })}\n`,
);
