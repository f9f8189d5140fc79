/**
 * The package's entry for Node (and the default): registers the native backend (the C++ addon,
 * tried first) and the wasm backend, installs `Model.save`'s file formats, and re-exports
 * every public name (`api.ts`).
 *
 * @example
 * import { Sequential, Dense, tensor } from 'tessera-ml';
 */
import './backend/node_backends.js';
import './io/model_files_install.js';

export * from './api.js';
