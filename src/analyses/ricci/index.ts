// Ricci network flow (issue 5): kNN graphs, Forman–Ricci curvature, hop geodesics, the Ricci coefficient.
export { knnGraph, knnGraphOn, knnRowsOn, knnRowsAt, uploadCloudOn, graphFromKnnOn } from "./knnGraph.js";
export { graphFromArcs, graphFromArcsOn, graphFromOutArcsOn, type RicciGraph, type GraphMode, type RicciKernels } from "./graph.js";
export { formanCurvature, formanCurvatureOn, type FormanCurvature } from "./formanCurvature.js";
export {
  hopDistanceSums, hopDistanceSumsOn, hopSumsRangeOn, hopDistancesFromSums, componentsOn, hopDistanceMatrixOn,
  chooseHopMethod, type HopDistances, type HopMethod,
} from "./hopDistances.js";
export {
  ricciFlowFromActivations, ricciSweepFromActivations,
  type ActivationCloud, type RicciFlowOptions, type RicciFlowResult, type RicciSweepResult,
} from "./ricciFlow.js";
export { arenaExecutor, sourceRanges, knnTableWith, hopSumsWith, type RicciExecutor } from "./executor.js";
export { pearson, pearsonPValue, studentTCdf, regularizedIncompleteBeta, lnGamma } from "./statistics.js";
export { twoClassSpiral, nestedBlobs, sineSheets, type LabelledPoints } from "./datasets.js";
