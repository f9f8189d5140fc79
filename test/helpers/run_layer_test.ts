/**
 * `runLayerTest`: the Keras-style check every layer family runs (as Keras's
 * `testing.TestCase.run_layer_test`). Given a layer class (or a factory) and its options, it
 *
 * 1. builds the layer on a seeded random input and checks the output shape, and that
 *    `computeOutputShape` agrees with it;
 * 2. checks the number of weights (all / trainable / non-trainable), their shapes and
 *    `countParams`;
 * 3. applies a fresh layer to `input({shape})` placeholders: same shape, batch axis `null`;
 * 4. round-trips `getConfig` through JSON and `fromConfig` (and the `layer` registry) into an
 *    equal config, and checks that the rebuilt layer, given the same weights, computes the
 *    same output (in inference mode);
 * 5. checks gradients numerically (float64, js backend) with respect to the input(s) and every
 *    trainable weight (see {@link checkLayerGradients});
 * 6. takes one SGD step on the mean squared error against a random target and checks that the
 *    loss went down;
 * 7. runs the training-mode loss and its gradients as a compiled step (traced twice, replayed
 *    from the third call) on the active backend and checks they equal the eager ones.
 */
import { expect } from 'vitest';
import { customGrad, variableGrads } from '../../src/autograd/grad.js';
import { computeGradients, isGradEnabled, noGrad } from '../../src/autograd/tape.js';
import { getBackend, setBackend } from '../../src/backend/registry.js';
import { CompiledStep } from '../../src/engine/step.js';
import { input } from '../../src/layers/input_layer.js';
import { type CallOptions, type Layer, isShapeList } from '../../src/layers/layer.js';
import type { SymbolicShape } from '../../src/layers/symbolic.js';
import { zerosLike } from '../../src/ops/creation.js';
import { concat } from '../../src/ops/movement.js';
import { randomNormal, randomUniform, setSeed } from '../../src/ops/random.js';
import { type Config, deserialize, lookupSerializable } from '../../src/serialization.js';
import { type DType, isFloat } from '../../src/tensor/dtype.js';
import type { StringTensor } from '../../src/tensor/string_tensor.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectClose } from './expect_close.js';
import { type GradCheckOptions, gradCheck } from './grad_check.js';

/** A layer class as `runLayerTest` needs it: constructible from options, with `fromConfig`. */
export interface LayerClass {
  new (args: never): Layer;
  readonly className: string;
  fromConfig(config: Config): Layer;
}

/** What {@link runLayerTest} checks. */
export interface LayerTestSpec {
  /** The layer class, constructed as `new cls({...args, ...overrides})`. */
  cls?: LayerClass;
  /** A factory instead of `cls`; receives `{...args, ...overrides}` (e.g. `dtype: 'float64'`). */
  make?: (args: Record<string, unknown>) => Layer;
  /** Layer options (default `{}`). */
  args?: Record<string, unknown>;
  /** Shape of the test input, batch axis included. */
  inputShape?: readonly number[];
  /** Shapes of several inputs (merge layers), batch axes included. */
  inputShapes?: readonly (readonly number[])[];
  /**
   * Fixed inputs instead of random ones (text layers take strings; lookups take known
   * tokens): their shapes replace `inputShape`, and a string tensor makes a string `input()`.
   */
  inputValues?: readonly (Tensor | StringTensor)[];
  /** Dtype of the input(s) (default float32). Integer inputs are drawn from `inputRange`. */
  inputDType?: DType;
  /** Range `[lo, hi)` of the random input values (default [-1, 1); ints: [0, 10)). */
  inputRange?: readonly [number, number];
  /** Expected output shape (batch included), or one shape per output for multi-output layers. */
  expectedOutputShape: readonly number[] | readonly (readonly number[])[];
  expectedNumWeights?: number;
  expectedNumTrainableWeights?: number;
  expectedNumNonTrainableWeights?: number;
  /** Shapes of `layer.weights`, in order. */
  expectedWeightShapes?: readonly (readonly number[])[];
  /** Check gradients numerically w.r.t. the input(s) and the trainable weights (default true). */
  gradCheck?: boolean;
  /** Tolerances of the gradient check. */
  gradCheckOptions?: GradCheckOptions;
  /**
   * Take one SGD step on mean((y − target)²) and check the loss drops (default true; skipped
   * when the layer has no trainable weights).
   */
  trainingStep?: boolean;
  /** SGD learning rate of the training step (default 0.01). */
  learningRate?: number;
  /**
   * Call options for the forward passes (default `{}`: inference mode). With
   * `training: true` the global generator is reseeded before every forward pass of the
   * gradient check, so dropout-like layers drawing from it keep one mask; the config round
   * trip always compares outputs in inference mode.
   */
  callOptions?: CallOptions;
  /** Seed of the random input, target and weights (default 1234). */
  seed?: number;
  /** Compare a compiled step of the loss and gradients with eager (default true). */
  compiledCheck?: boolean;
}

/** What {@link runLayerTest} returns, for further checks. */
export interface LayerTestResult {
  layer: Layer;
  inputs: Tensor[];
  output: Tensor | Tensor[];
}

function factory(spec: LayerTestSpec): (overrides?: Record<string, unknown>) => Layer {
  const args = spec.args ?? {};
  if (spec.make) {
    const make = spec.make;
    return (o = {}) => make({ ...args, ...o });
  }
  if (!spec.cls) throw new Error('runLayerTest: give cls or make');
  const cls = spec.cls;
  return (o = {}) => new cls({ ...args, ...o } as never);
}

function inputShapesOf(spec: LayerTestSpec): { shapes: (readonly number[])[]; multi: boolean } {
  if (spec.inputValues)
    return {
      shapes: spec.inputValues.map((t) => [...t.shape]),
      multi: spec.inputValues.length > 1,
    };
  if (spec.inputShapes) return { shapes: [...spec.inputShapes], multi: true };
  if (spec.inputShape) return { shapes: [spec.inputShape], multi: false };
  throw new Error('runLayerTest: give inputShape or inputShapes');
}

function expectedShapes(spec: LayerTestSpec): { shapes: (readonly number[])[]; multi: boolean } {
  const e = spec.expectedOutputShape;
  return isShapeList(e)
    ? { shapes: [...(e as (readonly number[])[])], multi: true }
    : { shapes: [e as readonly number[]], multi: false };
}

/** Seeded random inputs of the given shapes and dtype. */
function makeInputs(
  spec: LayerTestSpec,
  shapes: (readonly number[])[],
  dtype: DType,
  seed: number,
): Tensor[] {
  if (spec.inputValues) return spec.inputValues.map((t) => t as unknown as Tensor);
  const intInput = !isFloat(dtype);
  const [lo, hi] = spec.inputRange ?? (intInput ? [0, 10] : [-1, 1]);
  return shapes.map((s, i) => randomUniform(s, lo, hi, { dtype, seed: seed + 17 * i }));
}

function callLayer(
  layer: Layer,
  xs: Tensor[],
  multiIn: boolean,
  multiOut: boolean,
  opts: CallOptions,
): Tensor[] {
  const arg = multiIn ? xs : xs[0]!;
  return multiOut ? layer.applyMulti(arg, opts) : [layer.apply(arg, opts)];
}

/** All outputs flattened and joined into one rank-1 tensor (a single output is returned as is). */
function joinOutputs(ys: Tensor[]): Tensor {
  return ys.length === 1
    ? ys[0]!
    : concat(
        ys.map((y) => y.reshape([-1])),
        0,
      );
}

/**
 * Runs the Keras-style layer checks listed in this file's header. Fails the current test with
 * a message naming the failing check.
 *
 * @example
 * runLayerTest({ cls: Dense, args: { units: 3 }, inputShape: [2, 4], expectedOutputShape: [2, 3],
 *   expectedNumWeights: 2, expectedWeightShapes: [[4, 3], [3]] });
 */
export function runLayerTest(spec: LayerTestSpec): LayerTestResult {
  const make = factory(spec);
  const seed = spec.seed ?? 1234;
  const dtype = spec.inputDType ?? 'float32';
  const { shapes, multi: multiIn } = inputShapesOf(spec);
  const { shapes: outShapes, multi: multiOut } = expectedShapes(spec);
  const opts = spec.callOptions ?? {};

  // 1. Build and call on concrete data.
  setSeed(seed);
  const xs = makeInputs(spec, shapes, dtype, seed);
  const layer = make();
  const ys = callLayer(layer, xs, multiIn, multiOut, opts);
  expect(layer.built, 'layer.built after the first call').toBe(true);
  expect(
    ys.map((y) => [...y.shape]),
    'output shape',
  ).toEqual(outShapes.map((s) => [...s]));
  const computed = layer.computeOutputShape(multiIn ? shapes : shapes[0]!);
  expect(computed, 'computeOutputShape on the concrete input shape').toEqual(
    multiOut ? outShapes.map((s) => [...s]) : [...outShapes[0]!],
  );

  // 2. Weights.
  const ws = layer.weights;
  if (spec.expectedNumWeights !== undefined)
    expect(ws.length, 'number of weights').toBe(spec.expectedNumWeights);
  if (spec.expectedNumTrainableWeights !== undefined) {
    expect(layer.trainableWeights.length, 'number of trainable weights').toBe(
      spec.expectedNumTrainableWeights,
    );
  }
  if (spec.expectedNumNonTrainableWeights !== undefined) {
    expect(layer.nonTrainableWeights.length, 'number of non-trainable weights').toBe(
      spec.expectedNumNonTrainableWeights,
    );
  }
  if (spec.expectedWeightShapes !== undefined) {
    expect(
      ws.map((w) => [...w.shape]),
      'weight shapes',
    ).toEqual(spec.expectedWeightShapes.map((s) => [...s]));
  }
  expect(layer.countParams(), 'countParams').toBe(ws.reduce((n, w) => n + w.size, 0));
  expect(layer.getWeights().length, 'getWeights().length').toBe(ws.length);

  // 3. Symbolic application: same shapes, batch axis null.
  const symLayer = make();
  const syms = shapes.map((s, i) => {
    const v = spec.inputValues?.[i];
    return input({ shape: s.slice(1), dtype: v ? (v.dtype as DType | 'string') : dtype });
  });
  const symOut = multiOut
    ? symLayer.applyMulti(multiIn ? syms : syms[0]!, opts)
    : [symLayer.apply(multiIn ? syms : syms[0]!, opts)];
  const nullBatch = (s: readonly number[]): SymbolicShape => s.map((d, i) => (i === 0 ? null : d));
  expect(
    symOut.map((t) => [...t.shape]),
    'symbolic output shape',
  ).toEqual(outShapes.map(nullBatch));
  expect(symLayer.weights.length, 'weights after a symbolic call').toBe(ws.length);

  // 4. Config round trip.
  const config = layer.getConfig();
  const json = JSON.parse(JSON.stringify(config)) as Config;
  expect(json, 'getConfig() is plain JSON').toStrictEqual(config);
  const cls = layer.constructor as unknown as LayerClass;
  expect(
    lookupSerializable('layer', layer.className),
    `'${layer.className}' is registered as a layer`,
  ).toBe(cls);
  // As a .keras archive restores a layer: config, then its assets (a learnt vocabulary).
  const assets = layer.saveAssets();
  const withAssets = (l: Layer) => {
    if (assets) l.loadAssets(new Map(Object.entries(assets)), 'assets');
    return l;
  };
  const rebuilt = withAssets(cls.fromConfig(json));
  expect(rebuilt, 'fromConfig gives the same class').toBeInstanceOf(cls);
  expect(rebuilt.getConfig(), 'config after fromConfig').toStrictEqual(config);
  const viaRegistry = withAssets(
    deserialize<Layer>('layer', { className: layer.className, config: json }),
  );
  expect(viaRegistry.getConfig(), 'config after deserialize').toStrictEqual(config);
  // Compared in inference mode: training-mode randomness (dropout) is not part of the config.
  const infer: CallOptions = { ...opts, training: false };
  callLayer(rebuilt, xs, multiIn, multiOut, infer);
  rebuilt.setWeights(layer.getWeights());
  const base = callLayer(layer, xs, multiIn, multiOut, infer);
  const again = callLayer(rebuilt, xs, multiIn, multiOut, infer);
  again.forEach((y, i) => expectClose(y, base[i]!, { rtol: 1e-6, atol: 1e-6 }));

  // 5. Gradients.
  if (spec.gradCheck ?? true) {
    checkLayerGradients(() => make({ dtype: 'float64' }), shapes, multiIn, multiOut, {
      dtype: isFloat(dtype) ? 'float64' : dtype,
      range: spec.inputRange,
      seed,
      opts,
      gradOpts: spec.gradCheckOptions,
    });
  }

  // 6. One training step.
  if ((spec.trainingStep ?? true) && layer.trainableWeights.length > 0) {
    trainingStep(layer, xs, multiIn, multiOut, spec.learningRate ?? 0.01, seed, opts);
  }

  // 7. The compiled path agrees with eager.
  if (spec.compiledCheck ?? true) compiledMatchesEager(layer, xs, multiIn, multiOut, seed, opts);

  return { layer, inputs: xs, output: multiOut ? ys : ys[0]! };
}

/** Options of {@link checkLayerGradients}. */
export interface LayerGradCheckOptions {
  /** Input dtype: float64 for float inputs (checked), or an integer dtype (held fixed). */
  dtype?: DType;
  range?: readonly [number, number];
  seed?: number;
  opts?: CallOptions;
  gradOpts?: GradCheckOptions;
}

/**
 * Checks, in float64 on the js backend, the gradient of a layer's output with respect to its
 * float inputs and to each of its trainable weights against central differences.
 *
 * How the weights are checked: the checked function receives the weight values as arguments,
 * assigns them into the layer's own variables, and runs the layer's ordinary `call` (so the
 * gradient really flows through the variables, as in training). Its output is passed through
 * a `customGrad` bridge whose backward runs the recorded graph of that call back to the
 * inputs and the variables, and hands the variables' gradients to the weight arguments.
 * Central differences perturb the same arguments, i.e. the variables' values, so a layer that
 * reads a weight through a detached copy, or whose op has a wrong backward, fails here.
 */
export function checkLayerGradients(
  makeF64: () => Layer,
  shapes: readonly (readonly number[])[],
  multiIn: boolean,
  multiOut: boolean,
  o: LayerGradCheckOptions = {},
): void {
  const previous = getBackend().name;
  setBackend('js');
  try {
    const dtype = o.dtype ?? 'float64';
    const seed = o.seed ?? 1234;
    const opts = o.opts ?? {};
    const layer = makeF64();
    expect(layer.dtype, 'gradient check: the layer must accept dtype float64').toBe('float64');
    const spec: LayerTestSpec = { inputRange: o.range, expectedOutputShape: [] };
    const xs = makeInputs(spec, [...shapes], dtype, seed + 1);
    setSeed(seed);
    noGrad(() => callLayer(layer, xs, multiIn, multiOut, opts)); // builds the weights
    const vars = layer.trainableWeights;
    const floatIdx = xs.flatMap((x, i) => (isFloat(x.dtype) ? [i] : []));
    const nIn = floatIdx.length;

    const fn = (...args: Tensor[]): Tensor => {
      const xIn = args.slice(0, nIn);
      const wIn = args.slice(nIn);
      noGrad(() => vars.forEach((v, i) => v.assign(wIn[i]!)));
      const full = xs.map((x) => x);
      floatIdx.forEach((j, k) => {
        full[j] = xIn[k]!;
      });
      setSeed(seed);
      const y = joinOutputs(callLayer(layer, full, multiIn, multiOut, opts));
      if (!isGradEnabled()) return y;
      // The bridge: y's gradient to the inputs and variables, handed to the arguments.
      const targets: Tensor[] = [...xIn, ...vars];
      const bridge = customGrad(() => ({
        value: y,
        gradFunc: (dy) => {
          const map = computeGradients([y], [dy], new Set(targets));
          return targets.map((t) => map.get(t) ?? zerosLike(t));
        },
      }));
      return bridge(...xIn, ...wIn);
    };

    const args = [...floatIdx.map((j) => xs[j]!), ...vars.map((v) => v.value())];
    if (args.length === 0) return;
    gradCheck(fn, args, o.gradOpts);
  } finally {
    setBackend(previous);
  }
}

/**
 * The training-mode loss mean((y − target)²) and its gradients to the trainable weights and
 * the float inputs, and the inference-mode output, run as a compiled step three times (the
 * third replays the graph) and once eagerly from the same weights and seed: the results must
 * agree to float32 tolerance. Steps that cannot be compiled (a host read) are not compared,
 * nor random ones drawing from a layer's private seeded generator.
 */
function compiledMatchesEager(
  layer: Layer,
  xs: Tensor[],
  multiIn: boolean,
  multiOut: boolean,
  seed: number,
  callOpts: CallOptions,
): void {
  const vars = layer.trainableWeights;
  const train: CallOptions = { ...callOpts, training: true };
  const y0 = noGrad(() => joinOutputs(callLayer(layer, xs, multiIn, multiOut, train)));
  if (!isFloat(y0.dtype)) return;
  const target = randomNormal([...y0.shape], 0, 1, { dtype: y0.dtype, seed: seed + 7 });
  const run = (ins: Tensor[]): Tensor[] => {
    const { value, grads } = variableGrads(
      () =>
        joinOutputs(callLayer(layer, ins, multiIn, multiOut, train))
          .squaredDifference(target)
          .mean(),
      vars,
    );
    const infer = joinOutputs(
      callLayer(layer, ins, multiIn, multiOut, { ...callOpts, training: false }),
    );
    return [value, infer, ...grads.filter((g): g is Tensor => g !== null)];
  };
  // Every call starts from the same weights and state (BatchNormalization's moving statistics
  // move on each training call).
  const saved = layer.getWeights();
  const step = new CompiledStep('runLayerTest', 'auto');
  let compiled: Tensor[] = [];
  for (let i = 0; i < 3; i++) {
    layer.setWeights(saved);
    setSeed(seed);
    compiled = step.call(xs, () => layer.weights, run);
  }
  const info = step.info();
  if (info.compiled.length === 0) return;
  // Random draws replay from the generator current at each call: the global one is reseeded
  // before every call here, so they repeat; a layer's private seeded generator moves on.
  const own = (layer.getConfig() as { seed?: unknown }).seed;
  if (info.compiled[0]!.stats.random > 0 && own !== null && own !== undefined) return;
  layer.setWeights(saved);
  setSeed(seed);
  const eager = run(xs);
  expect(compiled.length, 'compiled step: number of outputs').toBe(eager.length);
  compiled.forEach((t, i) => {
    expect([...t.shape], `compiled step: shape of output ${i}`).toEqual([...eager[i]!.shape]);
    expectClose(t, eager[i]!, { rtol: 1e-5, atol: 1e-6 });
  });
}

/** One SGD step on mean((y − target)²); the loss must drop and every weight get a gradient. */
function trainingStep(
  layer: Layer,
  xs: Tensor[],
  multiIn: boolean,
  multiOut: boolean,
  lr: number,
  seed: number,
  callOpts: CallOptions,
): void {
  const vars = layer.trainableWeights;
  const opts: CallOptions = { ...callOpts, training: true };
  const y0 = noGrad(() => joinOutputs(callLayer(layer, xs, multiIn, multiOut, opts)));
  const target = randomNormal([...y0.shape], 0, 1, { dtype: y0.dtype, seed: seed + 99 });
  const loss = () => {
    setSeed(seed);
    return joinOutputs(callLayer(layer, xs, multiIn, multiOut, opts))
      .squaredDifference(target)
      .mean();
  };
  const { value, grads } = variableGrads(loss, vars);
  grads.forEach((g, i) =>
    expect(g, `training step: gradient of '${vars[i]!.name}'`).not.toBeNull(),
  );
  noGrad(() => vars.forEach((v, i) => v.assign(v.value().sub(grads[i]!.mul(lr)))));
  const after = noGrad(loss);
  expect(after.item(), 'training step: loss after one SGD step').toBeLessThan(value.item());
}

export { Tensor };
