/**
 * Keras model configs: reading and writing the architecture JSON of Keras 3 `.keras` files
 * (`config.json`), of Keras 2 / legacy `.h5` files (`model_config`) and of TF.js `model.json`
 * (`modelTopology`), and the training setup (`compile_config`). The code lives in
 * `keras_config/`:
 *
 * - `json.ts`: plain-JSON validation (types, depth, forbidden keys);
 * - `names.ts`: key and value spellings (camelCase ↔ snake_case, with the exceptions);
 * - `objects.ts`: initializers, regularizers, constraints, activations, dtype policies;
 * - `layers.ts`: layer configs both ways, Keras options Tessera drops or refuses;
 * - `from_keras.ts`, `to_keras.ts`: models; `compile.ts`: compile configs.
 */
export { FormatError } from './errors.js';
export type { Json, JsonObject, KerasJson } from './keras_config/json.js';
export { modelFromJson, modelFromKerasConfig } from './keras_config/from_keras.js';
export {
  modelToJson,
  modelToKerasConfig,
  modelToKeras2Config,
  type KerasConfigOptions,
} from './keras_config/to_keras.js';
export { compileArgsFromKeras, compileConfigToKeras } from './keras_config/compile.js';
export { IGNORABLE_KEYS } from './keras_config/layers.js';
export { KEY_EXCEPTIONS, CLASS_KEY_RENAMES } from './keras_config/names.js';
