/**
 * Compiled steps: a step function traced per input signature and replayed. The first call of
 * a signature is traced while it runs eagerly, the second is traced again and compared, and
 * from the third on the compiled graph replays. Two equal traces are the proof that nothing
 * the step computes on the host changes between calls, except the values it declares as step
 * parameters (`stepScalar`/`stepNumber` in params.ts: learning rates, bias corrections) and
 * its declared host effects (`stepEffect`: the optimizer's step count), which every replay
 * recomputes and reruns on the host. So a default trainStep compiles whole: forward,
 * backward, the optimizer update and BatchNorm's moving statistics.
 *
 * Limitation (as Keras's `jit_compile`): JS control flow that depends on data is captured as
 * the branch the traced calls took; a branch that changes the primitive list is detected when
 * the two traces differ, one that only changes host values inside a primitive's arguments too,
 * but a branch that changes only after the second call is not.
 */
import { type Variable, peekHandle } from '../autograd/variable.js';
import type { Backend, DataHandle } from '../backend/backend.js';
import { HostArena, withArena } from '../backend/host_arena.js';
import { getBackend } from '../backend/registry.js';
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { CompiledGraph, type GraphStats, ownedBuffer } from './graph.js';
import { type Trace, compareTraces, traceStep } from './trace.js';

/**
 * `compile({ jitCompile })`: `'auto'` compiles where the step can be traced and falls back to
 * eager (keeping the reason) where not; `true` throws where it cannot; `false` stays eager.
 */
export type JitCompile = 'auto' | boolean;

/** The typed error of `jitCompile: true` on a step that cannot be compiled. */
export class JitCompileError extends ValueError {
  static override readonly errorName: string = 'JitCompileError';
}

/** What a compiled step did, per signature. */
export interface CompiledStepInfo {
  /** The step's name (`trainStep`, `testStep`, `predictStep`). */
  step: string;
  /** Signatures replaying a compiled graph, with what the passes did. */
  compiled: { signature: string; stats: GraphStats }[];
  /** Signatures that run eagerly, with the reason. */
  fallbacks: { signature: string; reason: string }[];
  /**
   * Parts kept eager while the rest of the step compiles (the optimizer update of a default
   * trainStep whose optimizer cannot be traced), with the reason; absent when none.
   */
  eagerParts?: string[];
}

interface SigState {
  prev: Trace | null;
  graph: CompiledGraph | null;
  failed: string | null;
  retries: number;
}

const MAX_RETRIES = 3;

/**
 * One step function compiled per input signature (shapes, dtypes, plus a caller's key such as
 * the training flag or the variable list).
 * @example
 * const step = new CompiledStep('predictStep', 'auto');
 * const [y] = step.call([x], () => model.weights, ([x]) => [model.apply(x)]);
 */
export class CompiledStep {
  private readonly sigs = new Map<string, SigState>();
  private backend: Backend | null = null;
  /** Fallback reasons not yet printed (the trainer prints them once at verbose ≥ 1). */
  readonly unreported: string[] = [];
  private readonly eagerParts = new Set<string>();
  /**
   * The memory every signature's graph recycles, and where the trainer gathers batches
   * ({@link inArena}), so a replayed step allocates only what it returns.
   */
  readonly arena = new HostArena(0);
  /** The handles the last call returned, when it replayed a graph (null otherwise). */
  private lastOutputs: DataHandle[] | null = null;

  constructor(
    readonly name: string,
    readonly mode: JitCompile,
  ) {}

  /**
   * Runs `step` on `inputs`: eagerly (and traced) on the first two calls of a signature, then
   * by replaying the compiled graph. `variables` are read before every call: their current
   * handles are inputs of the graph, and those the step assigns are rebound after a replay.
   */
  call(
    inputs: readonly Tensor[],
    variables: () => readonly Variable[],
    step: (inputs: Tensor[]) => Tensor[],
    key = '',
  ): Tensor[] {
    if (this.mode === false) return step([...inputs]);
    const backend = getBackend();
    if (backend !== this.backend) {
      // Another backend: graphs hold its handles and methods, so start over.
      this.sigs.clear();
      this.backend = backend;
    }
    const vars = variables();
    let sig = key;
    for (const t of inputs) sig += `|${t.dtype}[${t.shape.join(',')}]`;
    for (const v of vars) sig += `,${v.id}${v.trainable ? 't' : ''}`;
    let st = this.sigs.get(sig);
    if (!st) {
      st = { prev: null, graph: null, failed: null, retries: 0 };
      this.sigs.set(sig, st);
    }
    this.lastOutputs = null;
    if (st.graph) {
      const hs = new Array(inputs.length + vars.length);
      for (let i = 0; i < inputs.length; i++) hs[i] = inputs[i]!.handleOn(backend);
      // peekHandle: the graph's own read does not count as sharing the storage.
      for (let i = 0; i < vars.length; i++) hs[inputs.length + i] = peekHandle(vars[i]!);
      const outs = st.graph.run(hs);
      this.lastOutputs = outs;
      const meta = st.graph.outputMeta;
      return outs.map((h, i) => new Tensor(h, meta[i]!.shape, meta[i]!.dtype, backend));
    }
    if (st.failed !== null) return step([...inputs]);
    for (const t of inputs) t.handleOn(backend);
    const { outputs, trace } = traceStep(backend, inputs, vars, step);
    if (trace.abort !== null) {
      if (trace.retry && ++st.retries <= MAX_RETRIES) st.prev = null;
      else this.fail(st, sig, trace.abort);
    } else if (st.prev) {
      const why = compareTraces(st.prev, trace);
      st.prev = null;
      if (why) this.fail(st, sig, why);
      else st.graph = new CompiledGraph(backend, trace, this.arena);
    } else st.prev = trace;
    return outputs;
  }

  /**
   * Runs `fn` (the trainer's batch gather) with this step's arena serving its allocations, once
   * a graph exists; the step's allocation counts then start here.
   * @example const [bx, by] = step.inArena(() => [takeRows(x, rows), takeRows(y, rows)]);
   */
  inArena<T>(fn: () => T): T {
    if (this.mode === false || this.arena.limitBytes === 0) return fn();
    this.arena.resetCounters();
    this.arena.counting = true;
    return withArena(this.arena, fn);
  }

  /**
   * Gives the buffers of tensors only the trainer held (a batch gathered by {@link inArena})
   * back to the arena, after the last call replayed a graph (a replay runs no user code, so
   * nothing else can have kept them). Views, and buffers an output of that call shares, stay.
   * @example step.recycle([...bx, ...by]); // after the batch's metrics were updated
   */
  recycle(ts: readonly (Tensor | null)[]): void {
    const outs = this.lastOutputs;
    if (outs === null) return;
    for (const t of ts) {
      const b = t ? ownedBuffer(t.handle) : null;
      if (b && !outs.some((o) => ownedBuffer(o) === b)) this.arena.give(b);
    }
    this.lastOutputs = null;
  }

  private fail(st: SigState, sig: string, reason: string): void {
    st.failed = reason;
    st.prev = null;
    this.unreported.push(reason);
    if (this.mode === true) {
      throw new JitCompileError(
        `${this.name}: jitCompile is true but the step cannot be compiled: ${reason}`,
      );
    }
    void sig;
  }

  /**
   * Notes a part of the step that runs eagerly beside the compiled graph (reported once).
   * @example step.noteEagerPart('the optimizer update: Adagrad has no step parameters');
   */
  noteEagerPart(reason: string): void {
    if (this.mode === false || this.eagerParts.has(reason)) return;
    this.eagerParts.add(reason);
    this.unreported.push(reason);
  }

  /** Per-signature status: compiled graphs with their statistics, and fallbacks with reasons. */
  info(): CompiledStepInfo {
    const compiled: CompiledStepInfo['compiled'] = [];
    const fallbacks: CompiledStepInfo['fallbacks'] = [];
    for (const [signature, st] of this.sigs) {
      if (st.graph) compiled.push({ signature, stats: { ...st.graph.stats } });
      else if (st.failed !== null) fallbacks.push({ signature, reason: st.failed });
    }
    const info: CompiledStepInfo = { step: this.name, compiled, fallbacks };
    if (this.eagerParts.size) info.eagerParts = [...this.eagerParts];
    return info;
  }
}
