/**
 * Keras's progress bar: `Epoch 3/10` (when there are several epochs), then a bar with the step
 * count, time per step and the running loss and metrics. On a terminal the line updates in
 * place; in a pipe or a log file only one line per epoch is written, so logs stay readable.
 * Verbose 2 writes Keras's one-line form: `10/10 - 0s - 3ms/step - loss: 0.1234`.
 */
import { Callback, type Logs } from './callback.js';

interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}

function defaultOut(): Out {
  const g = globalThis as { process?: { stdout?: Out } };
  return g.process?.stdout ?? { write: (s: string) => console.log(s.replace(/\n$/, '')) };
}

function fmtValue(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(4);
  return v.toFixed(4);
}

function fmtTime(seconds: number): string {
  if (seconds >= 1) return `${Math.round(seconds)}s`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms`;
  return `${Math.round(seconds * 1e6)}us`;
}

/** Options of {@link ProgbarLogger}. */
export interface ProgbarOptions {
  /** 1: bar (updated in place on a TTY), 2: one line per epoch. Default 1. */
  verbose?: 1 | 2;
  /** Where to write (default process.stdout, or console in browsers). */
  out?: Out;
  /** Force terminal behaviour on or off (default: `out.isTTY`). */
  tty?: boolean;
}

/** The callback that prints the progress bar during `fit` and `evaluate`. */
export class ProgbarLogger extends Callback {
  private readonly out: Out;
  private readonly tty: boolean;
  private readonly verbose: 1 | 2;
  private epochStart = 0;
  private lastDraw = 0;
  private mode: 'train' | 'test' = 'train';
  private inFit = false;
  /** Batches done in this epoch (the count shown when the data's length is unknown). */
  private seen = 0;

  constructor(opts: ProgbarOptions = {}) {
    super();
    this.out = opts.out ?? defaultOut();
    this.tty = opts.tty ?? Boolean(this.out.isTTY);
    this.verbose = opts.verbose ?? 1;
  }

  onTrainBegin(): void {
    this.inFit = true;
  }

  onTrainEnd(): void {
    this.inFit = false;
  }

  onEpochBegin(epoch: number): void {
    this.mode = 'train';
    // As Keras: the epoch header only when there is more than one epoch.
    if (this.params.epochs > 1) this.out.write(`Epoch ${epoch + 1}/${this.params.epochs}\n`);
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
  }

  onTrainBatchEnd(batch: number, logs: Logs): void {
    this.seen = batch + 1;
    if (this.verbose === 1 && this.tty) this.draw(batch + 1, logs, false);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    this.draw(this.params.steps ?? this.seen, logs, true);
  }

  onTestBegin(): void {
    if (this.inFit) return;
    this.mode = 'test';
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
  }

  onTestBatchEnd(batch: number, logs: Logs): void {
    if (this.inFit) return;
    this.seen = batch + 1;
    if (this.verbose === 1 && this.tty) this.draw(batch + 1, logs, false);
  }

  onTestEnd(logs: Logs): void {
    if (!this.inFit) this.draw(this.params.steps ?? this.seen, logs, true);
  }

  private draw(step: number, logs: Logs, final: boolean): void {
    const now = performance.now();
    // Redrawing a terminal line costs more than a small training step: at most 20 times a second.
    if (!final && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    // A dataset of unknown length shows Keras's `12/Unknown` and no bar until it is known.
    const total = this.params.steps;
    const elapsed = (now - this.epochStart) / 1000;
    const perStep = step > 0 ? elapsed / step : 0;
    const width = 20;
    const count =
      total === null
        ? `${String(step).padStart(7)}/Unknown`
        : `${String(step).padStart(String(total).length)}/${total}`;
    const done =
      total !== null && total > 0 ? Math.min(width, Math.floor((step / total) * width)) : width;
    // Verbose 1: `10/10 ━━━━ 0s 3ms/step`; verbose 2 (Keras's one-line form): `10/10 - 0s - 3ms/step`.
    const bar =
      this.verbose === 1 && total !== null
        ? `${count} ━${'━'.repeat(Math.max(0, done - 1))}${' '.repeat(width - done)} `
        : this.verbose === 1
          ? `${count} `
          : `${count} - `;
    const timing = !final
      ? total === null
        ? `${fmtTime(elapsed)} ${fmtTime(perStep)}/step`
        : `${fmtTime(perStep * (total - step))} ETA`
      : this.verbose === 1
        ? `${fmtTime(elapsed)} ${fmtTime(perStep)}/step`
        : `${Math.round(elapsed)}s - ${fmtTime(perStep)}/step`;
    const values = Object.entries(logs)
      .filter(([k]) => this.mode === 'train' || !k.startsWith('val_'))
      .map(([k, v]) => `${k}: ${fmtValue(v)}`)
      .join(' - ');
    const line = `${bar}${timing}${values ? ` - ${values}` : ''}`;
    if (this.tty) this.out.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else if (final) this.out.write(`${line}\n`);
  }
}

/** What the bar writes on a terminal to redraw its line: carriage return, erase line. */
const ERASE_LINE = `\r${String.fromCharCode(27)}[2K`;

/**
 * A progress bar in a page: a {@link ProgbarLogger} writing into an element's text, the
 * current line updated in place as on a terminal, one line kept per epoch (the last 200).
 *
 * Formula: none (a view of the logs).
 *
 * Shape: not applicable.
 * @example await model.fit(x, y, { epochs: 5, verbose: 0, callbacks: [pageProgbar(pre)] });
 */
export function pageProgbar(
  target: { textContent: string | null },
  opts: { verbose?: 1 | 2 } = {},
): ProgbarLogger {
  const lines: string[] = [''];
  const out: Out = {
    isTTY: true,
    write(s: string): void {
      // The terminal's two controls: \r + erase-line restarts the line, \n ends it.
      for (const part of s.split(new RegExp(`(${ERASE_LINE.replace('[', '\\[')}|\n)`))) {
        if (part === ERASE_LINE) lines[lines.length - 1] = '';
        else if (part === '\n') lines.push('');
        else lines[lines.length - 1] += part;
      }
      if (lines.length > 200) lines.splice(0, lines.length - 200);
      target.textContent = lines.join('\n');
    },
  };
  return new ProgbarLogger({ verbose: opts.verbose ?? 1, out, tty: true });
}
