// Foliate's Wasm kernels: one operation per file, pointer ABI (byte offsets into linear memory), no managed
// objects. The host (src/engine/arena.ts) owns every byte from heapBase() upwards.
export { heapBase } from "./memory";
export {
  conv2dForwardF32, conv2dForwardF64, conv2dTransposeF32, conv2dTransposeF64,
  conv2dTransposeScratchBytesF32, conv2dTransposeScratchBytesF64, conv2dTransposeActiveF32, conv2dTransposeActiveScratchBytesF32,
} from "./graph/conv";
export {
  maxPool2dForwardF32, maxPool2dForwardF64, maxPool2dRouteF32, maxPool2dRouteF64, maxPool2dCrossingF32, maxPool2dCrossingF64,
  avgPool2dForwardF32, avgPool2dForwardF64, avgPool2dTransposeF32, avgPool2dTransposeF64,
  globalAvgPoolForwardF32, globalAvgPoolForwardF64, globalAvgPoolTransposeF32, globalAvgPoolTransposeF64,
} from "./graph/pool";
export { signBitsF32, fnv64 } from "./pattern";
export { fisherFactorF64, lowRankEigF32, dimRankF32, denseMetricF32, denseEigF64, rowGramF32, gramEigenvaluesF64, dimRankGramF64 } from "./dim";
export { denseWeightGramF64, preactivationGramF32, preactivationGramWorkBytes } from "./dimGram";
export { softmaxF32, softmaxJacobianF32 } from "./softmax";
export { transposeF32, identityF32 } from "./layout";
export { gemmF32, gemmF64, gemmRowsF32 } from "./gemm";
export { symEigF64 } from "./eigh";
export { axpyF64 } from "./vector64";
export { splitPolygonsF64, splitRegionsByUnitsF64, fnv64Rows } from "./regionsPlane";
export { argmaxRowsF64 } from "./argmax";
export { svdJacobiF64, svdJacobiF64WorkBytes } from "./svd";
export { knnF32 } from "./knn";
export { symmetrizeCsr } from "./csr";
export { formanUndirected, formanDirected } from "./forman";
export { connectedComponents, hopSumsQueue, bitsetAdjacency, hopSumsBitset } from "./hops";
export { simecStepsF64 } from "./simec";
export { simecWorkBytes, simecSlots } from "./simecLayout";
export { leafBasisF64, leafProjectF64, leafWorkBytes, leafExactF64 } from "./leaf";
export { leafSmoothWorkBytes, leafSmoothF64 } from "./leafSmooth";
export { splitPolygonsMaxPoolF64, splitRegionsByWindowsF64 } from "./regionsPlanePool";
export { regionsPlaneWalkF64 } from "./regionsPlaneWalk";
export { lineRootsF64, lineNodeWordsF64 } from "./regionsLine";
export { geodesicReduceF64, geodesicWorkF64, geodesicSegmentF64 } from "./geodesic";
export {
  graphForwardF32, graphForwardF64, graphPatternF32, graphPatternF64, graphHash, graphJvpF32, graphJvpF64, graphVjpF32, graphVjpF64,
  graphVjpWorkBytesF32, graphVjpWorkBytesF64, graphCrossingF32, graphCrossingF64, copyRowsF32,
  netEnterSideF64, netResolveTiesF64, netConstraintsF64, netFlipNearF64, netChoice, netUnitCode,
} from "./graph/exports";
export { netAffineFrozenF64, graphVjpToF32 } from "./graph/exports";
export { conv2dTransposeSparseF32, conv2dTransposeSparseScratchBytes } from "./graph/convCotangents";
