/**
 * Tessera's `keras.datasets`: each dataset's `loadData()` returns what Keras's returns (as
 * tensors; IMDB and Reuters sequences as arrays, being ragged), from the file Keras fetches,
 * downloaded once into the cache and hash-checked (Node).
 */
import { loadCifar10, loadCifar100 } from './cifar.js';
import { loadBostonHousing, loadCaliforniaHousing } from './housing.js';
import * as imdbModule from './imdb.js';
import { loadFashionMnist, loadMnistData } from './keras_mnist.js';
import * as reutersModule from './reuters.js';

/** `keras.datasets.mnist`. @example const [[x, y]] = await mnist.loadData(); */
export const mnist = { loadData: loadMnistData };
/** `keras.datasets.fashion_mnist`. @example const [[x, y]] = await fashionMnist.loadData(); */
export const fashionMnist = { loadData: loadFashionMnist };
/** `keras.datasets.cifar10`. @example const [[x, y]] = await cifar10.loadData(); */
export const cifar10 = { loadData: loadCifar10 };
/** `keras.datasets.cifar100`. @example const [[x, y]] = await cifar100.loadData({ labelMode: 'coarse' }); */
export const cifar100 = { loadData: loadCifar100 };
/** `keras.datasets.imdb`. @example const [[x, y]] = await imdb.loadData({ numWords: 10000 }); */
export const imdb = { loadData: imdbModule.loadData, getWordIndex: imdbModule.getWordIndex };
/** `keras.datasets.reuters`. @example reuters.getLabelNames()[3] // 'earn' */
export const reuters = {
  loadData: reutersModule.loadData,
  getWordIndex: reutersModule.getWordIndex,
  getLabelNames: reutersModule.getLabelNames,
};
/** `keras.datasets.boston_housing`. @example const [[x, y]] = await bostonHousing.loadData(); */
export const bostonHousing = { loadData: loadBostonHousing };
/** `keras.datasets.california_housing`. @example const [[x, y]] = await californiaHousing.loadData(); */
export const californiaHousing = { loadData: loadCaliforniaHousing };

export type { LoadOptions, SequenceOptions } from './keras_files.js';
export type { ImdbOptions, SequenceSplits } from './imdb.js';
export type { ReutersOptions } from './reuters.js';
export type { HousingOptions, CaliforniaOptions, RegressionSplits } from './housing.js';
export type { ImageSplits } from './cifar.js';
export type { DigitSplits } from './keras_mnist.js';
