/**
 * Writing models as Keras configs: Keras 3 `config.json` (envelopes, DTypePolicy, build
 * configs, `__keras_tensor__` nodes) and the Keras 2 schema that TF.js `model.json` holds as
 * `modelTopology`.
 */
import { InputLayer } from '../../layers/input_layer.js';
import type { Layer } from '../../layers/layer.js';
import { RNN } from '../../layers/rnn/rnn.js';
import { Bidirectional } from '../../layers/rnn/wrappers.js';
import type { Node, SymbolicTensor } from '../../layers/symbolic.js';
import { Model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { FormatError } from '../errors.js';
import { compileConfigToKeras } from './compile.js';
import { type Json, type JsonObject, type KerasJson, copyJson } from './json.js';
import { QUERY_VALUE_LAYERS, type WriteContext, layerEnvelope } from './layers.js';
import { dtypePolicy } from './objects.js';

/** Options of {@link modelToKerasConfig}. */
export interface KerasConfigOptions {
  /**
   * Add `compile_config` (optimizer, losses, metrics, loss weights) when the model is
   * compiled (default false).
   */
  compileConfig?: boolean;
}

function isGraphModel(l: Layer): l is Model {
  return l instanceof Model && (l instanceof Sequential || l.inputs.length > 0);
}

function context(keras2: boolean): WriteContext {
  const ctx: WriteContext = {
    keras2,
    isModel: isGraphModel,
    writeModel: (m) => modelEnvelope(m, ctx),
  };
  return ctx;
}

/**
 * The Keras 3 `config.json` object of a model, as `.keras` files hold it: the envelope
 * `{module, class_name, config, registered_name}` at every level, snake_case keys, Keras's
 * spellings of identifiers, `build_config` for built layers, a Sequential's
 * `build_input_shape`, functional `inbound_nodes` of `__keras_tensor__` arguments, and with
 * `compileConfig: true` the `compile_config` of a compiled model.
 *
 * @example
 * const json = JSON.stringify(modelToKerasConfig(model, { compileConfig: true }));
 */
export function modelToKerasConfig(model: Model, opts: KerasConfigOptions = {}): KerasJson {
  if (!(model instanceof Model)) {
    throw new FormatError(`modelToKerasConfig: expected a Model, got ${String(model)}`);
  }
  const env = isGraphModel(model)
    ? modelEnvelope(model, context(false))
    : layerEnvelope(model, context(false));
  if (opts.compileConfig && model.compileInfo) env.compile_config = compileConfigToKeras(model);
  return env;
}

/**
 * Keras's `model.to_json()`: the model's Keras 3 config as JSON text (architecture only, no
 * weights), which {@link modelFromJson} and Keras's `models.model_from_json` read back.
 *
 * Formula: none (a serializer).
 *
 * Shape: not applicable.
 * @example const text = modelToJson(model);
 */
export function modelToJson(model: Model): string {
  if (!(model instanceof Model))
    throw new FormatError(`modelToJson: expected a Model, got ${String(model)}`);
  return JSON.stringify(modelToKerasConfig(model));
}

/**
 * The Keras 2 schema of a model as TF.js's `model.json` holds it in `modelTopology` (what
 * tfjs-layers' `model.toJSON()` writes, loadable by `tf.models.modelFromJSON`): `{class_name,
 * config}` with snake_case keys, dtype strings, the input layer with `batch_input_shape`, and
 * `inbound_nodes` as `[[[layer, node, tensor, {}]]]` lists. Refuses models without a known
 * input shape (TF.js needs one to build).
 *
 * @example
 * const modelJson = { modelTopology: modelToKeras2Config(model), format: 'layers-model', weightsManifest };
 */
export function modelToKeras2Config(model: Model): KerasJson {
  if (!(model instanceof Model) || !isGraphModel(model) || model.inputs.length === 0) {
    throw new FormatError(
      `modelToKeras2Config: '${(model as Model)?.name}' has no input shape yet; add an input() or give the first layer inputShape, so that TF.js can build it`,
    );
  }
  return modelEnvelope(model, context(true));
}

function modelEnvelope(model: Model, ctx: WriteContext): JsonObject {
  if (model instanceof Sequential) return sequentialEnvelope(model, ctx);
  return functionalEnvelope(model, ctx);
}

function sequentialEnvelope(model: Sequential, ctx: WriteContext): JsonObject {
  const input = model.inputs[0]?.layer as InputLayer | undefined;
  const layers: Json[] = [];
  if (input) layers.push(layerEnvelope(input, ctx));
  for (const l of model.layers) layers.push(layerEnvelope(l, ctx));
  const shape = input ? (copyJson(input.batchInputShape as Json) as Json[]) : null;
  if (ctx.keras2) {
    return { class_name: 'Sequential', config: { name: model.name, layers } };
  }
  const config: JsonObject = {
    name: model.name,
    trainable: model.trainable,
    dtype: dtypePolicy(model.dtype),
    layers,
  };
  if (shape) config.build_input_shape = shape;
  const env: JsonObject = {
    module: 'keras',
    class_name: 'Sequential',
    config,
    registered_name: null,
  };
  if (shape) env.build_config = { input_shape: copyJson(shape) };
  return env;
}

/**
 * The node index offset of references to a nested model: Keras 2 and TF.js count a model's
 * own internal node first, everywhere. Keras 3 counts it only in `input_layers` /
 * `output_layers`, and only for Functional models (its `get_config` reindexes those with a
 * built-in node that its `functional_from_config` subtracts again), while the
 * `keras_history` of call arguments counts the model's calls from 0 (`serialize_node`).
 */
function nodeOffset(l: Layer, keras2: boolean, io: boolean): number {
  if (!(l instanceof Model)) return 0;
  if (keras2) return 1;
  return io && !(l instanceof Sequential) ? 1 : 0;
}

const isRecurrent = (l: Layer) => l instanceof RNN || l instanceof Bidirectional;

function functionalEnvelope(model: Model, ctx: WriteContext): JsonObject {
  const inGraph = new Set(model.graphNodes);
  const kept = (l: Layer): Node[] =>
    l instanceof InputLayer
      ? l.inboundNodes.slice(0, 1)
      : l.inboundNodes.filter((n) => inGraph.has(n));
  const ref = (t: SymbolicTensor, io = false): Json[] => [
    t.layer.name,
    kept(t.layer).indexOf(t.node) + nodeOffset(t.layer, ctx.keras2, io),
    t.index,
  ];
  const kerasTensor = (t: SymbolicTensor): JsonObject => ({
    class_name: '__keras_tensor__',
    config: { shape: copyJson(t.shape as Json), dtype: t.dtype, keras_history: ref(t) },
  });
  const layers = model.layers.map((l) => {
    const env = layerEnvelope(l, ctx);
    const first = l.inboundNodes[0];
    if (!ctx.keras2 && env.build_config && isRecurrent(l) && first && first.inputs.length > 1) {
      // Keras 3 builds a recurrent layer called with initial states from two arguments
      // (`build(sequences_shape, initial_state_shape)`), so its build_config names them;
      // one list of three shapes is refused as a shape.
      env.build_config = {
        shapes_dict: {
          sequences_shape: copyJson(first.inputs[0]!.shape as Json),
          initial_state_shape: first.inputs.slice(1).map((t) => copyJson(t.shape as Json)),
        },
      };
    }
    const nodes: Json[] = [];
    if (!(l instanceof InputLayer)) {
      for (const node of kept(l)) {
        const kwargs: JsonObject = {};
        if (typeof node.callArgs.training === 'boolean') kwargs.training = node.callArgs.training;
        // A layer's own call flags (MultiHeadAttention's useCausalMask…), by Keras's name.
        if (node.callArgs.useCausalMask === true) kwargs.use_causal_mask = true;
        if (node.callArgs.returnAttentionScores === true) kwargs.return_attention_scores = true;
        if (node.callArgs.reverse === true) kwargs.reverse = true;
        if (ctx.keras2) {
          nodes.push(node.inputs.map((t) => [...ref(t), copyJson(kwargs)]));
          continue;
        }
        const ins = node.inputs;
        const recurrent = isRecurrent(l);
        let args: Json[];
        if (recurrent && ins.length > 1) {
          // Keras 3 takes a recurrent layer's initial states as a keyword argument.
          args = [kerasTensor(ins[0]!)];
          kwargs.initial_state = ins.slice(1).map(kerasTensor);
        } else if (QUERY_VALUE_LAYERS.has(l.className)) {
          // Keras's call(query, value, key): separate positional tensors.
          args = ins.map(kerasTensor);
        } else {
          args = [ins.length === 1 ? kerasTensor(ins[0]!) : ins.map(kerasTensor)];
        }
        nodes.push({ args, kwargs });
      }
    }
    if (ctx.keras2) {
      return {
        name: l.name,
        class_name: env.class_name!,
        config: env.config!,
        inbound_nodes: nodes,
      };
    }
    env.name = l.name;
    env.inbound_nodes = nodes;
    return env;
  });
  const io = (ts: readonly SymbolicTensor[], multi: boolean): Json =>
    ctx.keras2 || multi ? ts.map((t) => ref(t, true)) : ref(ts[0]!, true);
  const inputLayers = io(model.inputs, model.isMultiInput);
  const outputLayers = io(model.outputs, model.isMultiOutput);
  if (ctx.keras2) {
    return {
      class_name: 'Model',
      config: { name: model.name, layers, input_layers: inputLayers, output_layers: outputLayers },
    };
  }
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: model.name,
      trainable: model.trainable,
      layers,
      input_layers: inputLayers,
      output_layers: outputLayers,
    },
    registered_name: 'Functional',
  };
}
