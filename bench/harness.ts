/**
 * Timing helpers for `npm run bench`: warm up, repeat, take the median. Benchmarks of
 * different libraries are interleaved round by round so that machine noise hits all alike.
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

/** One measured contender: `run` does one unit of work; `units` is what one run counts. */
export interface Contender {
  name: string;
  /** Runs once; may return a promise (TensorFlow.js readback). */
  run: () => unknown;
  setup?: () => Promise<void> | void;
  /** The warm-up run, when a full `run` is too long to spend on one (a shorter slice of it). */
  warmup?: () => unknown;
}

export interface Measurement {
  name: string;
  /** Median seconds per run. */
  seconds: number;
  runs: number;
}

const now = () => performance.now() / 1000;

/**
 * Measures each contender: one warm-up run (JIT and wasm tier-up; `warmup` when given), then
 * rounds in which every contender runs once, until `minSeconds` have passed per contender or
 * `maxRounds` rounds.
 */
export async function measure(
  contenders: Contender[],
  opts: { minSeconds?: number; maxRounds?: number; minRounds?: number } = {},
): Promise<Measurement[]> {
  const minSeconds = opts.minSeconds ?? 1;
  const maxRounds = opts.maxRounds ?? 15;
  const minRounds = opts.minRounds ?? 3;
  const times: number[][] = contenders.map(() => []);
  for (const c of contenders) {
    await c.setup?.();
    await (c.warmup ?? c.run)();
  }
  for (let round = 0; round < maxRounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const t0 = now();
      await contenders[i]!.run();
      times[i]!.push(now() - t0);
    }
    const spent = Math.min(...times.map((t) => t.reduce((a, b) => a + b, 0)));
    if (round + 1 >= minRounds && spent >= minSeconds) break;
  }
  return contenders.map((c, i) => ({
    name: c.name,
    seconds: median(times[i]!),
    runs: times[i]!.length,
  }));
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
