/**
 * The browser test's page script: `decodeImage` (bundled by esbuild for the browser) and the
 * Tessera error classes on `globalThis`, where the test's `page.evaluate` calls reach them.
 */
import { decodeImage } from '../../src/data/image_decode.js';
import { ValueError } from '../../src/errors.js';
import { FormatError } from '../../src/io/errors.js';

Object.assign(globalThis, { decodeImage, FormatError, ValueError });
