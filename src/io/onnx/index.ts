/**
 * ONNX export: `exportOnnx(model, path)` / `onnxBytes(model)`, with every built-in converter
 * registered (importing this module registers them).
 */
import './convert_core.js';
import './convert_conv.js';
import './convert_norm.js';
import './convert_rnn.js';
import './convert_attention.js';
import './convert_adaptive_pool.js';

export {
  ONNX_OPSET,
  OnnxExportError,
  type OnnxConverter,
  type OnnxLayerContext,
  exportOnnx,
  hasOnnxConverter,
  onnxBytes,
  registerOnnxConverter,
} from './export.js';
export { attr as onnxAttr, type OnnxAttr } from './onnx_proto.js';
