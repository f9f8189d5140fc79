/**
 * The ONNX browser test's page script: a small CNN and an LSTM built from weights handed in by
 * the test, exported with `onnxBytes` in the page (no Node built-ins reachable).
 */
import { onnxBytes } from '../../src/io/onnx/index.js';
import { buildOnnxZoo } from './onnx_zoo.js';

Object.assign(globalThis, {
  exportZoo: (weights: number[][][]) => buildOnnxZoo(weights).map((m) => Array.from(onnxBytes(m))),
});
