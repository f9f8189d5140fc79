/**
 * PyTorch and numpy contenders for `npm run bench`: one `/usr/bin/python3 bench/torch_bench.py
 * --serve` child for the whole run, asked for one measurement at a time, so that each Python
 * round runs between the JavaScript contenders' rounds (see `measure` in harness.ts). The child
 * times itself; the pipe and Python's start-up stay out of the figures.
 *
 * The child's environment drops `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE` (this machine exports
 * `OPENBLAS_CORETYPE=Haswell`, which halves OpenBLAS on its AVX-512 cores), sets OpenMP and
 * OpenBLAS to 2 threads (torch is given `torch.set_num_threads(2)`) and puts Debian's OpenMP
 * build of OpenBLAS first on `LD_LIBRARY_PATH`: the default pthread build's threads fight
 * PyTorch's OpenMP threads for the two cores, which is not how a user who cares about speed runs
 * PyTorch. Which BLAS really ran is read back from the child (`/proc/<pid>/maps`, and
 * threadpoolctl where installed), not assumed.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Contender } from './harness.js';

/** The interpreter: Debian's, where `python3-torch` and `python3-numpy` install. */
export const PYTHON = '/usr/bin/python3';
/** Threads of torch, OpenMP and OpenBLAS in the child. */
export const PYTHON_THREADS = 2;
/** Debian's OpenMP build of OpenBLAS (apt `libopenblas0-openmp`), put on the child's library path. */
export const OPENMP_BLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

/** What the child reports on start. */
export interface PythonInfo {
  python: string;
  numpy: string;
  /** torch's version, or null when `import torch` failed (see `torchError`). */
  torch: string | null;
  torchError: string | null;
  threads: number;
  /** The BLAS library numpy and torch's matmul loaded (reference BLAS or OpenBLAS). */
  blas: string | null;
  /** threadpoolctl's view of each loaded BLAS, or null without threadpoolctl. */
  blasRuntime:
    | {
        internal_api: string;
        version: string | null;
        threading_layer?: string;
        architecture?: string;
        num_threads: number;
        filepath: string;
      }[]
    | null;
  /** The BLAS files mapped by the child, read from `/proc/<pid>/maps` by this process. */
  blasMapped?: string[];
  /** True when the OpenMP OpenBLAS folder was missing, so the child ran Debian's default BLAS. */
  openmpBlasMissing?: boolean;
}

/** The Python side of the bench: its versions, or why it is missing. */
export interface PythonSide {
  info?: PythonInfo;
  /** Why there is no Python contender at all (no interpreter, numpy missing, a crash). */
  unavailable?: string;
}

export type PythonLib = 'pytorch' | 'numpy';

interface Answer {
  ok?: boolean;
  seconds?: number;
  error?: string;
}

let child: ChildProcessWithoutNullStreams | undefined;
let starting: Promise<PythonSide> | undefined;
const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
let stderrTail = '';
let exited: string | undefined;
let nextKey = 0;

/** Starts the child once (`TESSERA_BENCH_NO_PYTHON=1` leaves it out); later calls share it. */
export function pythonSide(): Promise<PythonSide> {
  starting ??= start();
  return starting;
}

/**
 * The environment of a Python child: OpenBLAS left to auto-detect its core, 2 threads, the
 * OpenMP OpenBLAS first on the library path when it is installed.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const dropped = new Set(['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']);
  const libPath = [
    ...(existsSync(OPENMP_BLAS_DIR) ? [OPENMP_BLAS_DIR] : []),
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((p) => p && p !== OPENMP_BLAS_DIR),
  ].join(':');
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !dropped.has(k))),
    ...(libPath ? { LD_LIBRARY_PATH: libPath } : {}),
    OMP_NUM_THREADS: String(PYTHON_THREADS),
    OPENBLAS_NUM_THREADS: String(PYTHON_THREADS),
    MKL_NUM_THREADS: String(PYTHON_THREADS),
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

async function start(): Promise<PythonSide> {
  if (process.env.TESSERA_BENCH_NO_PYTHON) {
    return { unavailable: 'disabled by TESSERA_BENCH_NO_PYTHON' };
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), 'torch_bench.py');
  try {
    child = spawn(PYTHON, [script, '--serve'], { env: childEnv(), stdio: 'pipe' });
  } catch (e) {
    return { unavailable: `${PYTHON} did not start: ${e instanceof Error ? e.message : e}` };
  }
  const c = child;
  c.stderr.setEncoding('utf8');
  c.stderr.on('data', (d: string) => {
    stderrTail = (stderrTail + d).slice(-2000);
  });
  const fail = (why: string) => {
    exited ??= why;
    for (const w of waiting.splice(0)) w.reject(new Error(why));
  };
  c.on('error', (e) => fail(`${PYTHON}: ${e.message}`));
  c.on('exit', (code, signal) => {
    const last = stderrTail.trim().split('\n').pop() ?? '';
    fail(`torch_bench.py exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ''}`);
  });
  createInterface({ input: c.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  try {
    const hello = JSON.parse(await nextLine()) as PythonInfo & { ready?: boolean };
    if (!hello.ready) return { unavailable: 'torch_bench.py did not answer its handshake' };
    return {
      info: {
        ...hello,
        blasMapped: mappedBlas(c.pid),
        openmpBlasMissing: !existsSync(OPENMP_BLAS_DIR),
      },
    };
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The BLAS and LAPACK files a process has mapped (its handshake comes after `import numpy` and
 * `import torch`, so they are loaded by then): the dynamic loader's choice, read from outside.
 */
function mappedBlas(pid: number | undefined): string[] | undefined {
  if (pid === undefined) return undefined;
  try {
    const lines = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n');
    const paths = lines.map((l) => l.split(/\s+/)[5] ?? '').filter((p) => /blas|lapack/i.test(p));
    return [...new Set(paths)].sort();
  } catch {
    return undefined;
  }
}

/**
 * One line on the BLAS the Python child ran, for the bench header: threadpoolctl's report
 * (library, version, threading layer, core type, threads) where installed, else the mapped files.
 *
 * @example
 * describeBlas(info) // 'OpenBLAS 0.3.21, openmp threading, Cooperlake kernels, 2 threads (…/libopenblasp-r0.3.21.so)'
 */
export function describeBlas(i: PythonInfo): string {
  const rt = i.blasRuntime?.map(
    (b) =>
      `${b.internal_api === 'openblas' ? 'OpenBLAS' : b.internal_api} ${b.version ?? ''}, ${b.threading_layer ?? 'unknown'} threading, ${b.architecture ?? '?'} kernels, ${b.num_threads} threads (${b.filepath})`,
  );
  if (rt?.length) return rt.join('; ');
  const mapped = i.blasMapped?.filter((p) => /blas/i.test(p));
  if (mapped?.length) return `${mapped.join(', ')} (from /proc/<pid>/maps; threadpoolctl absent)`;
  return i.blas ?? 'unknown';
}

/** Whether the child ran the OpenMP build of OpenBLAS (by threadpoolctl, else by the mapped path). */
export function ranOpenmpBlas(i: PythonInfo): boolean {
  const rt = i.blasRuntime?.filter((b) => b.internal_api === 'openblas');
  if (rt?.length) return rt.every((b) => b.threading_layer === 'openmp');
  return (i.blasMapped ?? []).some((p) => p.startsWith(`${OPENMP_BLAS_DIR}/libopenblas`));
}

/** Peak RSS of one PyTorch training workload in a fresh Python process (KiB). */
export interface PythonRss {
  /** RSS after `import torch`, before the workload (KiB). */
  startKB: number;
  /** `ru_maxrss` after a warm-up and one epoch (KiB). */
  peakKB: number;
}

/**
 * Runs `torch_bench.py --rss` for one training workload in a fresh child (the same environment
 * as the timing child) and answers its peak RSS; throws with the child's last stderr line.
 *
 * @example
 * const r = await pythonRss('mlp_train', { samples: 2048, batchSize: 128 }); // { startKB, peakKB }
 */
export function pythonRss(workload: string, params: Record<string, unknown>): Promise<PythonRss> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'torch_bench.py');
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [script, '--rss', workload, JSON.stringify(params)],
      { env: childEnv(), timeout: 600_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const last = stderr.trim().split('\n').pop() ?? '';
          reject(new Error(`torch_bench.py --rss ${workload}: ${last || err.message}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop()!) as PythonRss);
        } catch (e) {
          reject(new Error(`torch_bench.py --rss ${workload}: bad answer (${String(e)})`));
        }
      },
    );
  });
}

function nextLine(): Promise<string> {
  if (exited) return Promise.reject(new Error(exited));
  return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
}

async function ask(request: Record<string, unknown>): Promise<Answer> {
  if (!child || exited) throw new Error(exited ?? 'torch_bench.py is not running');
  const answer = nextLine();
  child.stdin.write(`${JSON.stringify(request)}\n`);
  const a = JSON.parse(await answer) as Answer;
  if (a.error) throw new Error(a.error);
  return a;
}

/**
 * A contender measured by the Python child: `setup` builds the workload there and warms it up,
 * each round asks for one timed run (the seconds of one unit: a call, an epoch or an op), and
 * `dispose` frees it. `params` are the workload's sizes, as in torch_bench.py.
 */
export function pythonContender(
  lib: PythonLib,
  workload: string,
  params: Record<string, unknown>,
): Contender & { dispose: () => Promise<void> } {
  const key = `${workload}-${lib}-${nextKey++}`;
  return {
    name: lib,
    setup: async () => {
      await ask({ op: 'prepare', key, workload, lib, params });
    },
    // `measure` calls `warmup` after `setup`; `prepare` has warmed up already.
    warmup: () => undefined,
    run: () => {
      throw new Error('a Python contender is timed by the child: use timed()');
    },
    timed: async () => (await ask({ op: 'run', key })).seconds!,
    dispose: async () => {
      if (child && !exited) await ask({ op: 'drop', key }).catch(() => undefined);
    },
  };
}

/**
 * The Python contenders of a workload (`pytorch`, and `numpy` where asked), with notes on
 * those left out. `numpy` needs only numpy; `pytorch` needs `import torch` to work.
 */
export async function pythonContenders(
  workload: string,
  libs: readonly PythonLib[],
  params: Record<string, unknown>,
): Promise<{ contenders: (Contender & { dispose: () => Promise<void> })[]; notes: string[] }> {
  const side = await pythonSide();
  if (!side.info) return { contenders: [], notes: [`Python skipped: ${side.unavailable}`] };
  const notes: string[] = [];
  const contenders = libs.flatMap((lib) => {
    if (lib === 'pytorch' && !side.info!.torch) {
      notes.push(`PyTorch skipped: import torch failed (${side.info!.torchError})`);
      return [];
    }
    return [pythonContender(lib, workload, params)];
  });
  return { contenders, notes };
}

/**
 * Ends the child (closing its stdin lets it leave its read loop); the bench process cannot exit
 * before. Should the bench die instead, the child sees its stdin close and ends as well.
 */
export function closePython(): void {
  if (child && !exited) child.stdin.end();
}
