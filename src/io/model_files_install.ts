/**
 * Installs the file formats behind `Model.save`, `saveWeights` and `loadWeights` the moment the
 * package entry loads, without loading them: each method imports `save_load.js` on its first
 * call. The package marks this module (and only a few like it) as having side effects, so a
 * tree-shaken bundle keeps it while `save_load.js` and the loaders behind it stay in their own
 * chunk until a model is saved or loaded. `save_load.js` installs its functions directly when it
 * loads, replacing these.
 *
 * @example
 * import 'tessera-ml'; // done by the entry: then model.save('m.keras') works in any bundle
 */
import { setModelFileOps } from '../models/model_files.js';

setModelFileOps({
  async saveModel(model, path, opts) {
    return (await import('./save_load.js')).saveModel(model, path, opts);
  },
  async saveWeights(model, path) {
    return (await import('./save_load.js')).saveWeights(model, path);
  },
  async loadWeights(model, path, opts) {
    return (await import('./save_load.js')).loadWeights(model, path, opts);
  },
});
