/**
 * Registers every analysis' jobs and tasks with the runtime's registry. Imported by the worker entry
 * (src/worker.ts) and by the public facade (src/api/engine.ts), so every kernel instance knows the same names.
 */
import { registerJob, registerTask } from "../engine/registry.js";
import { forwardJob } from "./forward.js";
import { jacobianJob } from "./jacobian.js";
import { dimJob } from "./dim.js";
import { dimEigenvaluesJob } from "./dimEigenvalues.js";
import { pullbackMetricJob } from "./pullbackMetric.js";
import { simecJob } from "./simec.js";
import { leafJob } from "./leaf.js";
import { leafRankJob } from "./singularPoints.js";
import { geodesicJob } from "./geodesic.js";
import { RICCI_TASKS } from "./ricci/tasks.js";

registerJob("forward", forwardJob);
registerJob("jacobian", jacobianJob);
registerJob("dim", dimJob);
registerJob("dimEigenvalues", dimEigenvaluesJob);
registerJob("pullbackMetric", pullbackMetricJob);
registerJob("simec", simecJob);
registerJob("leaf", leafJob);
registerJob("leafRank", leafRankJob);
registerJob("geodesic", geodesicJob);
for (const [name, task] of Object.entries(RICCI_TASKS)) registerTask(name, task);
