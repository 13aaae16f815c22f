export * from "./errors.js";
export { Model } from "./model/model.js";
export type * from "./model/types.js";
export {
  knnGraph, formanCurvature, hopDistanceSums, graphFromArcs, ricciFlowFromActivations, ricciSweepFromActivations,
  twoClassSpiral, nestedBlobs, sineSheets, type RicciGraph, type GraphMode, type FormanCurvature, type HopDistances,
  type ActivationCloud, type RicciFlowOptions, type RicciFlowResult, type RicciSweepResult, type RicciExecutor,
  type LabelledPoints,
} from "./analyses/ricci/index.js";
