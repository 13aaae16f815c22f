/** The registry of jobs a kernel instance can run, by name (the same in every worker). */
import { forwardJob } from "../analyses/forward.js";
import { jacobianJob } from "../analyses/jacobian.js";
import { dimJob } from "../analyses/dim.js";
import { pullbackMetricJob } from "../analyses/pullbackMetric.js";
import { simecJob } from "../analyses/simec.js";
import { leafJob } from "../analyses/leaf.js";
import { leafRankJob } from "../analyses/singularPoints.js";
import { geodesicJob } from "../analyses/geodesic.js";
import type { Job } from "./job.js";

export const jobs: Record<string, Job> = {
  forward: forwardJob,
  jacobian: jacobianJob,
  dim: dimJob,
  pullbackMetric: pullbackMetricJob,
  simec: simecJob,
  leaf: leafJob,
  leafRank: leafRankJob,
  geodesic: geodesicJob,
};

export type JobName = keyof typeof jobs;
