/**
 * Vitest setup: registers the Node backends (native, wasm) as the package's Node entry does,
 * so that test files importing modules directly (not through `src/index.ts`) see them too.
 */
import '../../src/backend/node_backends.js';
