import type { Variable } from '../autograd/variable.js';
/**
 * Tracing a step into a graph of backend primitives. The step runs once, for real, with the
 * active backend's primitive methods shadowed by recorders (own properties on the instance, so
 * tensors keep seeing the same backend object and never migrate); each outermost primitive
 * call becomes a node whose handle arguments are replaced by value ids. Calls a primitive
 * makes internally (a composite built from other primitives) run unrecorded.
 */
import type { Backend, DataHandle } from '../backend/backend.js';
import { randomDrawCount, setHostDrawHook } from '../ops/random.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { setStepParamHook } from './params.js';

/** Methods never recorded: identity, capability queries and the host reads (checked apart). */
const NOT_RECORDED = new Set(['constructor', 'supportsDType', 'read', 'readSync']);

/**
 * The methods a trace shadows: every function of the backend's prototype chain. Which calls
 * become nodes is decided by what they return (handles), so primitives added to the Backend
 * interface later are recorded without a list to keep in step.
 */
function methodNames(backend: Backend): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(backend); p && p !== Object.prototype; ) {
    for (const k of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (d && typeof d.value === 'function' && !NOT_RECORDED.has(k)) names.add(k);
    }
    p = Object.getPrototypeOf(p);
  }
  return [...names];
}

/** Host reads: a step that makes one cannot be replayed without its JS. */
const READS = ['readSync', 'read'] as const;

/** Where a handle argument sits: `container[index]` receives value `id` at replay. */
export interface Slot {
  container: unknown[];
  index: number;
  id: number;
}

/**
 * How a primitive returned: one handle, a tuple of handles, an object of handles and opaque
 * saved state (`outKeys` names its fields), or null (no fused kernel).
 */
export type OutKind = 'one' | 'tuple' | 'object' | 'null';

/**
 * A host action of a step, replayed in order before its primitives: a step parameter
 * (`compute` gives its value for the coming step) or a side effect (`run`).
 */
export type HostAction =
  | { kind: 'param'; name: string; compute: () => number }
  | { kind: 'effect'; name: string; run: () => void };

/** Where a step parameter (host action `param`) is fed: `container[key]` of a call's args. */
export interface ParamSlot {
  container: Record<string | number, unknown>;
  key: string | number;
  param: number;
}

/** One recorded primitive call. */
export interface TraceNode {
  method: string;
  /** The call's arguments with handle positions set to null (filled from `slots`). */
  args: unknown[];
  slots: Slot[];
  /** Value ids read (the slots' ids, in order). */
  ins: number[];
  outs: number[];
  outKind: OutKind;
  /** For `object` results: the field each of `outs` comes from. */
  outKeys?: string[];
  /** For `fromArray` of random host data: redraws the values from the same generator. */
  random?: { fill: (out: TypedArray) => void; dtype: DType; size: number };
  /** For `fromArray` of other host data: a copy of the values (compared between traces). */
  data?: TypedArray;
  /** Arguments fed from step parameters at replay (their template entries are null). */
  params?: ParamSlot[];
  /** For `fromArray` of a step scalar: the host action whose value it holds at replay. */
  scalarParam?: number;
}

/** A traced step: nodes in execution order over numbered values. */
export interface Trace {
  nodes: TraceNode[];
  numValues: number;
  /** Value ids of the inputs (batch tensors, then variables), in the order given. */
  inputIds: number[];
  /** Handles the step used without producing them or receiving them as inputs. */
  captured: Map<number, DataHandle>;
  /** The handle of every value at trace time (for constant folding and sizes). */
  handles: (DataHandle | undefined)[];
  /** Value ids of the step's outputs, with their shapes and dtypes. */
  outputIds: number[];
  outputMeta: { shape: readonly number[]; dtype: DType }[];
  /**
   * Variables the step assigned, the value each ends up holding, and the variable's position
   * among the graph's inputs (batch tensors first).
   */
  bindings: { variable: Variable; id: number; input: number }[];
  /** Step parameters and host effects, in the order the step made them. */
  host: HostAction[];
  /** Why the trace cannot be replayed (null when it can). */
  abort: string | null;
  /** Whether the abort may go away on a later call (variables were still being created). */
  retry: boolean;
}

/** What a call's result makes of it: a recorded node, a host read, or neither. */
function resultKind(r: unknown): OutKind | 'host' | 'other' {
  if (r === null) return 'null';
  if (isHandle(r)) return 'one';
  if (ArrayBuffer.isView(r)) return 'host';
  if (Array.isArray(r)) return r.length > 0 && r.every(isHandle) ? 'tuple' : 'other';
  if (typeof r === 'object' && Object.getPrototypeOf(r) === Object.prototype) {
    return Object.values(r as object).some(isHandle) ? 'object' : 'other';
  }
  return 'other';
}

function isHandle(a: unknown): a is DataHandle {
  return (
    typeof a === 'object' &&
    a !== null &&
    !Array.isArray(a) &&
    !ArrayBuffer.isView(a) &&
    typeof (a as { backend?: unknown }).backend === 'string'
  );
}

/** The first stack frame outside the engine, the backend and the tensor core: who read. */
function caller(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(2);
  const skip = /[\\/](engine|backend|tensor)[\\/]|node:internal|node_modules/;
  const at = lines.find((l) => !skip.test(l));
  return at ? ` at ${at.trim().replace(/^at /, '')}` : '';
}

/**
 * Runs `step` once on the real backend while recording its primitive calls; returns the
 * step's outputs (computed for real, so the call counts as a step) and the trace.
 *
 * `inputs` become the graph's first inputs and `variables` the rest; a variable whose handle
 * changed by the end is bound to the value it now holds.
 * @example const { outputs, trace } = traceStep(getBackend(), [x], vars, ([x]) => [f(x)]);
 */
export function traceStep(
  backend: Backend,
  inputs: readonly Tensor[],
  variables: readonly Variable[],
  step: (inputs: Tensor[]) => Tensor[],
): { outputs: Tensor[]; trace: Trace } {
  const ids = new Map<unknown, number>();
  const handles: (DataHandle | undefined)[] = [];
  const captured = new Map<number, DataHandle>();
  const nodes: TraceNode[] = [];
  let abort: string | null = null;
  let retry = false;
  const fresh = (h: DataHandle | undefined): number => {
    const id = handles.length;
    handles.push(h);
    if (h) ids.set(h, id);
    return id;
  };
  const idOf = (h: DataHandle): number => {
    const known = ids.get(h);
    if (known !== undefined) return known;
    const id = fresh(h);
    captured.set(id, h);
    return id;
  };

  const inputIds: number[] = [];
  for (const t of [...inputs, ...variables]) {
    if (ids.has(t.handle)) abort ??= 'two inputs or variables share one storage';
    inputIds.push(fresh(t.handle));
  }
  const before = variables.map((v) => v.handle);
  const varCount = variables.length;

  // Random host data: hostDraw reports the filled array, the next fromArray of it is random.
  const pending: { out: TypedArray; fill: (o: TypedArray) => void }[] = [];
  let covered = 0;
  const draws0 = randomDrawCount();
  setHostDrawHook((out, fill, n) => {
    pending.push({ out, fill });
    covered += n;
  });

  // Step parameters: a number binds to the next call's argument of equal value, a scalar to
  // the next call (its fromArray); effects only join the host list.
  const host: HostAction[] = [];
  let pendingNumbers: { name: string; param: number; value: number }[] = [];
  let pendingScalar: { name: string; param: number } | null = null;
  setStepParamHook({
    number(name, compute, value) {
      pendingNumbers.push({ name, param: host.length, value });
      host.push({ kind: 'param', name, compute });
    },
    scalar(name, compute) {
      if (pendingScalar) abort ??= `step parameter '${pendingScalar.name}' made no tensor`;
      pendingScalar = { name, param: host.length };
      host.push({ kind: 'param', name, compute });
    },
    effect(name, run) {
      host.push({ kind: 'effect', name, run });
    },
  });
  const bindParams = (node: TraceNode, method: string): void => {
    if (pendingScalar) {
      if (method === 'fromArray') node.scalarParam = pendingScalar.param;
      else abort ??= `step parameter '${pendingScalar.name}' became ${method}, not a fromArray`;
      pendingScalar = null;
    }
    for (const p of pendingNumbers) {
      const found: ParamSlot[] = [];
      findNumber(node.args, p.value, p.param, found);
      if (found.length !== 1) {
        // Zero: the value went elsewhere. Several: an equal constant sits beside it, and which
        // one is the parameter is unknown; a later step's value will differ from the constant.
        abort ??= `step parameter '${p.name}' = ${p.value} appears ${found.length} times in the arguments of ${method}`;
        if (found.length > 1) retry = true;
        continue;
      }
      found[0]!.container[found[0]!.key] = null;
      if (!node.params) node.params = [];
      node.params.push(found[0]!);
    }
    pendingNumbers = [];
  };

  const template = (v: unknown, slots: Slot[], container: unknown[], index: number): unknown => {
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return v;
    if (Array.isArray(v)) {
      const copy: unknown[] = new Array(v.length);
      for (let i = 0; i < v.length; i++) copy[i] = template(v[i], slots, copy, i);
      return copy;
    }
    // A value some call produced (a handle, a fused kernel's saved state), a handle from
    // outside, or any other class instance: passed by reference, through a slot.
    if (ids.has(v as DataHandle) || isHandle(v) || Object.getPrototypeOf(v) !== Object.prototype) {
      slots.push({ container, index, id: idOf(v as DataHandle) });
      return null;
    }
    // A plain options object (shapes, strides): copied, so later edits by the caller cannot
    // change the graph. One holding handles is passed by reference like an instance.
    if (Object.values(v).some((x) => typeof x === 'object' && x !== null && isHandle(x))) {
      slots.push({ container, index, id: idOf(v as DataHandle) });
      return null;
    }
    return JSON.parse(JSON.stringify(v));
  };

  let depth = 0;
  const inst = backend as unknown as Record<string, unknown>;
  const patched: string[] = [];
  for (const name of methodNames(backend)) {
    const orig = inst[name] as (...a: unknown[]) => unknown;
    inst[name] = function (this: unknown, ...args: unknown[]) {
      if (depth > 0) return orig.apply(backend, args);
      const slots: Slot[] = [];
      const tplArgs: unknown[] = new Array(args.length);
      for (let i = 0; i < args.length; i++) tplArgs[i] = template(args[i], slots, tplArgs, i);
      depth++;
      let r: unknown;
      try {
        r = orig.apply(backend, args);
      } finally {
        depth--;
      }
      const kind = resultKind(r);
      if (kind === 'host') {
        abort ??= `the step reads a tensor on the host (${name})${caller()}`;
        return r;
      }
      if (kind === 'other') {
        if (pendingScalar || pendingNumbers.length)
          abort ??= `a step parameter was passed to ${name}, which makes no graph node`;
        return r;
      }
      const node: TraceNode = {
        method: name,
        args: tplArgs,
        slots,
        ins: slots.map((s) => s.id),
        outs: [],
        outKind: kind,
      };
      if (pendingScalar || pendingNumbers.length) bindParams(node, name);
      if (node.scalarParam !== undefined) {
        // Fed at replay; its value is not part of the graph.
      } else if (name === 'fromArray') {
        const values = args[0] as TypedArray;
        const k = pending.findIndex((p) => p.out === values || p.out.length === values.length);
        if (k >= 0) {
          node.random = { fill: pending[k]!.fill, dtype: args[1] as DType, size: values.length };
          pending.splice(0, k + 1);
        } else {
          node.data = values.slice();
        }
      }
      if (kind === 'tuple') for (const h of r as DataHandle[]) node.outs.push(fresh(h));
      else if (kind === 'one') node.outs.push(fresh(r as DataHandle));
      else if (kind === 'object') {
        node.outKeys = Object.keys(r as object);
        for (const k of node.outKeys) node.outs.push(fresh((r as Record<string, DataHandle>)[k]));
      }
      nodes.push(node);
      return r;
    };
    patched.push(name);
  }
  for (const name of READS) {
    const orig = inst[name] as (...a: unknown[]) => unknown;
    inst[name] = function (this: unknown, ...args: unknown[]) {
      if (depth === 0) abort ??= `the step reads a tensor on the host (${name})${caller()}`;
      return orig.apply(backend, args);
    };
    patched.push(name);
  }

  let outputs: Tensor[];
  try {
    outputs = step([...inputs]);
  } finally {
    for (const name of patched) delete inst[name];
    setHostDrawHook(null);
    setStepParamHook(null);
  }
  if (pendingScalar || pendingNumbers.length)
    abort ??= 'a step parameter was made but no backend call used it';
  if (randomDrawCount() - draws0 !== covered) {
    abort ??=
      'the step draws random numbers outside hostDraw (a layer filling host data from a generator directly)';
  }
  if (variables.length !== varCount) {
    abort ??= 'the step created variables';
    retry = true;
  }
  const bindings: Trace['bindings'] = [];
  variables.forEach((v, i) => {
    if (v.handle !== before[i]) {
      bindings.push({ variable: v, id: idOf(v.handle), input: inputs.length + i });
    }
  });
  const outputIds = outputs.map((t) => idOf(t.handle));
  return {
    outputs,
    trace: {
      nodes,
      numValues: handles.length,
      inputIds,
      captured,
      handles,
      outputIds,
      outputMeta: outputs.map((t) => ({ shape: t.shape, dtype: t.dtype })),
      bindings,
      host,
      abort,
      retry,
    },
  };
}

/** Collects the positions in `v` (arrays and plain objects) holding exactly `value`. */
function findNumber(v: unknown, value: number, param: number, out: ParamSlot[]): void {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return;
  if (!Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) return;
  const c = v as Record<string | number, unknown>;
  for (const key of Array.isArray(v) ? v.keys() : Object.keys(v)) {
    const x = c[key];
    if (typeof x === 'number' && Object.is(x, value)) out.push({ container: c, key, param });
    else findNumber(x, value, param, out);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) =>
        sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return false;
}

function sameData(a: TypedArray, b: TypedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * Why two traces of one signature differ, or null when they are the same graph. A difference
 * means the step computes something on the host that changes from call to call (a learning
 * rate, a step count, a tensor made outside the step): such a step cannot be replayed.
 * @example const why = compareTraces(first, second); // null: replayable
 */
export function compareTraces(a: Trace, b: Trace): string | null {
  if (a.nodes.length !== b.nodes.length)
    return `the step ran ${a.nodes.length} primitives on one call and ${b.nodes.length} on the next (data-dependent control flow)`;
  for (let i = 0; i < a.nodes.length; i++) {
    const x = a.nodes[i]!;
    const y = b.nodes[i]!;
    const where = `primitive #${i} (${x.method})`;
    if (x.method !== y.method) return `${where} became ${y.method} on the next call`;
    // fromArray's values are compared as data below (random draws differ by design).
    const args = (n: TraceNode) => (n.method === 'fromArray' ? n.args.slice(1) : n.args);
    if (!sameValue(args(x), args(y)) || !sameValue(x.ins, y.ins) || !sameValue(x.outs, y.outs))
      return `${where} changed its arguments between calls (a value computed on the host, such as a learning rate or a step count)`;
    if (!!x.random !== !!y.random) return `${where} is random on one call only`;
    const fed = (n: TraceNode) => [n.scalarParam, (n.params ?? []).map((p) => [p.key, p.param])];
    if (!sameValue(fed(x), fed(y))) return `${where} takes different step parameters on two calls`;
    if (x.data && y.data && !sameData(x.data, y.data))
      return `${where}: host data made inside the step changed between calls`;
  }
  for (const [id, h] of a.captured) {
    if (b.captured.get(id) !== h)
      return `value #${id} is a tensor made outside the step that changed between calls (a variable the trace was not told about?)`;
  }
  if (!sameValue(a.outputIds, b.outputIds)) return 'the outputs changed between calls';
  const acts = (t: Trace) => t.host.map((h) => `${h.kind}:${h.name}`);
  if (!sameValue(acts(a), acts(b)))
    return 'the step made different step parameters or host effects on two calls';
  if (
    a.bindings.length !== b.bindings.length ||
    a.bindings.some((x, i) => x.variable !== b.bindings[i]!.variable || x.id !== b.bindings[i]!.id)
  )
    return 'the step assigned different variables on two calls';
  return null;
}
