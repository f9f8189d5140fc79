/**
 * `cloneModel`, as Keras's `clone_model`: the same architecture with new layers (fresh
 * weights), each made by a clone function; a functional graph is replayed call by call (shared
 * layers stay shared, call options such as `useCausalMask` stay with their calls), a
 * Sequential is restacked.
 */
import { ValueError } from '../errors.js';
import { InputLayer, input } from '../layers/input_layer.js';
import type { Layer } from '../layers/layer.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { deserialize } from '../serialization.js';
import { Model } from './model.js';
import { Sequential } from './sequential.js';

/** Options of {@link cloneModel}. */
export interface CloneModelOptions {
  /**
   * Makes each layer's clone (default: a new layer of the same class from its config, with
   * freshly initialised weights). Return the layer itself to share it with the original.
   */
  cloneFunction?: (layer: Layer) => Layer;
}

/** The default clone: the layer's class rebuilt from its config (weights initialised anew). */
function cloneLayer(layer: Layer): Layer {
  return deserialize<Layer>('layer', { className: layer.className, config: layer.getConfig() });
}

/**
 * A new model with the architecture of `model` and new layers (Keras's `clone_model`): weights
 * are initialised afresh unless `cloneFunction` shares or copies them. Inputs are new
 * `input()`s of the same shapes, dtypes and names.
 *
 * Shape: as `model`.
 * @example
 * const twin = cloneModel(model);
 * twin.setWeights(model.getWeights()); // the same function
 */
export function cloneModel(model: Model, opts: CloneModelOptions = {}): Model {
  const clone = opts.cloneFunction ?? cloneLayer;
  const made = new Map<Layer, Layer>();
  const cloned = (l: Layer): Layer => {
    let c = made.get(l);
    if (!c) {
      c = clone(l);
      if (c instanceof InputLayer)
        throw new ValueError('cloneModel: cloneFunction must not turn a layer into an InputLayer');
      made.set(l, c);
    }
    return c;
  };
  const newInput = (t: SymbolicTensor): SymbolicTensor => {
    const l = t.layer as InputLayer;
    return input({ batchShape: [...t.shape], dtype: l.inputDType, name: l.name });
  };
  if (model instanceof Sequential) {
    const ins = model.inputs;
    const layers = model.layers.map(cloned);
    return new Sequential({
      name: model.name,
      layers: ins.length === 1 ? [newInput(ins[0]!), ...layers] : layers,
    });
  }
  if (model.inputs.length === 0)
    throw new ValueError(
      `cloneModel: '${model.name}' is a subclassed model (no graph of layers to replay); build a new instance of its class instead`,
    );
  const values = new Map<SymbolicTensor, SymbolicTensor>();
  for (const t of model.inputs) values.set(t, newInput(t));
  for (const node of model.graphNodes) {
    const ins = node.inputs.map((t) => {
      const v = values.get(t);
      if (!v)
        throw new ValueError(
          `cloneModel: the input '${t.name}' of '${node.layer.name}' was not cloned`,
        );
      return v;
    });
    const outs = cloned(node.layer).applyMulti(
      ins.length === 1 ? ins[0]! : ins,
      node.callArgs as never,
    );
    node.outputs.forEach((t, i) => values.set(t, outs[i]!));
  }
  const outputs = model.outputs.map((t) => values.get(t)!);
  return new Model({
    name: model.name,
    inputs: model.isMultiInput
      ? model.inputs.map((t) => values.get(t)!)
      : values.get(model.inputs[0]!)!,
    outputs: model.isMultiOutput ? outputs : outputs[0]!,
  });
}
