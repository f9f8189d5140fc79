/**
 * The read and write contexts of the Keras config converters for tests of single layers (no
 * nested models): `layerFromKeras(envelope, label, READ)`, `layerConfigToKeras(layer, WRITE)`.
 */
import type { ReadContext } from '../../src/io/keras_config/layers.js';

/** Reads a Keras 3 layer envelope; a nested model is an error. */
export const READ: ReadContext = {
  tfjs: false,
  readModel: () => {
    throw new Error('no nested models here');
  },
};

/** Writes a Keras 3 layer envelope; a nested model is an error. */
export const WRITE = {
  keras2: false,
  writeModel: () => {
    throw new Error('no nested models here');
  },
  isModel: () => false,
};
