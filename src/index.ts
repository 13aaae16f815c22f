export * from "./errors.js";
export { Model } from "./model/model.js";
export type * from "./model/types.js";
export { createEngine, Engine, type EngineOptions, type CallOptions } from "./engine/engine.js";
export type { BatchInput } from "./engine/batch.js";
export type { ForwardOptions, ForwardResult, LayerValues } from "./analyses/forward.js";
export type { JacobianOptions, JacobianOutput, JacobianResult } from "./analyses/jacobian.js";
export type { DimOptions, DimResult } from "./analyses/dim.js";
export type { PullbackMetricOptions, PullbackMetricResult } from "./analyses/pullbackMetric.js";
