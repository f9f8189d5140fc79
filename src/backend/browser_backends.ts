/**
 * Registers the backends of the browser entry: `wasm` (WebAssembly SIMD, with helper threads
 * where the page is cross-origin isolated), started by a factory so that the first op can
 * start it synchronously, and compiled asynchronously by `ready()`. The js backend is always
 * registered (registry.ts).
 *
 * @example
 * import 'tessera-ml/dist/backend/browser_backends.js'; // done by the browser entry
 */
import { registerBackend } from './registry.js';
import { createWasmBackend } from './wasm/index.js';
import { preloadWasm } from './wasm/runtime.js';

registerBackend('wasm', () => createWasmBackend(), 10, { prepare: preloadWasm });
