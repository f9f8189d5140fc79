/**
 * The entry module of the HDF5 parsing worker (a Node worker thread started by
 * `h5_engine.ts`): it loads h5wasm on the first request, then answers each
 * `{id, bytes, limits}` message with the file's snapshot, or with an error; `{loaded: true}`
 * first says that the module loaded. A module file of
 * its own, not source evaluated from a string, so that it runs as ES module code whatever flags
 * the parent process was started with (`--input-type=module` broke the evaluated worker) and
 * so that it ships in `dist/` beside the rest of the package.
 * @internal
 */
import { parentPort } from 'node:worker_threads';
import { type H5Module, type H5wasm, type SnapLimits, snapshotFile } from './h5_engine.js';

interface Request {
  id: number;
  bytes: ArrayBuffer;
  limits: SnapLimits;
}

let ready: Promise<H5Module> | null = null;

function engine(): Promise<H5Module> {
  ready ??= import('h5wasm').then((ns) => {
    const h5 = ((ns as { default?: H5wasm }).default ?? ns) as H5wasm;
    return h5.ready;
  });
  return ready;
}

const message = (e: unknown) => String((e as Error | null)?.message ?? e);

parentPort?.on('message', async (msg: Request) => {
  let mod: H5Module;
  try {
    mod = await engine();
  } catch (e) {
    // Not this file's fault: the parent then parses in its own thread.
    ready = null;
    parentPort!.postMessage({ id: msg.id, error: message(e), unavailable: true });
    return;
  }
  try {
    const snap = snapshotFile(mod, new Uint8Array(msg.bytes), msg.limits);
    const transfer: ArrayBuffer[] = [];
    for (const node of snap.nodes.values()) if (node.dataset) transfer.push(node.dataset.raw);
    parentPort!.postMessage({ id: msg.id, snap }, transfer);
  } catch (e) {
    parentPort!.postMessage({
      id: msg.id,
      error: message(e),
      fatal: (e as { fatal?: boolean } | null)?.fatal === true,
    });
  }
});

// Failures from here on concern the files sent, not the worker (see snapshotInWorker).
parentPort?.postMessage({ loaded: true });
