/**
 * A training worker for the tests: the package entry, then `serveTraining()` on the thread's
 * parentPort (Node) or `self` (a browser's module worker).
 */
import { serveTraining } from '../../src/index.js';

serveTraining();
