import { TesseraError } from '../errors.js';

/** A file's bytes are malformed, hostile or beyond a loader's limits. */
export class FormatError extends TesseraError {
  static override readonly errorName: string = 'FormatError';
}

/**
 * A path cannot be read as a loader needs it: missing, a directory, not a regular file (FIFO,
 * device, socket), outside the model's directory, or larger than the limit. A
 * {@link FormatError}, so existing `catch (e instanceof FormatError)` code still catches it.
 * @example
 * try { await loadModel('missing.keras'); } catch (e) { if (e instanceof FileError) console.log(e.path); }
 */
export class FileError extends FormatError {
  static override readonly errorName: string = 'FileError';
  constructor(
    message: string,
    /** The path that could not be read. */
    readonly path: string,
  ) {
    super(message);
  }
}
