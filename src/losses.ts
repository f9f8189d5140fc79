/**
 * Losses: the public entry point (`import { getLoss } from './losses.js'`). The code lives in
 * `losses/`, split by family.
 */
export * from './losses/index.js';
