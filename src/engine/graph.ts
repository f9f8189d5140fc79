/**
 * A compiled step: the passes over a {@link Trace} (dead-code elimination, constant folding,
 * liveness and an arena plan) and the replayer that runs the remaining primitive list on the
 * backend with new input handles: no tensors, no tape, no shape checks.
 */
import type { Variable } from '../autograd/variable.js';
import type { Backend, DataHandle } from '../backend/backend.js';
import { allocArray } from '../tensor/dtype.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { HostAction, Slot, Trace, TraceNode } from './trace.js';

/** What the passes did to a traced step, for `model.compiledStepInfo` and the bench. */
export interface GraphStats {
  /** Primitive calls recorded by the trace. */
  traced: number;
  /** Calls dropped because nothing used their outputs. */
  dead: number;
  /** Calls computed once at compile time because all their inputs were constants. */
  folded: number;
  /** Calls each replay makes. */
  replayed: number;
  /** Random draws redrawn at each replay. */
  random: number;
  /** Step parameters (learning rates, bias corrections) computed on the host per replay. */
  params: number;
  /** Bytes of all intermediates of one step (what a step allocates today). */
  intermediateBytes: number;
  /** Bytes of an arena that holds every intermediate while it is live (the memory plan). */
  arenaBytes: number;
}

interface Step {
  fn: (...a: unknown[]) => unknown;
  node: TraceNode;
  slots: Slot[];
  /** Values no later call reads: dropped after this call so the GC can take them early. */
  frees: number[];
}

/** Byte size of a handle where the backend exposes its typed array (the CPU backends do). */
function bytesOf(h: DataHandle | undefined): number {
  const v = (h as { values?: unknown } | undefined)?.values;
  return ArrayBuffer.isView(v) ? v.byteLength : 0;
}

/**
 * Plans an arena by first-fit over live intervals: each value gets an offset that no value
 * live at the same time overlaps. Returns the arena's size.
 */
function planArena(intervals: { start: number; end: number; bytes: number }[]): number {
  const align = (n: number) => Math.ceil(n / 64) * 64;
  const placed: { start: number; end: number; off: number; size: number }[] = [];
  let top = 0;
  const sorted = [...intervals].sort((a, b) => a.start - b.start || b.bytes - a.bytes);
  for (const v of sorted) {
    const size = align(v.bytes);
    if (size === 0) continue;
    const busy = placed
      .filter((p) => p.start <= v.end && v.start <= p.end)
      .sort((a, b) => a.off - b.off);
    let off = 0;
    for (const p of busy) {
      if (off + size <= p.off) break;
      off = Math.max(off, p.off + p.size);
    }
    placed.push({ start: v.start, end: v.end, off, size });
    top = Math.max(top, off + size);
  }
  return top;
}

/**
 * A replayable step for one input signature.
 * @example
 * const g = new CompiledGraph(backend, trace);
 * const [loss] = g.run([x.handle, y.handle]);
 */
export class CompiledGraph {
  readonly stats: GraphStats;
  readonly outputMeta: Trace['outputMeta'];
  private readonly steps: Step[];
  private readonly vals: (DataHandle | undefined)[];
  private readonly inputIds: number[];
  private readonly outputIds: number[];
  private readonly bindings: { variable: Variable; id: number }[];
  private readonly constantIds: Set<number>;
  private readonly host: HostAction[];
  private readonly paramValues: number[];

  constructor(
    private readonly backend: Backend,
    trace: Trace,
  ) {
    const n = trace.numValues;
    const constant = new Array<boolean>(n).fill(false);
    for (const id of trace.captured.keys()) constant[id] = true;
    const inputs = new Set(trace.inputIds);
    // Constant folding: a pure call whose inputs are all constants gave the same handle at
    // trace time that it would give at every replay, so keep that handle. Host data made
    // inside the step (fromArray, fill) folds this way too; random draws never do.
    let folded = 0;
    const kept: TraceNode[] = [];
    for (const node of trace.nodes) {
      // A call fed a step parameter gives a new result every step.
      const fed = node.scalarParam !== undefined || node.params !== undefined;
      const pure = !node.random && !fed && node.outKind !== 'null';
      if (pure && node.ins.every((id) => constant[id] && !inputs.has(id))) {
        for (const id of node.outs) constant[id] = true;
        folded++;
      } else kept.push(node);
    }
    // Dead-code elimination, backwards from the outputs and the variables' new values.
    // Random draws stay: skipping one would shift every later draw of the generator.
    const live = new Array<boolean>(n).fill(false);
    for (const id of trace.outputIds) live[id] = true;
    for (const b of trace.bindings) live[b.id] = true;
    const alive: TraceNode[] = [];
    for (let i = kept.length - 1; i >= 0; i--) {
      const node = kept[i]!;
      if (node.random || node.outs.some((id) => live[id])) {
        for (const id of node.ins) live[id] = true;
        alive.push(node);
      }
    }
    alive.reverse();

    // Liveness: the last call that reads each value; outputs and bindings live to the end.
    const lastUse = new Array<number>(n).fill(-1);
    alive.forEach((node, i) => {
      for (const id of node.ins) lastUse[id] = i;
    });
    const end = alive.length;
    for (const id of trace.outputIds) lastUse[id] = end;
    for (const b of trace.bindings) lastUse[b.id] = end;
    const frees: number[][] = alive.map(() => []);
    const intervals: { start: number; end: number; bytes: number }[] = [];
    let intermediateBytes = 0;
    alive.forEach((node, i) => {
      for (const id of node.outs) {
        const last = lastUse[id]!;
        if (last >= 0 && last < end) frees[last]!.push(id);
        const bytes = bytesOf(trace.handles[id]);
        intermediateBytes += bytes;
        intervals.push({ start: i, end: last < 0 ? i : last, bytes });
      }
    });

    const b = backend as unknown as Record<string, (...a: unknown[]) => unknown>;
    this.steps = alive.map((node, i) => ({
      fn: b[node.method]!,
      node,
      slots: node.slots,
      frees: frees[i]!,
    }));
    this.vals = new Array(n);
    for (let id = 0; id < n; id++) if (constant[id]) this.vals[id] = trace.handles[id];
    this.constantIds = new Set(constant.flatMap((c, id) => (c ? [id] : [])));
    this.inputIds = trace.inputIds;
    this.outputIds = trace.outputIds;
    this.outputMeta = trace.outputMeta;
    this.bindings = trace.bindings;
    this.host = trace.host;
    this.paramValues = new Array(trace.host.length).fill(0);
    this.stats = {
      traced: trace.nodes.length,
      dead: kept.length - alive.length,
      folded,
      replayed: alive.length,
      random: alive.filter((s) => s.random).length,
      params: trace.host.filter((h) => h.kind === 'param').length,
      intermediateBytes,
      arenaBytes: planArena(intervals),
    };
  }

  /**
   * Runs the step on new input handles (same order as the trace's inputs: batch tensors, then
   * variables), binds each assigned variable to its new handle, and returns the outputs.
   */
  run(inputs: readonly DataHandle[]): DataHandle[] {
    const vals = this.vals;
    const backend = this.backend;
    for (let i = 0; i < inputs.length; i++) vals[this.inputIds[i]!] = inputs[i];
    // Host actions first, in traced order: each parameter sees the host state (step count,
    // learning rate) exactly as it was at that point of the eager step.
    const pv = this.paramValues;
    const host = this.host;
    for (let i = 0; i < host.length; i++) {
      const h = host[i]!;
      if (h.kind === 'param') pv[i] = h.compute();
      else h.run();
    }
    for (const s of this.steps) {
      const node = s.node;
      let r: unknown;
      if (node.scalarParam !== undefined) {
        // A fresh array each step: the backend may keep it as the tensor's storage.
        const proto = node.args[0] as TypedArray;
        const out = new (proto.constructor as new (n: number) => TypedArray)(proto.length);
        out[0] = pv[node.scalarParam]!;
        r = backend.fromArray(out, node.args[1] as DType);
      } else if (node.random) {
        const { fill, dtype, size } = node.random;
        const out = allocArray(dtype as DType, size) as TypedArray;
        fill(out);
        r = backend.fromArray(out, dtype);
      } else {
        const slots = s.slots;
        for (let k = 0; k < slots.length; k++) {
          const sl = slots[k]!;
          sl.container[sl.index] = vals[sl.id];
        }
        const params = node.params;
        if (params !== undefined) {
          for (let k = 0; k < params.length; k++) {
            const p = params[k]!;
            p.container[p.key] = pv[p.param];
          }
        }
        r = s.fn.apply(backend, node.args);
        // Drop the references the argument template holds, so the step's data can be freed.
        for (let k = 0; k < slots.length; k++) {
          const sl = slots[k]!;
          sl.container[sl.index] = null;
        }
      }
      const outs = node.outs;
      if (outs.length === 1 && node.outKind === 'one') vals[outs[0]!] = r as DataHandle;
      else if (node.outKind === 'tuple') {
        const rs = r as DataHandle[];
        for (let k = 0; k < outs.length; k++) vals[outs[k]!] = rs[k];
      } else if (node.outKind === 'object') {
        const o = r as Record<string, DataHandle>;
        const keys = node.outKeys!;
        for (let k = 0; k < outs.length; k++) vals[outs[k]!] = o[keys[k]!];
      }
      for (const id of s.frees) vals[id] = undefined;
    }
    const result = this.outputIds.map((id) => vals[id]!);
    for (const { variable, id } of this.bindings) variable.handle = vals[id]!;
    // Inputs and outputs are the caller's now; the graph keeps only its constants.
    for (const id of this.inputIds) vals[id] = undefined;
    for (const id of this.outputIds) if (!this.isConstant(id)) vals[id] = undefined;
    for (const { id } of this.bindings) if (!this.isConstant(id)) vals[id] = undefined;
    return result;
  }

  private isConstant(id: number): boolean {
    return this.constantIds.has(id);
  }
}
