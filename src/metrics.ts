/**
 * Metrics: the public entry point (`import { getMetric } from './metrics.js'`). The code lives
 * in `metrics/`, split by family.
 */
export * from './metrics/index.js';
