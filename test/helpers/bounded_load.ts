/**
 * Runs `loadModel` on one file in a child process under a memory and a time bound, for the
 * resource-bound loader fuzz (src/io/fuzz.test.ts). The bound is the issue's: loading S bytes
 * takes at most about 4·S + 64 MB of memory above an idle child's, and at most a few seconds
 * per MB. The child reports its peak RSS (`process.resourceUsage().maxRSS`) and how long the
 * load took; the parent also watches the child's RSS (`/proc/<pid>/status`, on Linux) and kills
 * it as soon as it passes a hard ceiling, so a runaway case fails fast instead of eating the
 * machine. V8's heap is capped too (`--max-old-space-size`): a heap blow-up crashes the child,
 * which fails the case.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./bounded_load_child.ts', import.meta.url));
const MB = 1024 * 1024;

/** What the child reported, or why it reported nothing. */
export interface ChildReport {
  outcome: 'loaded' | 'tessera-error' | 'other-error' | 'idle' | 'crashed' | 'killed';
  name?: string;
  message?: string;
  messageLength?: number;
  /** Time of the load itself, in ms (start-up excluded). */
  ms: number;
  /** Peak RSS of the child, in bytes (the parent's own sample when the child was killed). */
  maxRssBytes: number;
  /** The load's own peak above the RSS before it (Linux; see bounded_load_child.ts). */
  loadExtraBytes?: number;
  /** Why the parent killed the child, or how it crashed (exit code, signal, stderr tail). */
  detail?: string;
}

/** Limits of one child. */
export interface ChildLimits {
  /** Kill the child once its RSS passes this many bytes. */
  killAboveRssBytes: number;
  /** Kill the child after this many ms of wall time (start-up included). */
  timeoutMs: number;
  /** V8's old-space cap, in MB. */
  maxOldSpaceMb: number;
}

function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Runs the child on `path` (`null`: the idle baseline) and resolves with its report; never
 * rejects for the child's sake (a crash or a kill is a report).
 * @example const r = await runLoadChild('/tmp/x.keras', { killAboveRssBytes: 1e9, timeoutMs: 30000, maxOldSpaceMb: 512 });
 */
export function runLoadChild(path: string | null, limits: ChildLimits): Promise<ChildReport> {
  const args = [
    `--max-old-space-size=${Math.ceil(limits.maxOldSpaceMb)}`,
    '--import',
    'tsx',
    CHILD,
    ...(path === null ? ['idle'] : ['load', path]),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed: string | null = null;
    let peak = 0;
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-2000);
    });
    const watch = setInterval(() => {
      const rss = child.pid === undefined ? null : rssOf(child.pid);
      if (rss === null) return;
      peak = Math.max(peak, rss);
      if (rss > limits.killAboveRssBytes && !killed) {
        killed = `RSS ${(rss / MB).toFixed(0)} MB passed the ceiling of ${(limits.killAboveRssBytes / MB).toFixed(0)} MB`;
        child.kill('SIGKILL');
      }
    }, 20);
    const timer = setTimeout(() => {
      if (!killed) {
        killed = `still running after ${limits.timeoutMs} ms`;
        child.kill('SIGKILL');
      }
    }, limits.timeoutMs);
    child.on('close', (code, signal) => {
      clearInterval(watch);
      clearTimeout(timer);
      if (killed) {
        resolve({ outcome: 'killed', ms: Number.NaN, maxRssBytes: peak, detail: killed });
        return;
      }
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (!line) {
        resolve({
          outcome: 'crashed',
          ms: Number.NaN,
          maxRssBytes: peak,
          detail: `exit ${code}${signal ? ` (${signal})` : ''}: ${err.slice(-600)}`,
        });
        return;
      }
      resolve(JSON.parse(line.slice('@@RESULT '.length)) as ChildReport);
    });
  });
}

/** The issue's bound on extra memory for a file of `bytes`: 4·S + 64 MB. */
export function memoryBound(bytes: number): number {
  return 4 * bytes + 64 * MB;
}

/** The issue's bound on time for a file of `bytes`: a few seconds per MB (5 s + 3 s/MB here). */
export function timeBoundMs(bytes: number): number {
  return 5000 + (3000 * bytes) / MB;
}
