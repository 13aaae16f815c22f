/**
 * The lab's training worker: tfjs (wasm backend, cpu fallback) off the page's main thread. Messages in:
 * `{ type: "train", id, points, labels, hidden, epochs, learningRate, seed, reportEvery }`. Messages out:
 * `{ type: "ready", backend, note? }` once the backend is up; `{ type: "epoch", id, epoch }` at most every
 * 100 ms (the progress bar); per report `{ type: "progress", id, epoch, loss,
 * accuracy, model }` and at the end `{ type: "done", id, loss, accuracy, model }` (model: foliate-model JSON),
 * or `{ type: "error", id, message }`. Cancelling is terminating the worker (lab/trainer.ts).
 */
import { Model } from "../dist/model/model.js";
import { initBackend, train } from "./train.js";

export interface TrainRequest {
  type: "train";
  id: number;
  points: Float32Array;
  labels: Uint8Array;
  hidden: number[];
  epochs: number;
  learningRate: number;
  seed: number;
  reportEvery: number;
}

export type TrainerMessage =
  | { type: "ready"; backend: string; note?: string }
  | { type: "epoch"; id: number; epoch: number }
  | { type: "progress"; id: number; epoch: number; loss: number; accuracy: number; model: unknown }
  | { type: "done"; id: number; loss: number; accuracy: number; model: unknown }
  | { type: "error"; id: number; message: string };

const scope = self as unknown as { postMessage(m: TrainerMessage): void; onmessage: ((e: MessageEvent<TrainRequest>) => void) | null };
const backend = initBackend();
void backend.then((b) => scope.postMessage({ type: "ready", ...b }));

scope.onmessage = async (e) => {
  const r = e.data;
  try {
    await backend;
    let lastPost = 0;
    const result = await train({ points: r.points, labels: r.labels }, {
      hidden: r.hidden, epochs: r.epochs, learningRate: r.learningRate, seed: r.seed, reportEvery: r.reportEvery,
      onEpoch: (epoch) => {
        const now = performance.now();
        if (now - lastPost < 100) return;
        lastPost = now;
        scope.postMessage({ type: "epoch", id: r.id, epoch });
      },
      onProgress: ({ epoch, loss, accuracy, model }) => {
        if (epoch < r.epochs) scope.postMessage({ type: "progress", id: r.id, epoch, loss, accuracy, model: Model.fromTfjs(model).toJSON() });
      },
    });
    scope.postMessage({ type: "done", id: r.id, loss: result.loss, accuracy: result.accuracy, model: Model.fromTfjs(result.model).toJSON() });
    result.model.dispose();
  } catch (err) {
    scope.postMessage({ type: "error", id: r.id, message: err instanceof Error ? err.message : String(err) });
  }
};
