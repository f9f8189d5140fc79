/**
 * Where `Model.save`, `saveWeights` and `loadWeights` find the file formats: io installs them
 * here when it loads (io imports models to build and read models; models never imports io, so
 * the folders form no circle). The package's entry loads io, so the methods always work there.
 */
import { ValueError } from '../errors.js';
import type { Model } from './model.js';

/** The file operations behind a Model's save and load methods. */
export interface ModelFileOps {
  saveModel(model: Model, path: string, opts: { includeOptimizer?: boolean }): Promise<void>;
  saveWeights(model: Model, path: string): Promise<void>;
  loadWeights(
    model: Model,
    path: string,
    opts: { byName?: boolean; skipMismatch?: boolean },
  ): Promise<unknown>;
}

let installed: ModelFileOps | null = null;

/**
 * Installs the file operations (io/save_load.ts does, when it loads).
 * @example setModelFileOps({ saveModel, saveWeights, loadWeights });
 */
export function setModelFileOps(ops: ModelFileOps): void {
  installed = ops;
}

/**
 * The installed file operations, or a clear error naming the method when io was never loaded
 * (a bundle that reached `Model` without the package's entry).
 * @example await modelFileOps('save').saveModel(model, 'm.keras', {});
 */
export function modelFileOps(method: string): ModelFileOps {
  if (!installed)
    throw new ValueError(
      `Model.${method}: the file formats are not loaded; import Tessera from its package entry (which loads io), or call saveModel/loadWeights from io directly`,
    );
  return installed;
}
