/**
 * Registers the backends of the Node entry: `native` (the C++ addon, tried first) and `wasm`
 * (WebAssembly SIMD), both with factories so that the first op can start them synchronously.
 * The package's Node entry (`src/index.ts`) imports this module (the browser entry imports
 * `browser_backends.ts` instead); a bundle that does neither never
 * reaches the native addon's loader or the wasm kernels.
 *
 * @example
 * import 'tessera/dist/backend/node_backends.js'; // done by the package entry
 */
import { createNativeBackend } from './native/index.js';
import { registerBackend } from './registry.js';
import { createWasmBackend } from './wasm/index.js';
import { preloadWasm } from './wasm/runtime.js';

registerBackend('native', () => createNativeBackend(), 20);
registerBackend('wasm', () => createWasmBackend(), 10, { prepare: preloadWasm });
