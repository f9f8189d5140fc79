import { TesseraError } from '../errors.js';

export class FormatError extends TesseraError {}
