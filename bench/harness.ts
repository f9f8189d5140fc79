/**
 * Timing helpers for `npm run bench`: warm up, repeat, take the median. Benchmarks of
 * different libraries are interleaved round by round so that machine noise hits all alike; a
 * contender that throws is reported as "cannot run" instead of ending the bench.
 */

/** What one workload hands back to `run.ts`: a Markdown table and the rows behind it. */
export interface WorkloadResult {
  name: string;
  unit: string;
  table: string;
  rows: Record<string, number | string>[];
  /** Lines printed under the table (a contender that could not run, and why). */
  notes?: string[];
}

/** The command-line options every workload receives. */
export interface BenchOptions {
  /** Shrunken workloads, one round: a smoke check, not a measurement. */
  quick: boolean;
  /** Time whole epochs even where a contender needs minutes for one (no round budget). */
  fullEpochs: boolean;
  /** Measure each training workload's peak RSS in fresh child processes (`--no-memory`: off). */
  memory?: boolean;
}

/** One measured contender: `run` does one unit of work; `units` is what one run counts. */
export interface Contender {
  name: string;
  /** Runs once; may return a promise (TensorFlow.js readback). */
  run: () => unknown;
  /**
   * Runs once and answers the seconds it measured itself (a subprocess, whose start-up and
   * pipe must stay out of the figure); used instead of timing `run` from here.
   */
  timed?: () => Promise<number>;
  setup?: () => Promise<void> | void;
  /** The warm-up run, when a full `run` is too long to spend on one (a shorter slice of it). */
  warmup?: () => unknown;
  /** Frees what `setup` made (tfjs tensors, the Python child's state); `measure` calls it. */
  dispose?: () => unknown;
  /**
   * Asked after the warm-up: true leaves this contender out of the timed rounds (one that would
   * take minutes a round and reports an estimate from its warm-up instead).
   */
  skipRounds?: () => boolean;
}

export interface Measurement {
  name: string;
  /** Median seconds per run (NaN when the contender could not run). */
  seconds: number;
  runs: number;
  /** Why the contender could not run, when it could not (its setup, warm-up or a run threw). */
  error?: string;
  /** True when `skipRounds` left it out of the timed rounds (`seconds` is NaN). */
  skipped?: boolean;
}

const now = () => performance.now() / 1000;

/** The first line of an error's message, at most 160 characters: for notes and table cells. */
export function shortError(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split('\n')[0]!.trim();
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

/**
 * Measures each contender: one warm-up run (JIT and wasm tier-up; `warmup` when given), then
 * rounds in which every contender runs once, until `minSeconds` have passed per contender or
 * `maxRounds` rounds. A contender whose setup, warm-up or run throws is dropped from the
 * following rounds and answered with its error. Every contender's `dispose` runs at the end.
 */
export async function measure(
  contenders: Contender[],
  opts: { minSeconds?: number; maxRounds?: number; minRounds?: number } = {},
): Promise<Measurement[]> {
  const minSeconds = opts.minSeconds ?? 1;
  const maxRounds = opts.maxRounds ?? 15;
  const minRounds = opts.minRounds ?? 3;
  try {
    return await rounds(contenders, minSeconds, maxRounds, minRounds);
  } finally {
    for (const c of contenders) {
      try {
        await c.dispose?.();
      } catch (e) {
        console.log(`  ${c.name}: dispose failed: ${shortError(e)}`);
      }
    }
  }
}

async function rounds(
  contenders: Contender[],
  minSeconds: number,
  maxRounds: number,
  minRounds: number,
): Promise<Measurement[]> {
  const times: number[][] = contenders.map(() => []);
  // Wall seconds spent per contender, which decides when to stop (a `timed` figure may be per op).
  const spent: number[] = contenders.map(() => 0);
  const errors: (string | undefined)[] = contenders.map(() => undefined);
  for (let i = 0; i < contenders.length; i++) {
    const c = contenders[i]!;
    try {
      await c.setup?.();
      await (c.warmup ?? c.run)();
    } catch (e) {
      errors[i] = shortError(e);
      console.log(`  ${c.name} cannot run: ${errors[i]}`);
    }
  }
  const skipped = contenders.map((c, i) => errors[i] === undefined && !!c.skipRounds?.());
  for (let round = 0; round < maxRounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      if (errors[i] !== undefined || skipped[i]) continue;
      const c = contenders[i]!;
      try {
        const t0 = now();
        let self: number | undefined;
        if (c.timed) self = await c.timed();
        else await c.run();
        const wall = now() - t0;
        times[i]!.push(self ?? wall);
        spent[i]! += wall;
      } catch (e) {
        errors[i] = shortError(e);
        console.log(`  ${c.name} cannot run: ${errors[i]}`);
      }
    }
    const live = spent.filter((_, i) => errors[i] === undefined && !skipped[i]);
    if (round + 1 >= minRounds && Math.min(...live) >= minSeconds) break;
  }
  return contenders.map((c, i) => {
    const runs = times[i]!.length;
    if (errors[i] !== undefined)
      return { name: c.name, seconds: Number.NaN, runs, error: errors[i] };
    if (skipped[i]) return { name: c.name, seconds: Number.NaN, runs, skipped: true };
    return { name: c.name, seconds: median(times[i]!), runs };
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A Markdown table from rows of cells. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** What a table shows for a contender that could not run: `cannot run: <short message>`. */
export function cannotRunCell(error: string | undefined): string {
  const msg = error ?? 'unknown error';
  return `cannot run: ${msg.length > 70 ? `${msg.slice(0, 69)}…` : msg}`;
}

/** A measurement's value for a table: `f(m)`, or {@link cannotRunCell} when it failed. */
export function cellValue(m: Measurement, f: (m: Measurement) => number): number | string {
  return m.error !== undefined ? cannotRunCell(m.error) : f(m);
}

/**
 * The standard result table: leading label columns, one value column per contender, then the
 * ratio of each Tessera contender to each other contender (above 1× means Tessera is faster).
 * A row's value is a number, or a string (such as {@link cannotRunCell}'s) shown as it is.
 */
export function resultTable(opts: {
  labels: string[];
  rows: {
    labels: string[];
    values: Record<string, number | string | undefined>;
    /** Text appended to a contender's value cell (a footnote mark). */
    marks?: Record<string, string>;
  }[];
  contenders: string[];
  /** The unit in each value column's heading (e.g. `samples/s`). */
  unit: string;
  /** Decimals of the values (default: adaptive, see {@link formatValue}). */
  digits?: number;
  /** True when a smaller value is better (latencies): ratios become other ÷ Tessera. */
  lowerIsBetter?: boolean;
}): string {
  const tessera = opts.contenders.filter((c) => c.startsWith('tessera-'));
  const others = opts.contenders.filter((c) => !c.startsWith('tessera-'));
  const pairs = tessera.flatMap((t) => others.map((o) => [t, o] as const));
  const header = [
    ...opts.labels,
    ...opts.contenders.map((c) => `${c} ${opts.unit}`),
    ...pairs.map(([t, o]) => `${t} / ${o}`),
  ];
  const cell = (v: number | string | undefined) => {
    if (typeof v !== 'number') return v ?? '–';
    if (!Number.isFinite(v)) return cannotRunCell(undefined);
    return opts.digits === undefined ? formatValue(v) : v.toFixed(opts.digits);
  };
  const ratio = (t: number | string | undefined, o: number | string | undefined) => {
    if (typeof t !== 'number' || typeof o !== 'number') return '–';
    const r = opts.lowerIsBetter ? o / t : t / o;
    if (!Number.isFinite(r)) return '–';
    return `${r >= 100 ? r.toFixed(0) : r >= 0.01 ? r.toFixed(2) : r.toPrecision(2)}×`;
  };
  return markdownTable(
    header,
    opts.rows.map((r) => [
      ...r.labels,
      ...opts.contenders.map((c) => cell(r.values[c]) + (r.marks?.[c] ?? '')),
      ...pairs.map(([t, o]) => ratio(r.values[t], r.values[o])),
    ]),
  );
}

/**
 * A number with as many decimals as it needs to show about three significant digits (at least
 * `minDecimals` below 100): 12345, 123, 12.3, 1.23, 0.0123.
 */
export function formatValue(v: number, minDecimals = 0): string {
  const a = Math.abs(v);
  if (a >= 100 || a === 0) return v.toFixed(a >= 100 ? 0 : minDecimals);
  const decimals = Math.min(6, Math.max(minDecimals, 2 - Math.floor(Math.log10(a))));
  return v.toFixed(decimals);
}

/** Notes naming each contender that could not run, with its error, once per contender. */
export function cannotRunNotes(ms: readonly Measurement[], where = ''): string[] {
  return ms
    .filter((m) => m.error !== undefined)
    .map((m) => `${m.name} cannot run${where}: ${m.error}`);
}
