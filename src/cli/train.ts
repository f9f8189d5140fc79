/**
 * `tessera train | evaluate | predict` on the command line. `train` takes a JSON config (a
 * model file or inline Keras config, data as `.npy`/`.npz` files or a built-in dataset,
 * compile and fit options) or a JS/TS ES module exporting `model` and `data` (an ES module, so
 * that it shares the library's instances with the command); it trains with the
 * progress bar, saves the model and writes the training curves as SVG beside it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadDigits } from '../datasets/digits.js';
import { floatTensor, intTensor } from '../datasets/keras_files.js';
import { ValueError } from '../errors.js';
import { modelFromKerasConfig } from '../io/keras_config.js';
import { parseNpy, readNpz, writeNpy } from '../io/npy.js';
import { loadModel, saveModel } from '../io/save_load.js';
import type { Model } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { pngRenderer } from '../vis/png.js';

/** A `tessera train` config file. */
export interface TrainConfig {
  /** A model file (.keras, .h5, model.json) or an inline Keras config (`{class_name, config}`). */
  model: string | Record<string, unknown>;
  /**
   * Training data: `{ x: 'x.npy', y: 'y.npy' }`, `{ npz: 'data.npz', x: 'key', y: 'key' }`, or
   * `{ dataset: 'digits' }` (the embedded 8×8 digits; its test split is evaluated at the end).
   */
  data: { x?: string; y?: string; npz?: string; dataset?: 'digits' };
  /** `model.compile` options (required unless the model file carries its compile config). */
  compile?: Record<string, unknown>;
  /** `model.fit` options: epochs, batchSize, validationSplit, shuffle… */
  fit?: Record<string, unknown>;
  /** Where to save the trained model (default `model.keras` beside the config). */
  out?: string;
}

/** What a train script (a JS/TS module) exports. */
export interface TrainScript {
  model: Model | (() => Model | Promise<Model>);
  data:
    | { x: Tensor; y: Tensor }
    | (() => { x: Tensor; y: Tensor } | Promise<{ x: Tensor; y: Tensor }>);
  fit?: Record<string, unknown>;
  out?: string;
}

/** An array file (`.npy`, or `file.npz:key`) as a tensor. */
export async function readArray(spec: string, base = '.'): Promise<Tensor> {
  const [file, key] = spec.includes('.npz:') ? spec.split(/(?<=\.npz):/) : [spec, undefined];
  const bytes = new Uint8Array(await readFile(resolve(base, file!)));
  const arr = key !== undefined ? readNpz(bytes).get(key) : parseNpy(bytes, file);
  if (!arr) throw new ValueError(`tessera: '${file}' has no array '${key}'`);
  return arr.dtype.startsWith('float') ? floatTensor(arr, spec) : intTensor(arr, spec);
}

async function trainData(
  c: TrainConfig['data'],
  base: string,
): Promise<{ x: Tensor; y: Tensor; test?: { x: Tensor; y: Tensor } }> {
  if (c.dataset === 'digits') {
    const d = loadDigits();
    return { x: d.xTrain, y: d.yTrain, test: { x: d.xTest, y: d.yTest } };
  }
  if (c.dataset !== undefined)
    throw new ValueError(`tessera train: unknown dataset '${c.dataset}' (built in: digits)`);
  if (!c.x || !c.y)
    throw new ValueError("tessera train: data needs 'x' and 'y' (.npy files, or keys with 'npz')");
  const at = (k: string) => (c.npz ? `${c.npz}:${k}` : k);
  return { x: await readArray(at(c.x), base), y: await readArray(at(c.y), base) };
}

/** Prints a result line per metric. */
function printLogs(print: (s: string) => void, logs: Record<string, number>): void {
  print(
    Object.entries(logs)
      .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
      .join(' - '),
  );
}

/**
 * `tessera train <config.json | script.js/.ts>`: trains, saves the model and the curves
 * (`<out>.curves.svg`, and `<out>.curves.png` where `@resvg/resvg-wasm` is installed), and
 * returns where they went.
 *
 * Formula: none (a driver of compile and fit).
 *
 * Shape: not applicable.
 * @example await trainCommand('train.json'); // { model: 'model.keras', curves: 'model.curves.svg' }
 */
export async function trainCommand(
  source: string,
  opts: { verbose?: 0 | 1 | 2; print?: (s: string) => void } = {},
): Promise<{ model: string; curves: string; png: string | null; logs: Record<string, number> }> {
  const print = opts.print ?? console.log;
  const path = resolve(source);
  const base = dirname(path);
  let model: Model;
  let data: { x: Tensor; y: Tensor; test?: { x: Tensor; y: Tensor } };
  let fit: Record<string, unknown>;
  let out: string;
  if (/\.(m?[jt]s)$/.test(path)) {
    const mod = (await import(pathToFileURL(path).href)) as Partial<TrainScript>;
    if (!mod.model || !mod.data)
      throw new ValueError(`tessera train: ${source} must export 'model' and 'data'`);
    model = typeof mod.model === 'function' ? await mod.model() : mod.model;
    data = typeof mod.data === 'function' ? await mod.data() : mod.data;
    fit = mod.fit ?? {};
    out = resolve(base, mod.out ?? 'model.keras');
  } else {
    const cfg = JSON.parse(await readFile(path, 'utf8')) as TrainConfig;
    if (!cfg || typeof cfg !== 'object' || !cfg.model || !cfg.data)
      throw new ValueError(`tessera train: ${source} needs 'model' and 'data'`);
    model =
      typeof cfg.model === 'string'
        ? await loadModel(resolve(base, cfg.model))
        : modelFromKerasConfig(cfg.model);
    if (cfg.compile) model.compile(cfg.compile as never);
    data = await trainData(cfg.data, base);
    fit = cfg.fit ?? {};
    out = resolve(base, cfg.out ?? 'model.keras');
  }
  if (!model.compileInfo)
    throw new ValueError("tessera train: the model is not compiled; give 'compile' options");
  const history = await model.fit(data.x, data.y, { verbose: opts.verbose ?? 1, ...fit });
  await saveModel(model, out);
  const curves = `${out.replace(/\.keras$/, '')}.curves.svg`;
  await history.plot(curves);
  // And as PNG where the optional renderer is installed.
  const png = (await pngRenderer()).ok ? curves.replace(/\.svg$/, '.png') : null;
  if (png) await history.plot(png);
  let logs: Record<string, number> = {};
  if (data.test) {
    logs = model.evaluate(data.test.x, data.test.y);
    print('test:');
    printLogs(print, logs);
  }
  print(`saved ${out} and its training curves ${curves}${png ? ` and ${png}` : ''}`);
  return { model: out, curves, png, logs };
}

/** `tessera evaluate <model> <x> <y>`: the model's loss and metrics on the arrays. */
export async function evaluateCommand(
  modelPath: string,
  x: string,
  y: string,
  print: (s: string) => void = console.log,
): Promise<Record<string, number>> {
  const model = await loadModel(modelPath);
  if (!model.compileInfo)
    throw new ValueError(`tessera evaluate: ${modelPath} holds no compile config to evaluate with`);
  const logs = model.evaluate(await readArray(x), await readArray(y));
  printLogs(print, logs);
  return logs;
}

/** `tessera predict <model> <x> [out.npy]`: predictions, written as .npy or printed. */
export async function predictCommand(
  modelPath: string,
  x: string,
  out?: string,
  print: (s: string) => void = console.log,
): Promise<Tensor> {
  const model = await loadModel(modelPath, { compile: false });
  const y = model.predict(await readArray(x));
  const pred = Array.isArray(y) ? y[0]! : y;
  if (out) {
    await writeFile(
      out,
      writeNpy({ dtype: 'float32', data: Float32Array.from(pred.dataSync()), shape: pred.shape }),
    );
    print(`wrote ${out} (${pred.shape.join('×')})`);
  } else print(JSON.stringify(pred.arraySync()));
  return pred;
}
