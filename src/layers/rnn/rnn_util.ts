/**
 * Helpers the recurrent layers and wrappers share (not part of the `layers` namespace): the
 * first of a mask argument, and `initialState` folded into the inputs.
 */
import { ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CallOptions, Layer } from '../layer.js';

/** The first mask of a (possibly per-input) mask argument, as Keras's `tree.flatten(mask)[0]`. */
export function firstMask(mask: CallOptions['mask']): Tensor | null {
  if (Array.isArray(mask)) return mask[0] ?? null;
  return mask ?? null;
}

/** Folds `opts.initialState` into the inputs list, as Keras turns `initial_state` into inputs. */
export function foldInitialState(
  layer: Layer,
  inputs: unknown,
  // The call options of a recurrent layer (RNNCallOptions), written structurally so this file
  // does not import rnn.ts back.
  opts: CallOptions & { initialState?: unknown },
): [unknown, CallOptions] {
  const { initialState, ...rest } = opts;
  if (initialState === undefined || initialState === null) return [inputs, rest];
  const states = Array.isArray(initialState) ? [...initialState] : [initialState];
  if (Array.isArray(inputs) && inputs.length !== 1) {
    throw new ValueError(
      `${layer.name} (${layer.className}): initial states given both as extra inputs and as initialState`,
    );
  }
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  return [[x, ...states], rest];
}
