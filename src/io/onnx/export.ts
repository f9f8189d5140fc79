/**
 * ONNX export: a model's inference graph, layer by layer, as an ONNX model (opset 17) with its
 * weights. Each layer class has a converter (registered by its `className`) that emits ONNX
 * nodes for it; a layer without one is refused with its name and class. Keras's channels-last
 * layout is kept at the graph's edges: converters that need ONNX's channels-first operators
 * (Conv, pooling) transpose around them.
 */
import { ValueError } from '../../errors.js';
import type { Layer } from '../../layers/layer.js';
import type { SymbolicShape, SymbolicTensor } from '../../layers/symbolic.js';
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../tensor/tensor.js';
import { atomicWriteFile } from '../files.js';
import {
  type OnnxAttr,
  type OnnxInitializer,
  type OnnxNode,
  OnnxType,
  type OnnxTypeCode,
  type OnnxValueInfo,
  encodeOnnxModel,
} from './onnx_proto.js';

/** A layer (or option of one) that has no ONNX form; names the layer and its class. */
export class OnnxExportError extends ValueError {
  static override readonly errorName: string = 'OnnxExportError';
}

/** The ONNX opset written. 17 is the oldest opset with LayerNormalization; runtimes since 2022 run it. */
export const ONNX_OPSET = 17;

/**
 * What a converter sees of one layer application, and how it emits nodes: `op` adds a node and
 * returns its output names, `weight`/`constFloat`/`constInt64` add initializers.
 */
export interface OnnxLayerContext {
  /** The layer being exported. */
  readonly layer: Layer;
  /** Its Keras-style config (camelCase keys), as `layer.getConfig()` gives it. */
  readonly config: Record<string, unknown>;
  /** ONNX value names of the node's inputs, in order. */
  readonly inputs: readonly string[];
  /** Symbolic shapes of the inputs (null: unknown, the batch axis). */
  readonly inputShapes: readonly SymbolicShape[];
  /** Symbolic shapes of the outputs. */
  readonly outputShapes: readonly SymbolicShape[];
  /** Call arguments recorded with the node (e.g. `useCausalMask`). */
  readonly callArgs: Readonly<Record<string, unknown>>;
  /** ONNX element type of the layer's floats (FLOAT, or DOUBLE for float64 layers). */
  readonly floatType: OnnxTypeCode;
  /** Adds a node; returns its `outputs` output names (fresh, prefixed with the layer name). */
  op(
    opType: string,
    inputs: readonly string[],
    attrs?: Record<string, OnnxAttr>,
    outputs?: number,
  ): string[];
  /** Adds a single-output node; returns its output name. */
  op1(opType: string, inputs: readonly string[], attrs?: Record<string, OnnxAttr>): string;
  /** Adds a tensor (a weight) as an initializer, in its own dtype (or `dims` reshaped). */
  weight(t: Tensor, dims?: readonly number[]): string;
  /** Adds float constants in the layer's float type. */
  constFloat(values: ArrayLike<number>, dims: readonly number[]): string;
  /** Adds int64 constants (shapes, axes). */
  constInt64(values: readonly number[], dims?: readonly number[]): string;
  /** Applies a Keras activation (by its config name) to `x`. */
  activation(name: unknown, x: string): string;
  /**
   * Exports another layer's application on ONNX values (a wrapper's inner layer:
   * TimeDistributed, Bidirectional); returns its output names.
   */
  applyLayer(
    layer: Layer,
    inputs: readonly string[],
    inputShapes: readonly SymbolicShape[],
    outputShapes: readonly SymbolicShape[],
    callArgs?: Readonly<Record<string, unknown>>,
  ): string[];
  /** Refuses the export, naming the layer: `unsupported('masks')`. */
  unsupported(what: string): never;
}

/**
 * Emits the ONNX nodes of one layer application and returns the ONNX names of its outputs
 * (one per symbolic output).
 */
export type OnnxConverter = (ctx: OnnxLayerContext) => string[];

const CONVERTERS = new Map<string, OnnxConverter>();

/**
 * Registers how layers of class `className` export to ONNX (built-in layers register their
 * own; a custom layer registers here to become exportable).
 *
 * Formula: converter(context) → output names, emitting nodes through `context.op`.
 *
 * Shape: one name per output of the layer.
 * @example
 * registerOnnxConverter('Scale', (c) => [c.op1('Mul', [c.inputs[0]!, c.constFloat([2], [])])]);
 */
export function registerOnnxConverter(className: string, converter: OnnxConverter): void {
  CONVERTERS.set(className, converter);
}

/** Whether a layer class has an ONNX converter. */
export function hasOnnxConverter(className: string): boolean {
  return CONVERTERS.has(className);
}

const F32 = OnnxType.FLOAT;

function onnxTypeOf(dtype: string, where: string): OnnxTypeCode {
  switch (dtype) {
    case 'float32':
      return OnnxType.FLOAT;
    case 'float64':
      return OnnxType.DOUBLE;
    case 'int32':
      return OnnxType.INT32;
    case 'bool':
      return OnnxType.BOOL;
    case 'uint8':
      return OnnxType.UINT8;
    default:
      throw new OnnxExportError(
        `exportOnnx: ${where} has dtype '${dtype}', which ONNX export does not support`,
      );
  }
}

function rawBytes(t: Tensor, type: OnnxTypeCode): Uint8Array {
  const d = t.dataSync() as ArrayLike<number>;
  if (type === OnnxType.FLOAT) return new Uint8Array(Float32Array.from(d).buffer);
  if (type === OnnxType.DOUBLE) return new Uint8Array(Float64Array.from(d).buffer);
  if (type === OnnxType.INT32) return new Uint8Array(Int32Array.from(d).buffer);
  return new Uint8Array(Uint8Array.from(d).buffer);
}

/** Builds one ONNX graph from a model's layer graph. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private readonly used = new Set<string>();
  private readonly weightNames = new Map<Tensor, string>();

  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  addInit(base: string, dims: readonly number[], type: OnnxTypeCode, raw: Uint8Array): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims, type, raw });
    return name;
  }

  /** A weight shared by several layer applications (a shared layer) is written once. */
  weightOf(t: Tensor, base: string, dims: readonly number[] | undefined): string {
    const known = dims === undefined ? this.weightNames.get(t) : undefined;
    if (known) return known;
    const type = onnxTypeOf(t.dtype, `weight '${base}'`);
    const name = this.addInit(base, dims ?? t.shape, type, rawBytes(t, type));
    if (dims === undefined) this.weightNames.set(t, name);
    return name;
  }

  /** Exports the applications of a (possibly nested) model, given ONNX names for its inputs. */
  exportGraph(model: Model, inputNames: readonly string[]): string[] {
    const names = new Map<SymbolicTensor, string>();
    model.inputs.forEach((t, i) => names.set(t, inputNames[i]!));
    for (const node of model.graphNodes) {
      const layer = node.layer;
      const ins = node.inputs.map((s) => {
        const n = names.get(s);
        if (n === undefined)
          throw new OnnxExportError(
            `exportOnnx: layer '${layer.name}' takes '${s.name}', which the graph never computes`,
          );
        return n;
      });
      const outs = isModel(layer)
        ? this.exportGraph(layer, ins)
        : this.exportLayer(
            layer,
            ins,
            node.inputs.map((s) => s.shape),
            node.outputs.map((s) => s.shape),
            node.callArgs,
          );
      if (outs.length !== node.outputs.length)
        throw new OnnxExportError(
          `exportOnnx: the converter of layer '${layer.name}' (${layer.className}) gave ${outs.length} outputs for ${node.outputs.length}`,
        );
      node.outputs.forEach((s, i) => names.set(s, outs[i]!));
    }
    return model.outputs.map((s) => names.get(s)!);
  }

  private exportLayer(
    layer: Layer,
    inputs: string[],
    inputShapes: SymbolicShape[],
    outputShapes: SymbolicShape[],
    callArgs: Readonly<Record<string, unknown>>,
  ): string[] {
    const convert = CONVERTERS.get(layer.className);
    const who = `layer '${layer.name}' (${layer.className})`;
    if (!convert)
      throw new OnnxExportError(
        `exportOnnx: ${who} has no ONNX form; register one with registerOnnxConverter('${layer.className}', …)`,
      );
    // The inference graph runs every layer in inference mode; a node pinned to training mode
    // (Monte Carlo dropout, batch statistics) computes something else in predict.
    if (callArgs.training === true)
      throw new OnnxExportError(
        `exportOnnx: ${who} is called with training: true, which the inference graph cannot reproduce`,
      );
    const floatType = layer.dtype === 'float64' ? OnnxType.DOUBLE : F32;
    const prefix = layer.name;
    const ctx: OnnxLayerContext = {
      layer,
      config: layer.getConfig() as Record<string, unknown>,
      inputs,
      inputShapes,
      outputShapes,
      callArgs,
      floatType,
      op: (opType, ins, attrs = {}, n = 1) => {
        const outputs = Array.from({ length: n }, () => this.fresh(`${prefix}/${opType}`));
        this.nodes.push({
          opType,
          inputs: [...ins],
          outputs,
          name: this.fresh(`${prefix}/${opType}#`),
          attrs,
        });
        return outputs;
      },
      op1: (opType, ins, attrs) => ctx.op(opType, ins, attrs, 1)[0]!,
      weight: (t, dims) =>
        this.weightOf(t, `${prefix}/${(t as { weightName?: string }).weightName ?? 'w'}`, dims),
      constFloat: (values, dims) =>
        this.addInit(
          `${prefix}/const`,
          dims,
          floatType,
          new Uint8Array(
            (floatType === OnnxType.DOUBLE ? Float64Array.from(values) : Float32Array.from(values))
              .buffer,
          ),
        ),
      constInt64: (values, dims) =>
        this.addInit(
          `${prefix}/shape`,
          dims ?? [values.length],
          OnnxType.INT64,
          new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer),
        ),
      activation: (name, x) => emitActivation(ctx, name, x),
      applyLayer: (inner, ins, inShapes, outShapes, args = {}) =>
        isModel(inner)
          ? this.exportGraph(inner, ins)
          : this.exportLayer(inner, [...ins], [...inShapes], [...outShapes], args),
      unsupported: (what) => {
        throw new OnnxExportError(`exportOnnx: ${who}: ${what} has no ONNX export`);
      },
    };
    return convert(ctx);
  }
}

function isModel(l: Layer): l is Model {
  return 'graphNodes' in l && Array.isArray((l as Model).inputs);
}

/**
 * Emits Keras's activation `name` (a config name: 'relu', 'softmax', …) on `x`. Activations
 * registered by users have no ONNX form and are refused.
 */
export function emitActivation(c: OnnxLayerContext, name: unknown, x: string): string {
  const id = name === null || name === undefined ? 'linear' : name;
  switch (id) {
    case 'linear':
      return x;
    case 'relu':
      return c.op1('Relu', [x]);
    case 'sigmoid':
      return c.op1('Sigmoid', [x]);
    case 'tanh':
      return c.op1('Tanh', [x]);
    case 'softmax':
      return c.op1('Softmax', [x], { axis: { kind: 'int', value: -1 } });
    case 'relu6':
      return c.op1('Clip', [x, c.constFloat([0], []), c.constFloat([6], [])]);
    case 'leakyRelu':
    case 'leaky_relu':
      return c.op1('LeakyRelu', [x], { alpha: { kind: 'float', value: 0.2 } });
    case 'elu':
      return c.op1('Elu', [x], { alpha: { kind: 'float', value: 1 } });
    case 'selu':
      return c.op1('Selu', [x], {
        alpha: { kind: 'float', value: 1.6732632423543772 },
        gamma: { kind: 'float', value: 1.0507009873554805 },
      });
    case 'gelu': {
      // Keras's default gelu is the exact one: x·½(1 + erf(x/√2)).
      const e = c.op1('Erf', [c.op1('Mul', [x, c.constFloat([Math.SQRT1_2], [])])]);
      const half = c.op1('Mul', [x, c.constFloat([0.5], [])]);
      return c.op1('Mul', [half, c.op1('Add', [e, c.constFloat([1], [])])]);
    }
    case 'silu':
    case 'swish':
      return c.op1('Mul', [x, c.op1('Sigmoid', [x])]);
    case 'softplus':
      return c.op1('Softplus', [x]);
    case 'softsign':
      return c.op1('Softsign', [x]);
    case 'hardSigmoid':
    case 'hard_sigmoid':
      return c.op1('HardSigmoid', [x], {
        alpha: { kind: 'float', value: 1 / 6 },
        beta: { kind: 'float', value: 0.5 },
      });
    case 'hardSigmoidKeras2':
    case 'hard_sigmoid_keras2':
      return c.op1('HardSigmoid', [x], {
        alpha: { kind: 'float', value: 0.2 },
        beta: { kind: 'float', value: 0.5 },
      });
    case 'exponential':
      return c.op1('Exp', [x]);
    case 'mish':
      // ONNX's Mish operator arrives in opset 18; this is its definition.
      return c.op1('Mul', [x, c.op1('Tanh', [c.op1('Softplus', [x])])]);
    default:
      return c.unsupported(`activation ${JSON.stringify(id)}`);
  }
}

function valueInfo(name: string, t: SymbolicTensor, where: string): OnnxValueInfo {
  return {
    name,
    type: onnxTypeOf(t.dtype, where),
    dims: t.shape.map((d, i) => (d === null ? (i === 0 ? 'batch' : `${name}_d${i}`) : d)),
  };
}

/**
 * A model's inference graph as ONNX bytes (opset 17): inputs named after the model's inputs,
 * outputs after its output layers, the batch axis symbolic. Works in browsers too.
 *
 * Formula: ONNX(x) = model.predict(x) (to float32 rounding).
 *
 * Shape: inputs and outputs keep the model's shapes (channels-last), batch as `batch`.
 * @example const bytes = onnxBytes(model); // a .onnx file's contents
 */
export function onnxBytes(model: Model): Uint8Array {
  if (!model.built || model.outputs.length === 0)
    throw new OnnxExportError(
      `exportOnnx: model '${model.name}' has no graph yet; give it an input() (or call it on data) first`,
    );
  const g = new GraphBuilder();
  const inputs = model.inputs.map((t) => valueInfo(t.name, t, `input '${t.name}'`));
  for (const v of inputs) g.reserve(v.name);
  const outNames = model.outputs.map((t) =>
    g.fresh(t.layer.name === t.name ? t.name : t.layer.name),
  );
  const produced = g.exportGraph(
    model,
    inputs.map((v) => v.name),
  );
  // Outputs get stable names (their layers'); an Identity links each to what computed it.
  produced.forEach((p, i) => {
    g.nodes.push({
      opType: 'Identity',
      inputs: [p],
      outputs: [outNames[i]!],
      name: g.fresh(`${outNames[i]}/output`),
      attrs: {},
    });
  });
  return encodeOnnxModel({
    graphName: model.name,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs,
    outputs: model.outputs.map((t, i) => valueInfo(outNames[i]!, t, `output '${outNames[i]}'`)),
    opset: ONNX_OPSET,
    producerVersion: '0.1.0',
  });
}

/**
 * Writes a model's inference graph as an ONNX file (Node.js; atomically). In browsers, use
 * {@link onnxBytes}.
 *
 * Formula: ONNX Runtime's outputs on the file equal `model.predict` to float32 rounding.
 *
 * Shape: see {@link onnxBytes}.
 * @example await exportOnnx(model, 'model.onnx');
 */
export async function exportOnnx(model: Model, path: string): Promise<void> {
  await atomicWriteFile(path, onnxBytes(model));
}
