/**
 * A streaming CSV reader (RFC 4180): fields separated by a delimiter, optionally quoted, with
 * doubled quotes inside quotes and line breaks inside quoted fields; `\n` or `\r\n` ends a
 * record. It takes text in chunks of any size and yields records as they complete, so a
 * file of any length is read in bounded memory; one field is capped in length, so a missing
 * closing quote cannot swallow the rest of a large file into memory.
 */
import { FormatError } from './errors.js';

/** Options of {@link CsvParser}. */
export interface CsvParseOptions {
  /** The field delimiter (default `,`): one character. */
  delimiter?: string;
  /** The quote character (default `"`): one character, or `''` for no quoting. */
  quoteChar?: string;
  /** The longest field accepted, in characters (default 1 MiB). */
  maxFieldLength?: number;
  /** The source's name in messages. */
  name?: string;
}

/**
 * Incremental CSV parsing: `push(chunk)` returns the records the chunk completed; `end()` the
 * last one. Line numbers in errors count from 1.
 * @example const p = new CsvParser(); p.push('a,b\n1,'); p.push('2\n'); // [['a','b'], ['1','2']]
 */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  /** After a closing quote: only a delimiter or a line end may follow (or a doubled quote). */
  private afterQuote = false;
  private pendingCR = false;
  private line = 1;
  private recordLine = 1;
  private readonly delim: string;
  private readonly quote: string;
  private readonly max: number;
  private readonly name: string;

  constructor(opts: CsvParseOptions = {}) {
    this.delim = opts.delimiter ?? ',';
    this.quote = opts.quoteChar ?? '"';
    this.max = opts.maxFieldLength ?? 1 << 20;
    this.name = opts.name ?? 'CSV';
    if (this.delim.length !== 1)
      throw new FormatError(
        `${this.name}: the delimiter must be one character, got '${this.delim}'`,
      );
    if (this.quote.length > 1)
      throw new FormatError(`${this.name}: the quote character must be one character or empty`);
  }

  private fail(why: string): never {
    throw new FormatError(`${this.name}: line ${this.line}: ${why}`);
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = '';
    this.afterQuote = false;
  }

  private endRecord(out: string[][]): void {
    this.endField();
    // A blank line is no record.
    if (!(this.record.length === 1 && this.record[0] === '')) out.push(this.record);
    this.record = [];
    this.recordLine = this.line + 1;
  }

  /** Feeds text; returns the records it completed. */
  push(chunk: string): string[][] {
    const out: string[][] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.pendingCR) {
        this.pendingCR = false;
        if (c === '\n') continue;
      }
      if (this.inQuotes) {
        if (c === this.quote) {
          this.inQuotes = false;
          this.afterQuote = true;
        } else {
          if (c === '\n') this.line++;
          this.field += c;
          if (this.field.length > this.max)
            this.fail(`a field is longer than ${this.max} characters (an unclosed quote?)`);
        }
        continue;
      }
      if (this.afterQuote && c === this.quote) {
        // A doubled quote inside a quoted field.
        this.field += c;
        this.inQuotes = true;
        this.afterQuote = false;
        continue;
      }
      if (c === this.delim) this.endField();
      else if (c === '\n' || c === '\r') {
        this.endRecord(out);
        this.line++;
        if (c === '\r') this.pendingCR = true;
      } else if (this.afterQuote) {
        this.fail(`unexpected '${c}' after a closing quote`);
      } else if (c === this.quote && this.quote !== '') {
        if (this.field !== '') this.fail(`a quote inside an unquoted field ('${this.field}${c}…')`);
        this.inQuotes = true;
      } else {
        this.field += c;
        if (this.field.length > this.max)
          this.fail(`a field is longer than ${this.max} characters`);
      }
    }
    return out;
  }

  /** Ends the input: the last record when it had no line end; throws on an open quote. */
  end(): string[][] {
    if (this.inQuotes)
      throw new FormatError(
        `${this.name}: a quoted field opened on line ${this.recordLine} never closes`,
      );
    const out: string[][] = [];
    if (this.field !== '' || this.record.length > 0 || this.afterQuote) this.endRecord(out);
    return out;
  }
}
