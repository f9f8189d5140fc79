/**
 * A compiled step: the passes over a {@link Trace} (dead-code elimination, constant folding,
 * liveness and an arena plan) and the replayer that runs the remaining primitive list on the
 * backend with new input handles: no tensors, no tape, no shape checks.
 */
import { bindStepHandle } from '../autograd/variable.js';
import type { Backend, DataHandle } from '../backend/backend.js';
import { HostArena, hostArray, withArena } from '../backend/host_arena.js';
import { BYTES_PER_ELEMENT, type DType, type TypedArray } from '../tensor/dtype.js';
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
  /**
   * Pairs of calls replaced by one fused kernel (a max-pool gradient and its relu's; a
   * convolution and its layer epilogue).
   */
  fused: number;
  /** Random draws redrawn at each replay. */
  random: number;
  /** Step parameters (learning rates, bias corrections) computed on the host per replay. */
  params: number;
  /** Bytes of all intermediates of one step (what a step allocates today). */
  intermediateBytes: number;
  /** Bytes of an arena that holds every intermediate while it is live (the memory plan). */
  arenaBytes: number;
  /** Intermediate buffers the step gives back to its arena after their last read. */
  recycled: number;
  /**
   * Bytes of new buffers the last replay allocated: from the second replay on, only the
   * step's outputs (the loss and metric values it returns), everything else is recycled.
   */
  lastStepAllocatedBytes: number;
  /** Bytes of the outputs a step returns (the loss, predictions for host-side metrics). */
  outputBytes: number;
  /** New buffers the last replay allocated. */
  lastStepAllocations: number;
  /** Bytes the arena held after the last replay, waiting for the next step. */
  arenaHeldBytes: number;
}

/** Where a dead value's buffer is: the handle's own array, or a field of a kernel's state. */
interface Release {
  id: number;
  key: string | null;
}

interface Step {
  fn: (...a: unknown[]) => unknown;
  node: TraceNode;
  slots: Slot[];
  /** Values no later call reads: dropped after this call so the GC can take them early. */
  frees: number[];
  /** Buffers nothing reads after this call: given back to the arena for the next ones. */
  releases: Release[];
}

/** A typed array that owns its whole buffer (what an arena can take back), or null. */
function ownArray(v: unknown): ArrayBufferView | null {
  if (!ArrayBuffer.isView(v)) return null;
  return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.byteLength > 0 ? v : null;
}

/**
 * The buffers a value references, with where each sits (`key` null: the handle's `values`; a
 * string: that field of a fused kernel's saved state, itself an array or a handle).
 */
function buffersOf(h: unknown): { buf: ArrayBufferLike; key: string | null; own: boolean }[] {
  if (typeof h !== 'object' || h === null) return [];
  const out: { buf: ArrayBufferLike; key: string | null; own: boolean }[] = [];
  const values = (h as { values?: unknown }).values;
  if (ArrayBuffer.isView(values)) {
    out.push({ buf: values.buffer, key: null, own: ownArray(values) !== null });
    return out;
  }
  if (Object.getPrototypeOf(h) !== Object.prototype) return out;
  for (const [key, v] of Object.entries(h)) {
    if (ArrayBuffer.isView(v)) out.push({ buf: v.buffer, key, own: ownArray(v) !== null });
    else {
      const inner = (v as { values?: unknown } | null)?.values;
      if (ArrayBuffer.isView(inner)) out.push({ buf: inner.buffer, key, own: false });
    }
  }
  return out;
}

/**
 * The buffer of a handle's array (`key` null) or of a field of a kernel's saved state, when
 * that array owns it whole (what an arena may take back); null for views and anything else.
 * @example ownedBuffer(handle) // the ArrayBuffer of handle.values, or null
 */
export function ownedBuffer(h: unknown, key: string | null = null): ArrayBufferLike | null {
  const v =
    key === null
      ? (h as { values?: unknown } | undefined)?.values
      : (h as Record<string, unknown> | undefined)?.[key];
  return ownArray(v)?.buffer ?? null;
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
  private readonly bindings: Trace['bindings'];
  private readonly constantIds: Set<number>;
  private readonly host: HostAction[];
  private readonly paramValues: number[];
  /**
   * The buffers this graph recycles between its steps: its compiled step's arena, shared by
   * the step's signatures (the limit grows to what the largest plan needs).
   */
  readonly arena: HostArena;
  /** The buffers of this replay's inputs (never recycled; a variable's, only once rebound). */
  private readonly inputBuffers: (ArrayBufferLike | null)[];

  constructor(
    private readonly backend: Backend,
    trace: Trace,
    arena: HostArena = new HostArena(0),
  ) {
    this.arena = arena;
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
    const fused =
      fuseMaxPoolRelu(alive, trace) +
      (typeof backend.conv2dBiasActivation === 'function' ? fuseConvEpilogue(alive, trace) : 0);

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

    // Recycling plan: a buffer goes back to the arena after the last read of every value that
    // references it (views, a kernel's saved state), unless it is an input's, a constant's, an
    // output's or a variable's new value, or no value owns it whole.
    const keep = new Set<ArrayBufferLike>();
    const guard = (id: number) => {
      for (const r of buffersOf(trace.handles[id])) keep.add(r.buf);
    };
    for (const id of trace.inputIds) guard(id);
    for (const id of trace.captured.keys()) guard(id);
    for (let id = 0; id < n; id++) if (constant[id]) guard(id);
    for (const id of trace.outputIds) guard(id);
    for (const b of trace.bindings) guard(b.id);
    const groups = new Map<ArrayBufferLike, { death: number; owner: Release | null }>();
    alive.forEach((node, i) => {
      for (const id of node.outs) {
        const last = Math.max(lastUse[id]!, i);
        for (const r of buffersOf(trace.handles[id])) {
          if (keep.has(r.buf)) continue;
          const g = groups.get(r.buf) ?? { death: -1, owner: null };
          g.death = Math.max(g.death, last);
          if (r.own && !g.owner) g.owner = { id, key: r.key };
          groups.set(r.buf, g);
        }
      }
    });
    const releases: Release[][] = alive.map(() => []);
    let recycled = 0;
    for (const g of groups.values()) {
      if (!g.owner || g.death >= end) continue;
      releases[g.death]!.push(g.owner);
      recycled++;
    }

    const b = backend as unknown as Record<string, (...a: unknown[]) => unknown>;
    this.steps = alive.map((node, i) => ({
      fn: b[node.method]!,
      node,
      slots: node.slots,
      frees: frees[i]!,
      releases: releases[i]!,
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
    this.inputBuffers = new Array(trace.inputIds.length).fill(null);
    // Everything one step's values take, twice, bounds the arena: a step never needs more, and
    // buffers fed in that no allocation takes back (a backend that allocates elsewhere) are
    // left to the GC instead of piling up.
    let stepBytes = 0;
    for (const h of trace.handles) {
      for (const r of buffersOf(h)) if (r.own) stepBytes += r.buf.byteLength;
    }
    this.arena.limitBytes = Math.max(this.arena.limitBytes, 2 * stepBytes + (1 << 20));
    this.stats = {
      traced: trace.nodes.length,
      dead: kept.length - alive.length - fused,
      folded,
      replayed: alive.length,
      fused,
      random: alive.filter((s) => s.random).length,
      params: trace.host.filter((h) => h.kind === 'param').length,
      intermediateBytes,
      arenaBytes: planArena(intervals),
      recycled,
      lastStepAllocatedBytes: 0,
      outputBytes: trace.outputMeta.reduce(
        (sum, o) => sum + o.shape.reduce((a, d) => a * d, 1) * BYTES_PER_ELEMENT[o.dtype],
        0,
      ),
      lastStepAllocations: 0,
      arenaHeldBytes: 0,
    };
  }

  /**
   * Runs the step on new input handles (same order as the trace's inputs: batch tensors, then
   * variables), binds each assigned variable to its new handle, and returns the outputs.
   */
  run(inputs: readonly DataHandle[]): DataHandle[] {
    // The counters cover the whole step: the caller resets them before gathering the batch
    // into the arena (CompiledStep.inArena), or here when it did not.
    if (!this.arena.counting) this.arena.resetCounters();
    const result = withArena(this.arena, () => this.replay(inputs));
    this.arena.counting = false;
    this.stats.lastStepAllocatedBytes = this.arena.freshBytes;
    this.stats.lastStepAllocations = this.arena.freshCount;
    this.stats.arenaHeldBytes = this.arena.heldBytes;
    return result;
  }

  private replay(inputs: readonly DataHandle[]): DataHandle[] {
    const vals = this.vals;
    const inBufs = this.inputBuffers;
    for (let i = 0; i < inputs.length; i++) {
      inBufs[i] =
        ((inputs[i] as { values?: ArrayBufferView }).values?.buffer as ArrayBufferLike) ?? null;
    }
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
        const out = hostArray(node.args[1] as DType, proto.length);
        out[0] = pv[node.scalarParam]!;
        r = backend.fromArray(out, node.args[1] as DType);
      } else if (node.random) {
        const { fill, dtype, size } = node.random;
        const out = hostArray(dtype as DType, size, false);
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
      const rel = s.releases;
      for (let k = 0; k < rel.length; k++) {
        const buf = ownedBuffer(vals[rel[k]!.id], rel[k]!.key);
        // The plan came from the trace; an input's buffer is never recycled, whatever happens.
        if (buf && !inBufs.includes(buf)) this.arena.give(buf);
      }
      for (const id of s.frees) vals[id] = undefined;
    }
    const result = this.outputIds.map((id) => vals[id]!);
    for (const { variable, id, input } of this.bindings) {
      const old = inBufs[input] ?? null;
      const h = vals[id]!;
      // The previous value is recycled only when nothing read it since a step bound it (then no
      // tensor can hold it) and neither the new value, an output nor another input shares it.
      if (
        bindStepHandle(variable, h) &&
        old !== null &&
        ownedBuffer(h) !== old &&
        inBufs.indexOf(old) === inBufs.lastIndexOf(old) &&
        !result.some((o) => ownedBuffer(o) === old)
      ) {
        this.arena.give(old);
      }
    }
    inBufs.fill(null);
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

/**
 * Fuses the gradient of a max-pool with that of the relu whose output it pooled: a
 * `maxPool2dBackwardFromArgmax` whose result only a `binary('reluGrad', y, ·)` of the same
 * shape reads becomes one `maxPool2dBackwardReluFromArgmax` (the backend's one-pass kernel,
 * equal to the pair exactly). Rewrites `nodes` in place; returns how many pairs it fused.
 *
 * Formula: reluGrad(y, scatter(dy, argmax)) → scatter(dy, argmax) where y[argmax] > 0.
 *
 * Shape: dy [outputs], y and the result `xShape`.
 *
 * @example const n = fuseMaxPoolRelu(alive, trace);
 */
export function fuseMaxPoolRelu(nodes: TraceNode[], trace: Trace): number {
  const { readers, producer } = useCounts(nodes, trace);
  const sameShape = (a: unknown, b: unknown) =>
    Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((d, k) => d === b[k]);
  const drop = new Set<number>();
  nodes.forEach((b, bi) => {
    if (b.method !== 'binary' || b.args[0] !== 'reluGrad' || b.outKind !== 'one') return;
    if (b.params !== undefined || b.scalarParam !== undefined) return;
    const yId = slotId(b, 1);
    const xId = slotId(b, 3);
    if (yId === undefined || xId === undefined || readers.get(xId) !== 1) return;
    const ai = producer.get(xId);
    if (ai === undefined || drop.has(ai)) return;
    const a = nodes[ai]!;
    if (a.method !== 'maxPool2dBackwardFromArgmax' || a.outKind !== 'one' || a.params !== undefined)
      return;
    const [, , numOut, xShape, dtype] = a.args;
    if (![b.args[2], b.args[4], b.args[5]].every((s) => sameShape(s, xShape))) return;
    if (b.args[6] !== dtype || b.args[7] !== dtype) return;
    const dyId = slotId(a, 0);
    const argId = slotId(a, 1);
    if (dyId === undefined || argId === undefined || a.slots.length !== 2) return;
    const args: unknown[] = [null, null, numOut, xShape, null, dtype];
    nodes[bi] = {
      method: 'maxPool2dBackwardReluFromArgmax',
      args,
      slots: [
        { container: args, index: 0, id: dyId },
        { container: args, index: 1, id: argId },
        { container: args, index: 4, id: yId },
      ],
      ins: [dyId, argId, yId],
      outs: b.outs,
      outKind: 'one',
    };
    drop.add(ai);
  });
  return dropNodes(nodes, drop);
}

/**
 * Fuses a convolution with its layer epilogue: a `conv2d` whose result only a
 * `biasActivation` reads becomes one `conv2dBiasActivation` (the backend computes the epilogue
 * while the convolution's output is in cache; equal to the pair exactly). Only for backends
 * that have the fused call. Rewrites `nodes` in place; returns how many pairs it fused.
 *
 * Formula: biasActivation(conv2d(x, w), b, act) → conv2dBiasActivation(x, w, b, act).
 *
 * Shape: x [n, h, w, c], w [kh, kw, c, cout] → [n, oh, ow, cout].
 *
 * @example const n = fuseConvEpilogue(alive, trace);
 */
export function fuseConvEpilogue(nodes: TraceNode[], trace: Trace): number {
  const { readers, producer } = useCounts(nodes, trace);
  const drop = new Set<number>();
  nodes.forEach((b, bi) => {
    if (b.method !== 'biasActivation' || b.outKind !== 'one' || b.params !== undefined) return;
    const xId = slotId(b, 0);
    if (xId === undefined || readers.get(xId) !== 1) return;
    const ai = producer.get(xId);
    if (ai === undefined || drop.has(ai)) return;
    const a = nodes[ai]!;
    if (a.method !== 'conv2d' || a.outKind !== 'one' || a.params !== undefined) return;
    const [, xShape, , fShape, convArgs, dtype] = a.args;
    const [, , cols, biasArg, act, bDtype] = b.args;
    if (!Array.isArray(fShape) || fShape[3] !== cols || bDtype !== dtype) return;
    const inId = slotId(a, 0);
    const fId = slotId(a, 2);
    const biasId = biasArg === null ? slotId(b, 3) : undefined;
    if (inId === undefined || fId === undefined || a.slots.length !== 2) return;
    if (b.slots.length !== (biasId === undefined ? 1 : 2)) return;
    const args: unknown[] = [null, xShape, null, fShape, convArgs, null, act, dtype];
    const slots = [
      { container: args, index: 0, id: inId },
      { container: args, index: 2, id: fId },
    ];
    if (biasId !== undefined) slots.push({ container: args, index: 5, id: biasId });
    nodes[bi] = {
      method: 'conv2dBiasActivation',
      args,
      slots,
      ins: slots.map((sl) => sl.id),
      outs: b.outs,
      outKind: 'one',
    };
    drop.add(ai);
  });
  return dropNodes(nodes, drop);
}

/** How many calls (and outputs, bindings) read each value, and which call made it. */
function useCounts(nodes: readonly TraceNode[], trace: Trace) {
  const readers = new Map<number, number>();
  for (const node of nodes) for (const id of node.ins) readers.set(id, (readers.get(id) ?? 0) + 1);
  for (const id of trace.outputIds) readers.set(id, (readers.get(id) ?? 0) + 1);
  for (const b of trace.bindings) readers.set(b.id, (readers.get(b.id) ?? 0) + 1);
  const producer = new Map<number, number>();
  nodes.forEach((node, i) => {
    for (const id of node.outs) producer.set(id, i);
  });
  return { readers, producer };
}

/** The value id a call reads at `args[index]`. */
function slotId(node: TraceNode, index: number): number | undefined {
  return node.slots.find((sl) => sl.container === node.args && sl.index === index)?.id;
}

/** Removes the calls at `drop` from `nodes`; returns how many. */
function dropNodes(nodes: TraceNode[], drop: ReadonlySet<number>): number {
  if (drop.size) {
    const rest = nodes.filter((_, i) => !drop.has(i));
    nodes.length = 0;
    nodes.push(...rest);
  }
  return drop.size;
}
