/** The recurrent layers: cells, the RNN layer, SimpleRNN, LSTM, GRU, ConvLSTM and the wrappers. */
export { RNNCell, type RNNStep, BaseRNNCell, type BaseRNNCellArgs } from './cell.js';
export { RNN, type RNNArgs, type RNNBaseArgs, type RNNCallOptions } from './rnn.js';
export { StackedRNNCells, type StackedRNNCellsArgs } from './stacked_cells.js';
export {
  SimpleRNN,
  type SimpleRNNArgs,
  SimpleRNNCell,
  type SimpleRNNCellArgs,
} from './simple_rnn.js';
export { LSTM, type LSTMArgs, LSTMCell, type LSTMCellArgs } from './lstm.js';
export { GRU, type GRUArgs, GRUCell, type GRUCellArgs } from './gru.js';
export {
  Bidirectional,
  type BidirectionalArgs,
  type MergeMode,
  TimeDistributed,
  type TimeDistributedArgs,
} from './wrappers.js';
export {
  ConvLSTM1D,
  ConvLSTM2D,
  type ConvLSTMArgs,
  ConvLSTMCell,
  type ConvLSTMCellArgs,
} from './conv_lstm.js';
