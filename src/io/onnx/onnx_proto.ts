/**
 * ONNX's messages (onnx.proto: ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto,
 * AttributeProto) as plain objects, and their protocol-buffers encoding. Only what an
 * inference graph with its weights needs; the field numbers are onnx.proto's.
 */
import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const OnnxType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  DOUBLE: 11,
} as const;
export type OnnxTypeCode = (typeof OnnxType)[keyof typeof OnnxType];

/** A node attribute, tagged with its ONNX type. */
export type OnnxAttr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'strings'; value: readonly string[] };

/** Attribute constructors: `attr.int(1)`, `attr.ints([1, 1])`, … */
export const attr = {
  int: (value: number): OnnxAttr => ({ kind: 'int', value }),
  float: (value: number): OnnxAttr => ({ kind: 'float', value }),
  string: (value: string): OnnxAttr => ({ kind: 'string', value }),
  ints: (value: readonly number[]): OnnxAttr => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): OnnxAttr => ({ kind: 'floats', value }),
  strings: (value: readonly string[]): OnnxAttr => ({ kind: 'strings', value }),
};

/** One operator application. */
export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, OnnxAttr>;
}

/** A constant tensor of the graph (a weight, or a shape operand). */
export interface OnnxInitializer {
  name: string;
  dims: readonly number[];
  type: OnnxTypeCode;
  /** Little-endian element bytes. */
  raw: Uint8Array;
}

/** A graph input or output: name, element type, and dims (a string for a symbolic one). */
export interface OnnxValueInfo {
  name: string;
  type: OnnxTypeCode;
  dims: readonly (number | string)[];
}

/** A whole model. */
export interface OnnxModel {
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  opset: number;
  producerVersion: string;
  docString?: string;
}

/** IR version 8 goes with opsets up to 18 (onnx/docs/Versioning.md). */
const IR_VERSION = 8;

const ATTR_TYPE: Record<OnnxAttr['kind'], number> = {
  float: 1,
  int: 2,
  string: 3,
  floats: 6,
  ints: 7,
  strings: 8,
};

function encodeAttr(name: string, a: OnnxAttr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
    case 'strings':
      for (const v of a.value) w.string(9, v);
      break;
  }
  return w.int(20, ATTR_TYPE[a.kind]);
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [k, a] of Object.entries(n.attrs)) w.message(5, encodeAttr(k, a));
  return w;
}

function encodeTensor(t: OnnxInitializer): ProtoWriter {
  const w = new ProtoWriter();
  if (t.dims.length) w.packedInts(1, t.dims);
  return w.int(2, t.type).string(8, t.name).bytes(9, t.raw);
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, v.type).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

/**
 * The model as ONNX bytes (a serialized ModelProto).
 *
 * Shape: one graph, default-domain opset `m.opset`, weights as raw little-endian initializers.
 * @example const bytes = encodeOnnxModel(model); writeFileSync('m.onnx', bytes);
 */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const g = new ProtoWriter();
  for (const n of m.nodes) g.message(1, encodeNode(n));
  g.string(2, m.graphName);
  for (const t of m.initializers) g.message(5, encodeTensor(t));
  for (const v of m.inputs) g.message(11, encodeValueInfo(v));
  for (const v of m.outputs) g.message(12, encodeValueInfo(v));
  const w = new ProtoWriter().int(1, IR_VERSION).string(2, 'tessera').string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, g);
  w.message(8, new ProtoWriter().string(1, '').int(2, m.opset));
  return w.finish();
}
