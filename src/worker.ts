/**
 * Worker entry (Node worker_threads or a browser module Web Worker), built to dist/worker.js: registers the
 * analyses' jobs and tasks, then serves the generic worker (src/engine/worker.ts) through comlink.
 */
import "./analyses/jobs.js";
import "./engine/worker.js";
