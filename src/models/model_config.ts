/** Rebuilding functional models from their config: layers by registry, then nodes replayed. */
import { ValueError } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { type Config, deserialize } from '../serialization.js';
import { ensureBuiltins } from './builtins.js';
import type { Model, ModelArgs } from './model.js';

type Ref = [string, number, number];
interface LayerEntry {
  className: string;
  name: string;
  config: Config;
  inboundNodes: Ref[][];
  /** Per node, the call's options (training, useCausalMask…), or null. */
  callArgs?: (Config | null)[];
}

/**
 * Rebuilds a functional model: every layer is created through the 'layer' registry (never by
 * evaluating code), then each layer is applied to the symbolic tensors its recorded nodes name,
 * repeating passes until every node is replayed.
 */
export function functionalFromConfig(Cls: new (args: ModelArgs) => Model, config: Config): Model {
  const c = config as unknown as {
    name?: string;
    layers?: LayerEntry[];
    inputLayers?: Ref[];
    outputLayers?: Ref[];
    multiInput?: boolean;
    multiOutput?: boolean;
  };
  if (!Array.isArray(c.layers) || !Array.isArray(c.inputLayers) || !Array.isArray(c.outputLayers)) {
    throw new ValueError('Model.fromConfig: config needs layers, inputLayers and outputLayers');
  }
  ensureBuiltins('layer');
  const layers = new Map<string, Layer>();
  for (const e of c.layers) {
    if (layers.has(e.name))
      throw new ValueError(`Model.fromConfig: duplicate layer name '${e.name}'`);
    layers.set(
      e.name,
      deserialize<Layer>('layer', {
        className: e.className,
        config: { ...e.config, name: e.name },
      }),
    );
  }
  const lookup = ([name, node, idx]: Ref): SymbolicTensor | undefined => {
    const l = layers.get(name);
    if (!l) throw new ValueError(`Model.fromConfig: node refers to unknown layer '${name}'`);
    return l.inboundNodes[node]?.outputs[idx];
  };
  // A layer's nodes are replayed strictly in order, so node indices come out as recorded.
  const queues = new Map(
    c.layers.map((e): [Layer, { ins: Ref[]; args: Config | null }[]] => [
      layers.get(e.name)!,
      (e.inboundNodes ?? []).map((ins, i) => ({ ins, args: e.callArgs?.[i] ?? null })),
    ]),
  );
  let remaining = [...queues.values()].reduce((n, q) => n + q.length, 0);
  while (remaining > 0) {
    let progressed = false;
    for (const [layer, queue] of queues) {
      while (queue.length) {
        const ins = queue[0]!.ins.map(lookup);
        if (!ins.every((t) => t !== undefined)) break;
        layer.applyMulti(
          ins.length === 1 ? ins[0]! : (ins as SymbolicTensor[]),
          (queue[0]!.args ?? {}) as never,
        );
        queue.shift();
        remaining--;
        progressed = true;
      }
    }
    if (!progressed) {
      const stuck = [...queues].find(([, q]) => q.length)![0];
      throw new ValueError(`Model.fromConfig: cannot resolve the inputs of layer '${stuck.name}'`);
    }
  }
  const resolve = (r: Ref) => {
    const t = lookup(r);
    if (!t) throw new ValueError(`Model.fromConfig: unresolved tensor ${JSON.stringify(r)}`);
    return t;
  };
  const inputs = c.inputLayers.map(resolve);
  const outputs = c.outputLayers.map(resolve);
  return new Cls({
    name: c.name,
    inputs: c.multiInput === false && inputs.length === 1 ? inputs[0]! : inputs,
    outputs: c.multiOutput === false && outputs.length === 1 ? outputs[0]! : outputs,
  });
}
