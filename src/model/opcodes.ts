/**
 * The compiled network's constants, shared by TypeScript and the Wasm kernels: op codes, activation codes,
 * the field offsets of one node's row in the layer table, and the words of the network descriptor.
 * assembly/graph/opcodes.ts mirrors every constant here under the same name (test/model/opcodes.test.ts
 * checks that they agree); change both together.
 */
import type { ActivationName } from "./types.js";

/** Op codes of compiled nodes. */
export const OP_DENSE = 1;
export const OP_CONV = 2;
export const OP_MAXPOOL = 3;
export const OP_AVGPOOL = 4;
export const OP_GAP = 5;
export const OP_AFFINE = 6;
export const OP_ADD = 7;
export const OP_CONCAT = 8;
export const OP_ACT = 9;

/** Activation codes (the one definition; assembly/activation.ts uses the same numbers). */
export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_LEAKY = 2;
export const ACT_SIGMOID = 3;
export const ACT_TANH = 4;
export const ACT_SOFTPLUS = 5;

export const ACT_CODE: Readonly<Record<ActivationName, number>> = {
  linear: ACT_LINEAR,
  relu: ACT_RELU,
  leakyRelu: ACT_LEAKY,
  sigmoid: ACT_SIGMOID,
  tanh: ACT_TANH,
  softplus: ACT_SOFTPLUS,
};

/**
 * Field offsets (i32) in one node's row of the layer table (NODE_STRIDE i32 per node). Inputs are compiled
 * node indices (−1 = the model input). With more than two inputs, F_INPUT1 holds the offset (in i32, from
 * the table's start) of a list of all F_N_INPUTS input indices appended after the node rows.
 * h, w, c: the (first) input's shape, oh, ow, oc: the output's ([n] is stored as 1, 1, n).
 * Offsets into a point's blocks: F_VALUE_OFFSET (values), F_PRE_OFFSET (pre-activations; −1 when act is
 * linear), F_PATTERN_OFFSET (first pattern bit; −1 if none), F_ARG_OFFSET (max-pool argmax; −1 otherwise).
 * Offsets into `params` (elements; −1 when absent): F_WEIGHT_OFFSET (dense [in, out], conv
 * [kh, kw, c/groups, oc], affine scale [C]), F_BIAS_OFFSET (bias, or the affine shift), F_WEIGHT_T_OFFSET
 * (dense [out, in]), F_ALPHA_OFFSET (one value: the leaky-ReLU slope).
 */
export const F_OP = 0;
export const F_ACT = 1;
export const F_N_INPUTS = 2;
export const F_INPUT0 = 3;
export const F_INPUT1 = 4;
export const F_IN_SIZE = 5;
export const F_OUT_SIZE = 6;
export const F_H = 7;
export const F_W = 8;
export const F_C = 9;
export const F_OH = 10;
export const F_OW = 11;
export const F_OC = 12;
export const F_KH = 13;
export const F_KW = 14;
export const F_SH = 15;
export const F_SW = 16;
export const F_DH = 17;
export const F_DW = 18;
export const F_PAD_T = 19;
export const F_PAD_L = 20;
export const F_PAD_B = 21;
export const F_PAD_R = 22;
export const F_GROUPS = 23;
export const F_FLAGS = 24;
export const F_VALUE_OFFSET = 25;
export const F_PRE_OFFSET = 26;
export const F_PATTERN_OFFSET = 27;
export const F_PATTERN_UNITS = 28;
export const F_WEIGHT_OFFSET = 29;
export const F_BIAS_OFFSET = 30;
export const F_WEIGHT_T_OFFSET = 31;
export const F_ARG_OFFSET = 32;
export const F_ALPHA_OFFSET = 33;
export const NODE_STRIDE = 34;

/** F_FLAGS bits. */
export const FLAG_CEIL_MODE = 1;
export const FLAG_COUNT_INCLUDE_PAD = 2;

/**
 * The network descriptor: NET_WORDS i32 at one pointer, what every graph kernel takes as `net`.
 * NET_TABLE / NET_PARAMS are byte pointers to the table (i32) and to the params in the kernel's precision.
 */
export const NET_TABLE = 0;
export const NET_PARAMS = 1;
export const NET_NODES = 2;
export const NET_INPUT_SIZE = 3;
export const NET_OUTPUT_SIZE = 4;
export const NET_VALUE_SIZE = 5;
export const NET_PRE_SIZE = 6;
export const NET_ARG_SIZE = 7;
export const NET_PATTERN_BITS = 8;
export const NET_PATTERN_WORDS = 9;
export const NET_OUTPUT_NODE = 10;
export const NET_MAX_WIDTH = 11;
export const NET_WORDS = 12;

/** The input pseudo-node (its values are the first block of a point's values, offset 0). */
export const NODE_INPUT = -1;
