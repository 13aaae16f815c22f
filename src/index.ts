export * from "./errors.js";
export { Model } from "./model/model.js";
export type * from "./model/types.js";
export { createEngine, Engine, type EngineOptions, type CallOptions } from "./api/engine.js";
export type { BatchInput } from "./engine/batch.js";
export type { ForwardOptions, ForwardResult, LayerValues } from "./analyses/forward.js";
export type { JacobianOptions, JacobianOutput, JacobianResult } from "./analyses/jacobian.js";
export type { DimOptions, DimResult } from "./analyses/dim.js";
export type { PullbackMetricOptions, PullbackMetricResult } from "./analyses/pullbackMetric.js";
export { eigh } from "./linalg/eigh.js";
export { readNpy, writeNpy, NpyFormatError, NPY_MAX_HEADER_SIZE, type NpyArray, type NpyData, type NpyDtype } from "./io/npy.js";
export { modelFromOnnx, SUPPORTED_ONNX_OPS } from "./model/onnx.js";
export type { RegionsOnLineResult } from "./analyses/regions/line.js";
export type { RegionsInPlaneResult, PlaneExtent } from "./analyses/regions/plane.js";
export type { CountRegionsOptions, CountRegionsResult } from "./analyses/regions/count.js";
export { complexityBounds, hyperplaneRegions, type ComplexityBounds, type Bound } from "./analyses/regions/bounds.js";
export { semiDiscreteOT, type SemiDiscreteOT, type SemiDiscreteOTOptions } from "./analyses/ot/semiDiscreteOT.js";
export { SobolSequence, SOBOL_MAX_DIMENSION, type SobolOptions } from "./analyses/ot/sobol.js";
export { dimSpectrum, dimSpectrumSignature, type DimSpectrumOptions, type DimSpectrumResult, type DimSpectrumSignature } from "./analyses/spectrum/dimSpectrum.js";
export { dimSpectrumDistance, datasetDistances, wasserstein1Sorted, type DatasetDistances } from "./analyses/spectrum/spectrumDistance.js";
export { loadDataset, DATASET_NAMES, DatasetError, type Dataset, type DatasetName, type LoadDatasetOptions } from "./data/datasets.js";
export { uniformNoise, invertImages, rotateImages } from "./data/generated.js";
export { adversarialExamples, crossEntropyGradients, type AdversarialOptions, type AdversarialResult } from "./data/adversarial.js";
export * as localGeometry from "./analyses/localGeometry/index.js";
export {
  knnGraph, formanCurvature, hopDistanceSums, graphFromArcs, ricciFlowFromActivations, ricciSweepFromActivations,
  twoClassSpiral, nestedBlobs, sineSheets, type RicciGraph, type GraphMode, type FormanCurvature, type HopDistances,
  type ActivationCloud, type RicciFlowOptions, type RicciFlowResult, type RicciSweepResult, type RicciExecutor,
  type LabelledPoints,
} from "./analyses/ricci/index.js";
export type { PathOptions, ExploreOptions, PathResult } from "./analyses/equivalenceClass.js";
export type { IntervalPreimageOptions, IntervalPreimageResult } from "./analyses/intervalPreimage.js";
export { STOP_REASONS, type StopReason } from "./analyses/simec.js";
export { parseSimecText, SIMEC_LAYER_TYPES } from "./model/simecText.js";
export type { LeafOptions, LeafPath, LeafDistribution, LeafStopReason } from "./analyses/leaf.js";
export type { GeodesicOptions, GeodesicPath } from "./analyses/geodesic.js";
export type { SingularPoints, SingularPointsOptions } from "./analyses/singularPoints.js";
export {
  runDistributed, startWorker, RedisUnavailableError, PayloadTooLargeError, ResultsPathError, RunStateError,
  type DistributedKinds, type DistributedOptions, type DistributedProgress, type WorkerHandle, type WorkerOptions,
  type SpectrumSpec, type MapSpec, type MapOutput, type MapOp,
} from "./distributed/index.js";
export { populationRecipe, type PopulationRecipe, type RecipeOptions } from "./experiments/ricciRecipe.js";
