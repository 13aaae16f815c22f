// Why a leaf walk stopped (leafExactF64, leafSmoothF64): the codes of STOP_REASONS in src/analyses/leaf.ts.
export const STOP_LENGTH = 0;
export const STOP_TARGET = 1;
export const STOP_BOX = 2;
export const STOP_ORTHOGONAL = 3;
export const STOP_TRAPPED = 4;
export const STOP_VERTICES = 5;
export const STOP_NONFINITE = 6;
