#!/usr/bin/env node
/**
 * The `tessera` command line: `tessera demo` trains the quick-start model, `tessera convert`
 * converts between `.keras`, legacy `.h5` (read) and TF.js `model.json`, and exports any of
 * them to ONNX (`out.onnx`), `tessera summary` prints the summary of a model file, and
 * `tessera train | evaluate | predict` train from a config or script, and evaluate or predict
 * with a saved model on `.npy` arrays (`cli/train.ts`).
 */
// The Node backends (native, wasm) register here, as the package entry registers them.
import '../backend/node_backends.js';
import { runDemo } from './demo.js';

const USAGE = `usage: tessera <command> [arguments]

commands:
  demo                 train a small network on the embedded 8x8 digits and print test accuracy
  convert <in> <out>   convert a model: .keras, .h5 (read only) or a TF.js model.json / directory;
                       an <out> ending in .onnx exports the inference graph to ONNX
  summary <model>      print the summary of a .keras, .h5 or TF.js model
  train <config|script>
                       train from a JSON config (model, data, compile, fit, out) or a JS/TS
                       module exporting model and data; saves the model and its curves (.svg)
  evaluate <model> <x> <y>
                       loss and metrics of a saved, compiled model on .npy arrays (file.npz:key too)
  predict <model> <x> [out.npy]
                       predictions of a model on a .npy array, printed or written as .npy
  help                 show this message`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'demo':
      await runDemo();
      return 0;
    case 'convert': {
      if (rest.length !== 2) {
        console.error(`tessera convert: needs <in> and <out>\n\n${USAGE}`);
        return 2;
      }
      const { loadModel, saveModel } = await import('../io/save_load.js');
      const toOnnx = rest[1]!.toLowerCase().endsWith('.onnx');
      const model = await loadModel(rest[0]!, { compile: !toOnnx });
      if (toOnnx) {
        const { exportOnnx } = await import('../io/onnx/index.js');
        await exportOnnx(model, rest[1]!);
      } else await saveModel(model, rest[1]!);
      console.log(
        `converted ${rest[0]} → ${rest[1]} (${model.countParams().toLocaleString('en-US')} parameters)`,
      );
      return 0;
    }
    case 'summary': {
      if (rest.length !== 1) {
        console.error(`tessera summary: needs one model path\n\n${USAGE}`);
        return 2;
      }
      const { loadModel } = await import('../io/save_load.js');
      const model = await loadModel(rest[0]!, { compile: false });
      model.summary();
      return 0;
    }
    case 'train': {
      if (rest.length !== 1) {
        console.error(`tessera train: needs one config or script\n\n${USAGE}`);
        return 2;
      }
      const { trainCommand } = await import('./train.js');
      await trainCommand(rest[0]!);
      return 0;
    }
    case 'evaluate': {
      if (rest.length !== 3) {
        console.error(`tessera evaluate: needs <model> <x> <y>\n\n${USAGE}`);
        return 2;
      }
      const { evaluateCommand } = await import('./train.js');
      await evaluateCommand(rest[0]!, rest[1]!, rest[2]!);
      return 0;
    }
    case 'predict': {
      if (rest.length !== 2 && rest.length !== 3) {
        console.error(`tessera predict: needs <model> <x> [out.npy]\n\n${USAGE}`);
        return 2;
      }
      const { predictCommand } = await import('./train.js');
      await predictCommand(rest[0]!, rest[1]!, rest[2]);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`tessera: unknown command '${cmd}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`tessera: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
