/**
 * Local geometric analysis of feature extraction (Huang, Makur, Wornell, Zheng; Xu et al., Entropy 2022;
 * Shisher, Ornee, Sun, arXiv 2202.04632): optimal features as the SVD of the divergence transition matrix,
 * the H-score, reduced-rank regression, and the comparison of learned features with the optimum.
 * Exported from the package as the `localGeometry` namespace.
 */
export { dtm, jointMarginals, JOINT_SUM_TOLERANCE, type DtmOptions, type JointMarginals } from "./dtm.js";
export { svd, svdArena, type Svd, type SvdOptions, type SvdKernels } from "./svd.js";
export { optimalFeatures, optimalHiddenFeatures, type OptimalFeatures, type OptimalHiddenFeatures } from "./optimalFeatures.js";
export { hScore, hScoreOfJoint, type HScoreOptions } from "./hScore.js";
export { mmseFeatures, type MatrixLike, type MmseFeatures } from "./mmse.js";
export { principalAngles, type PrincipalAngleOptions } from "./principalAngles.js";
export { compareFeatures, type FeatureComparison, type LearnedFeatures } from "./compare.js";
export { DistributionError, SingularMatrixError, ConvergenceError } from "./errors.js";
export { SINGULAR_PIVOT } from "./cholesky.js";
export { compareWithNetwork, networkLayerFeatures, type NetworkFeatures } from "./network.js";
