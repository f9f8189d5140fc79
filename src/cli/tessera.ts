#!/usr/bin/env node
/**
 * The `tessera` command line: `tessera demo` trains the quick-start model, `tessera convert`
 * converts between `.keras`, legacy `.h5` (read) and TF.js `model.json`, and exports any of
 * them to ONNX (`out.onnx`), `tessera summary` prints the summary of a model file.
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
