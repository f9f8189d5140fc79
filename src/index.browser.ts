/**
 * The package's entry for browsers (the `browser` export condition, which Vite, esbuild and
 * webpack pick when they build for a page): the wasm backend only, so a page's graph never
 * reaches the native addon's loader; `Model.save`'s file formats; every public name
 * (`api.ts`).
 *
 * @example
 * import { Sequential, Dense, tensor, ready } from 'tessera-ml'; // in a page
 * await ready();
 */
import './backend/browser_backends.js';
import './io/model_files_install.js';

export * from './api.js';
