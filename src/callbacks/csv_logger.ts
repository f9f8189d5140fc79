/**
 * `CSVLogger`: writes each epoch's logs as a row of a CSV file (Keras 3's
 * `keras.callbacks.CSVLogger`).
 */
import { ValueError } from '../errors.js';
import { type NodeFs, nodeFs } from '../io/node_io.js';
import { Callback, type Logs } from './callback.js';
import { pyRepr } from './pyformat.js';

/** Options of {@link CSVLogger}. */
export interface CSVLoggerArgs {
  /** Path of the CSV file, e.g. `'run/log.csv'`. */
  filename: string;
  /** Separator between the fields of a row. Default `','`. */
  separator?: string;
  /**
   * true: append to the file if it exists (useful when resuming training; no second header is
   * written when the file already has content); false: overwrite it. Default false.
   */
  append?: boolean;
}

/**
 * Streams epoch results to a CSV file.
 *
 * The first row is a header: `epoch`, then the log keys of the first epoch sorted by name;
 * when none of them starts with `val_`, the `val_` versions are appended as well (as Keras 3
 * does), holding `NA` while no validation is run. Then one row per epoch: the 0-based epoch
 * index and each value as Python prints a float (`0.25`, `1e-05`, `nan`), `NA` for a missing
 * key. Fields holding the separator, a quote or a line break are quoted. Rows end with `\n`
 * and are flushed at the end of each epoch. Node.js only (the file system is imported on
 * first use).
 * @example
 * const logger = new CSVLogger({ filename: 'training.csv' });
 * await model.fit(x, y, { epochs: 10, validationSplit: 0.1, callbacks: [logger] });
 * // training.csv:
 * // epoch,loss,val_loss
 * // 0,0.6931,0.6822
 * // ...
 */
export class CSVLogger extends Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  /** The columns after `epoch`, fixed by the first epoch's logs. */
  keys: string[] | null = null;
  private appendHeader = true;
  private fs: NodeFs | null = null;

  constructor(args: CSVLoggerArgs | string) {
    super();
    const a: CSVLoggerArgs = typeof args === 'string' ? { filename: args } : args;
    if (typeof a?.filename !== 'string' || a.filename.length === 0) {
      throw new ValueError(
        `CSVLogger: filename must be a non-empty string, got ${JSON.stringify(a?.filename)}`,
      );
    }
    const sep = a.separator ?? ',';
    if (typeof sep !== 'string' || sep.length === 0 || /["\r\n]/.test(sep)) {
      throw new ValueError(
        `CSVLogger: separator must be a non-empty string without quotes or line breaks, got ${JSON.stringify(sep)}`,
      );
    }
    this.filename = a.filename;
    this.separator = sep;
    this.append = a.append ?? false;
  }

  async onTrainBegin(): Promise<void> {
    const fs = await nodeFs('CSVLogger');
    this.fs = fs;
    this.appendHeader = true;
    if (this.append) {
      // As Keras: a header only when the file is missing or empty.
      const st = await fs.stat(this.filename).catch(() => null);
      if (st) this.appendHeader = st.size === 0;
    } else {
      await fs.writeFile(this.filename, '');
    }
    this.keys = null;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const fs = this.fs ?? (await nodeFs('CSVLogger'));
    const l = logs ?? {};
    let text = '';
    if (this.keys === null) {
      const keys = Object.keys(l).sort();
      if (keys.length > 0 && !keys.some((k) => k.startsWith('val_')))
        keys.push(...keys.map((k) => `val_${k}`));
      this.keys = keys;
      if (this.appendHeader) text += this.row(['epoch', ...keys]);
    }
    const values = this.keys.map((k) =>
      k in l && typeof l[k] === 'number' ? pyRepr(l[k]!) : 'NA',
    );
    text += this.row([String(epoch), ...values]);
    await fs.appendFile(this.filename, text);
  }

  onTrainEnd(): void {
    this.keys = null;
  }

  private row(fields: readonly string[]): string {
    const sep = this.separator;
    const quote = (f: string) =>
      f.includes(sep) || /["\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f;
    return `${fields.map(quote).join(sep)}\n`;
  }
}
