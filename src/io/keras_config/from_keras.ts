/**
 * Rebuilding models from Keras configs: Keras 3 `config.json` envelopes, the Keras 2 / legacy
 * `.h5` `model_config` schema, and TF.js `modelTopology` (both as `LayersModel.toJSON` writes
 * it and in the converter's `{model_config: …}` form). Layers come from the registry only;
 * nothing in the file is ever executed.
 */
import { InputLayer } from '../../layers/input_layer.js';
import type { Layer } from '../../layers/layer.js';
import type { SymbolicTensor } from '../../layers/symbolic.js';
import { Model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { FormatError } from '../errors.js';
import {
  Fields,
  type Json,
  type JsonObject,
  asIndex,
  asName,
  asShape,
  describe,
  isObject,
  own,
  parseChecked,
  show,
} from './json.js';
import { MODEL_CLASSES, type ReadContext, layerFromKeras, resolveLayerClass } from './layers.js';
import { isKeras2Version } from './names.js';
import { type Envelope, dtypeFromKeras, readEnvelope, wrapError } from './objects.js';

/**
 * Rebuilds a model from a Keras config: a Keras 3 `config.json` object, a Keras 2 / legacy
 * `.h5` `model_config` (`{class_name, config}`), or a TF.js `modelTopology` (also a whole
 * `model.json`, or the converter's `{model_config, …}`). A JSON string is parsed first. The
 * model comes back uncompiled and with fresh weights (see `compileArgsFromKeras`).
 *
 * `hard_sigmoid` means what the writer meant: Keras 3's relu6(x + 3) / 6, but Keras 2's and
 * TF.js's clip(0.2x + 0.5, 0, 1) (`hardSigmoidKeras2`) in a TF.js topology or where a
 * `keras_version` of 1.x or 2.x sits beside the config (`{model_config, keras_version}`).
 *
 * Malformed configs, unknown classes, Lambda layers (Python code) and options Tessera cannot
 * honour are refused with a {@link FormatError} naming the field or layer.
 *
 * @example
 * const model = modelFromKerasConfig(JSON.parse(configJsonText));
 */
export function modelFromKerasConfig(json: unknown): Model {
  return readModelConfig(json, 'modelFromKerasConfig');
}

/**
 * Keras's `models.model_from_json`: a model from the JSON text `model.to_json()` (or
 * {@link modelToJson}) wrote, uncompiled and with fresh weights.
 *
 * Formula: none (a parser).
 *
 * Shape: not applicable.
 * @example const copy = modelFromJson(modelToJson(model));
 */
export function modelFromJson(jsonString: string): Model {
  if (typeof jsonString !== 'string')
    throw new FormatError(`modelFromJson: expected JSON text, got ${describe(jsonString)}`);
  return readModelConfig(jsonString, 'modelFromJson');
}

function readModelConfig(json: unknown, where: string): Model {
  const root = parseChecked(json, where);
  const { model, tfjs, keras2 } = unwrapRoot(root, where);
  const env = readEnvelope(model, where);
  if (!MODEL_CLASSES.has(env.className)) {
    const cls = resolveLayerClass(env, where);
    throw new FormatError(
      `${where}: expected a model (Sequential or Functional), got the layer class '${cls}'`,
    );
  }
  const ctx: ReadContext = {
    tfjs,
    keras2Activations: keras2,
    readModel: (e, w, name) => readModel(e, w, name, ctx),
  };
  return readModel(env, where, null, ctx);
}

/**
 * Unwraps `model.json` and the converter's `{model_config}`; detects TF.js as the writer, and
 * Keras 1/2 from a `keras_version` beside the config (their `hard_sigmoid` differs from Keras 3's).
 */
function unwrapRoot(
  root: Json,
  where: string,
): { model: JsonObject; tfjs: boolean; keras2: boolean } {
  if (!isObject(root)) throw new FormatError(`${where}: expected an object, got ${describe(root)}`);
  let o: JsonObject = root;
  let tfjs = false;
  let keras2 = false;
  const seeTfjs = (x: JsonObject) => {
    const backend = own(x, 'backend');
    const version = own(x, 'keras_version');
    if (isKeras2Version(version)) keras2 = true;
    if (backend === 'tensor_flow.js' || (typeof version === 'string' && version.startsWith('tfjs')))
      tfjs = true;
  };
  if (own(o, 'modelTopology') !== undefined) {
    const t = own(o, 'modelTopology');
    if (!isObject(t))
      throw new FormatError(`${where}: modelTopology must be an object, got ${describe(t)}`);
    tfjs = true;
    o = t;
  }
  seeTfjs(o);
  if (own(o, 'model_config') !== undefined) {
    let mc: Json = own(o, 'model_config')!;
    if (typeof mc === 'string') mc = parseChecked(mc, `${where}: model_config`);
    if (!isObject(mc))
      throw new FormatError(`${where}: model_config must be an object, got ${describe(mc)}`);
    o = mc;
    seeTfjs(o);
  }
  return { model: o, tfjs, keras2 };
}

function readModel(env: Envelope, where: string, name: string | null, ctx: ReadContext): Model {
  const f = new Fields(env.config, `${where}.config`);
  let m: Model;
  if (env.className === 'Sequential') {
    m = readSequential(env, where, name, ctx);
  } else if (f.has('layers') && (f.has('input_layers') || f.has('output_layers'))) {
    m = readFunctional(env, where, name, ctx);
  } else {
    throw new FormatError(
      `${where}: '${env.className}' has no layer graph (a subclassed model's Python code cannot be loaded); only Sequential and Functional models can`,
    );
  }
  const dtype = f.get('dtype');
  if (dtype !== undefined && dtype !== null) dtypeFromKeras(dtype, `${where}.config.dtype`);
  if (f.optBool('trainable') === false) m.trainable = false;
  return m;
}

// ---------------------------------------------------------------------------------------------
// Sequential

/** The batch input shape a Keras 2 first layer declares, if any, and the keys declaring it. */
function declaredInputShape(
  cfg: JsonObject,
  where: string,
): { shape: (number | null)[]; keys: string[] } | null {
  const f = new Fields(cfg, where);
  const bis = f.get('batch_input_shape');
  if (bis !== undefined && bis !== null) {
    return { shape: asShape(bis, `${where}.batch_input_shape`), keys: ['batch_input_shape'] };
  }
  const is = f.get('input_shape');
  if (is !== undefined && is !== null) {
    const bs = f.get('batch_size');
    const shape = [
      bs === undefined || bs === null ? null : asIndex(bs, `${where}.batch_size`),
      ...asShape(is, `${where}.input_shape`),
    ];
    return { shape, keys: ['input_shape', 'batch_size'] };
  }
  const len = f.get('input_length');
  if (typeof len === 'number' && f.get('output_dim') !== undefined) {
    return { shape: [null, asIndex(len, `${where}.input_length`)], keys: ['input_length'] };
  }
  const dim = f.get('input_dim');
  if (dim !== undefined && dim !== null && f.get('output_dim') === undefined) {
    return { shape: [null, asIndex(dim, `${where}.input_dim`)], keys: ['input_dim'] };
  }
  return null;
}

function readSequential(
  env: Envelope,
  where: string,
  name: string | null,
  ctx: ReadContext,
): Sequential {
  const f = new Fields(env.config, `${where}.config`);
  const layers = f.arr('layers');
  let m: Sequential;
  try {
    m = new Sequential({ name: name ?? f.optStr('name') ?? undefined });
  } catch (e) {
    return wrapError(where, e);
  }
  const buildShapeV = f.get('build_input_shape') ?? own(env.buildConfig ?? {}, 'input_shape');
  layers.forEach((lj, i) => {
    const lw = `${where}.config.layers[${i}]`;
    const le = readEnvelope(lj, lw);
    const cls = resolveLayerClass(le, lw);
    const lname = own(le.config, 'name');
    const label = `${lw} (layer ${typeof lname === 'string' ? `'${lname}'` : 'without a name'})`;
    if (cls === 'InputLayer' && i !== 0) {
      throw new FormatError(`${label}: an InputLayer can only come first in a Sequential`);
    }
    let strip: string[] = [];
    if (i === 0 && cls !== 'InputLayer') {
      // Keras 2 declares the input on the first layer; Keras 3 in build_input_shape.
      const declared = MODEL_CLASSES.has(cls)
        ? null
        : declaredInputShape(le.config, `${lw}.config`);
      let shape: (number | null)[] | null = null;
      let dtype: Json | undefined;
      if (declared) {
        ({ shape, keys: strip } = declared);
        dtype = own(le.config, 'dtype');
      } else if (buildShapeV !== undefined && buildShapeV !== null) {
        shape = asShape(buildShapeV, `${where}.config.build_input_shape`);
      } else if (le.buildConfig && own(le.buildConfig, 'input_shape') != null) {
        shape = asShape(own(le.buildConfig, 'input_shape'), `${lw}.build_config.input_shape`);
      }
      if (shape) {
        const inputName = `${typeof lname === 'string' ? lname : (name ?? 'sequential')}_input`;
        try {
          m.add(
            new InputLayer({
              batchShape: shape,
              name: inputName,
              // Keras 2 gives the input the first layer's dtype.
              dtype:
                dtype === undefined || dtype === null
                  ? 'float32'
                  : dtypeFromKeras(dtype, `${lw}.config.dtype`),
            }),
          );
        } catch (e) {
          wrapError(label, e);
        }
      }
    }
    const layer = layerFromKeras(lj, lw, ctx, { strip });
    if (i === 0 && layer instanceof Model && m.inputs.length === 0) {
      const ins = layer.inputs;
      if (ins.length === 1) {
        m.add(
          new InputLayer({
            batchShape: ins[0]!.shape,
            dtype: ins[0]!.dtype,
            name: `${layer.name}_input`,
          }),
        );
      }
    }
    try {
      m.add(layer);
    } catch (e) {
      wrapError(label, e);
    }
  });
  return m;
}

// ---------------------------------------------------------------------------------------------
// Functional

/** A tensor reference `[layer, node, tensor]` and the convention its node index follows. */
interface Ref {
  layer: string;
  node: number;
  tensor: number;
  /** legacy: Keras 2 / TF.js lists; history: Keras 3 keras_history; io: input/output_layers. */
  style: 'legacy' | 'history' | 'io';
  where: string;
}

/** One recorded call of a layer. */
interface NodeSpec {
  inputs: Ref[];
  /** Whether the call received a list (merge layers, recurrent layers with states). */
  list: boolean;
  training: boolean | undefined;
  /** Other call flags replayed with the call (MultiHeadAttention's use_causal_mask…). */
  flags?: Record<string, boolean>;
  where: string;
}

/** Boolean call arguments some layers take, by Keras name → Tessera option. */
const CALL_FLAGS: Readonly<Record<string, string>> = {
  use_causal_mask: 'useCausalMask',
  return_attention_scores: 'returnAttentionScores',
  // ReversibleEmbedding's projection back to the vocabulary.
  reverse: 'reverse',
};

interface Entry {
  name: string;
  layer: Layer;
  nodes: NodeSpec[];
  where: string;
}

function readRef(v: Json | undefined, where: string, style: Ref['style']): Ref {
  if (!Array.isArray(v) || v.length < 3 || v.length > 4) {
    throw new FormatError(
      `${where} must be [layer_name, node_index, tensor_index], got ${show(v)}`,
    );
  }
  return {
    layer: asName(v[0], `${where}[0]`),
    node: asIndex(v[1], `${where}[1]`),
    tensor: asIndex(v[2], `${where}[2]`),
    style,
    where,
  };
}

/** Call keyword arguments: `training` is replayed, null masks ignored, anything else refused. */
function readKwargs(kw: Json | undefined, where: string): { training: boolean | undefined } {
  if (kw === undefined || kw === null) return { training: undefined };
  if (!isObject(kw)) throw new FormatError(`${where} must be an object, got ${describe(kw)}`);
  let training: boolean | undefined;
  for (const k of Object.keys(kw)) {
    const v = kw[k]!;
    if (k === 'training') {
      if (v !== null && typeof v !== 'boolean')
        throw new FormatError(`${where}.training must be true, false or null, got ${describe(v)}`);
      training = v ?? undefined;
    } else if (v !== null) {
      throw new FormatError(
        `${where}: call argument '${k}' = ${show(v)} is not supported (Tessera replays layer calls with their inputs and 'training' only)`,
      );
    }
  }
  return { training };
}

function readKerasTensor(v: Json | undefined, where: string): Ref {
  if (!isObject(v) || own(v, 'class_name') !== '__keras_tensor__') {
    throw new FormatError(
      `${where} must be a Keras tensor {class_name: '__keras_tensor__', config}, got ${show(v)}`,
    );
  }
  const cfg = new Fields(v, where).obj('config');
  return readRef(own(cfg, 'keras_history'), `${where}.config.keras_history`, 'history');
}

function readKerasTensors(v: Json | undefined, where: string): { refs: Ref[]; list: boolean } {
  if (Array.isArray(v))
    return { refs: v.map((t, i) => readKerasTensor(t, `${where}[${i}]`)), list: true };
  return { refs: [readKerasTensor(v, where)], list: false };
}

function readNode(v: Json, where: string): NodeSpec {
  if (Array.isArray(v)) {
    // Keras 2 / TF.js: [[layer, node, tensor, kwargs], ...].
    if (v.length === 0) throw new FormatError(`${where}: a node needs at least one input`);
    let training: boolean | undefined;
    const inputs = v.map((r, i) => {
      const ref = readRef(r, `${where}[${i}]`, 'legacy');
      if ((r as Json[]).length === 4) {
        const kw = readKwargs((r as Json[])[3], `${where}[${i}][3]`);
        if (kw.training !== undefined) training = kw.training;
      }
      return ref;
    });
    return { inputs, list: inputs.length > 1, training, where };
  }
  if (!isObject(v))
    throw new FormatError(`${where} must be a node object or list, got ${describe(v)}`);
  // Keras 3: {args: [tensor | [tensors]], kwargs: {...}}, or several positional tensors
  // (MultiHeadAttention's query, value), or those as keywords.
  const f = new Fields(v, where);
  const args = f.arr('args');
  const kwargs = f.optObj('kwargs');
  let refs: Ref[];
  let list: boolean;
  const attention = ['query', 'value', 'key'];
  const named = kwargs ? attention.filter((k) => isObject(kwargs[k])) : [];
  if (args.length === 1 && named.length === 0) {
    ({ refs, list } = readKerasTensors(args[0], `${where}.args[0]`));
  } else if (args.length + named.length >= 2 && args.length <= 3) {
    // Positional query, value (, key), then the rest by keyword.
    refs = args.map((a, i) => readKerasTensor(a, `${where}.args[${i}]`));
    for (const k of attention.slice(args.length))
      if (kwargs && isObject(kwargs[k])) {
        if (refs.length !== attention.indexOf(k))
          throw new FormatError(`${where}.kwargs.${k}: given without the inputs before it`);
        refs.push(readKerasTensor(kwargs[k], `${where}.kwargs.${k}`));
      }
    list = true;
  } else {
    throw new FormatError(
      `${where}.args: expected the inputs as one positional argument (or query, value and key), got ${args.length} positional argument(s)`,
    );
  }
  let training: boolean | undefined;
  let states: Ref[] = [];
  let flags: Record<string, boolean> | undefined;
  if (kwargs) {
    const rest: JsonObject = {};
    for (const k of Object.keys(kwargs)) {
      if (list && attention.includes(k) && isObject(kwargs[k])) continue;
      if (Object.hasOwn(CALL_FLAGS, k) && (typeof kwargs[k] === 'boolean' || kwargs[k] === null)) {
        if (kwargs[k] === true) {
          flags ??= {};
          flags[CALL_FLAGS[k]!] = true;
        }
      } else if (k === 'initial_state' && kwargs[k] !== null) {
        states = readKerasTensors(kwargs[k], `${where}.kwargs.initial_state`).refs;
      } else if (k === 'mask' && kwargs[k] !== null) {
        throw new FormatError(
          `${where}.kwargs: an explicit mask tensor is not supported (masks flow from Masking/Embedding layers)`,
        );
      } else {
        rest[k] = kwargs[k]!;
      }
    }
    training = readKwargs(rest, `${where}.kwargs`).training;
  }
  if (states.length) {
    if (list) {
      throw new FormatError(
        `${where}: initial states given both in the inputs and as initial_state`,
      );
    }
    return { inputs: [...refs, ...states], list: true, training, where };
  }
  return { inputs: refs, list, training, flags, where };
}

/** Reads a Keras 3 tensor structure (triple, or list of triples) or Keras 2's list. */
function readIo(
  v: Json | undefined,
  where: string,
  keras3: boolean,
): { refs: Ref[]; multi: boolean } {
  if (Array.isArray(v) && v.length >= 3 && typeof v[0] === 'string') {
    return { refs: [readRef(v, where, 'io')], multi: false };
  }
  if (!Array.isArray(v) || v.length === 0) {
    throw new FormatError(
      `${where} must be a tensor reference or a non-empty list of them, got ${show(v)}`,
    );
  }
  const refs = v.map((r, i) => readRef(r, `${where}[${i}]`, 'io'));
  return { refs, multi: keras3 || refs.length > 1 };
}

function readFunctional(
  env: Envelope,
  where: string,
  name: string | null,
  ctx: ReadContext,
): Model {
  const f = new Fields(env.config, `${where}.config`);
  const layersJson = f.arr('layers');
  const entries: Entry[] = [];
  const byName = new Map<string, Entry>();
  layersJson.forEach((lj, i) => {
    const lw = `${where}.config.layers[${i}]`;
    if (!isObject(lj)) throw new FormatError(`${lw} must be an object, got ${describe(lj)}`);
    const lf = new Fields(lj, lw);
    const cfg = lf.optObj('config');
    const entryName = asName(lf.get('name') ?? (cfg ? own(cfg, 'name') : undefined), `${lw}.name`);
    if (byName.has(entryName)) throw new FormatError(`${lw}: duplicate layer name '${entryName}'`);
    const layer = layerFromKeras(lj, lw, ctx, { name: entryName });
    const inbound = lf.get('inbound_nodes');
    if (inbound !== undefined && inbound !== null && !Array.isArray(inbound)) {
      throw new FormatError(`${lw}.inbound_nodes must be an array, got ${describe(inbound)}`);
    }
    const nodes = (inbound ?? []).map((n, j) => readNode(n, `${lw}.inbound_nodes[${j}]`));
    if (layer instanceof InputLayer && nodes.length > 0) {
      throw new FormatError(`${lw}: an InputLayer cannot have inbound nodes`);
    }
    const e: Entry = { name: entryName, layer, nodes, where: lw };
    entries.push(e);
    byName.set(entryName, e);
  });
  const keras3 = env.module !== null;
  const ins = readIo(f.get('input_layers'), `${where}.config.input_layers`, keras3);
  const outs = readIo(f.get('output_layers'), `${where}.config.output_layers`, keras3);

  // Node indices of nested models: Keras 2 and TF.js count a model's own internal node first
  // (so calls start at 1), Keras 3 does so for Functional models in input/output lists.
  const allRefs = [
    ...entries.flatMap((e) => e.nodes.flatMap((n) => n.inputs)),
    ...ins.refs,
    ...outs.refs,
  ];
  const offsets = new Map<string, number>();
  for (const e of entries) {
    if (!(e.layer instanceof Model)) continue;
    const functional = !(e.layer instanceof Sequential);
    for (const style of ['legacy', 'history', 'io'] as const) {
      const idx = allRefs.filter((r) => r.layer === e.name && r.style === style).map((r) => r.node);
      if (!idx.length) continue;
      const dflt = style === 'legacy' || functional ? 1 : 0;
      const off = idx.some((n) => n >= e.nodes.length) ? 1 : idx.includes(0) ? 0 : dflt;
      offsets.set(`${e.name}:${style}`, off);
    }
  }

  const lookup = (r: Ref): SymbolicTensor | undefined => {
    const e = byName.get(r.layer);
    if (!e) throw new FormatError(`${r.where}: refers to unknown layer '${r.layer}'`);
    const idx = r.node - (offsets.get(`${r.layer}:${r.style}`) ?? 0);
    if (idx < 0)
      throw new FormatError(
        `${r.where}: node index ${r.node} is out of range for layer '${r.layer}'`,
      );
    const node = e.layer.inboundNodes[idx];
    if (!node) {
      const total = e.layer instanceof InputLayer ? 1 : e.nodes.length;
      if (idx >= total) {
        throw new FormatError(
          `${r.where}: node index ${r.node} is out of range for layer '${r.layer}' (${total} node${total === 1 ? '' : 's'})`,
        );
      }
      return undefined;
    }
    const t = node.outputs[r.tensor];
    if (!t) {
      throw new FormatError(
        `${r.where}: tensor index ${r.tensor} is out of range for layer '${r.layer}' (${node.outputs.length} output${node.outputs.length === 1 ? '' : 's'})`,
      );
    }
    return t;
  };

  // Replay the calls as Keras does: passes over the layers in order, each layer's nodes in
  // order, until every node has run.
  const queues = new Map(entries.map((e) => [e, [...e.nodes]]));
  let remaining = entries.reduce((n, e) => n + e.nodes.length, 0);
  while (remaining > 0) {
    let progressed = false;
    for (const e of entries) {
      const q = queues.get(e)!;
      while (q.length) {
        const spec = q[0]!;
        const xs = spec.inputs.map(lookup);
        if (!xs.every((t) => t !== undefined)) break;
        try {
          const opts = {
            ...spec.flags,
            ...(spec.training === undefined ? {} : { training: spec.training }),
          };
          e.layer.applyMulti(spec.list ? (xs as SymbolicTensor[]) : xs[0]!, opts);
        } catch (err) {
          wrapError(`${spec.where} (layer '${e.name}')`, err);
        }
        q.shift();
        remaining--;
        progressed = true;
      }
    }
    if (!progressed) {
      const stuck = entries.find((e) => queues.get(e)!.length)!;
      throw new FormatError(
        `${stuck.where}: cannot resolve the inputs of layer '${stuck.name}' (a cycle, or a reference to a call that never happens)`,
      );
    }
  }
  const resolve = (r: Ref): SymbolicTensor => {
    const t = lookup(r);
    if (!t)
      throw new FormatError(`${r.where}: refers to a call of '${r.layer}' that does not exist`);
    return t;
  };
  const inputs = ins.refs.map(resolve);
  const outputs = outs.refs.map(resolve);
  try {
    return new Model({
      name: name ?? f.optStr('name') ?? undefined,
      inputs: ins.multi ? inputs : inputs[0]!,
      outputs: outs.multi ? outputs : outputs[0]!,
    });
  } catch (e) {
    return wrapError(where, e);
  }
}
