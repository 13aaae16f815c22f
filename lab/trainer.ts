/**
 * The page's side of training: one Web Worker (lab/trainWorker.ts) at a time, so the main thread only paints.
 * `train` resolves with the trained model, reporting snapshots through `onProgress`; `cancel` terminates the
 * worker at once (even inside an epoch), rejects the pending `train` with TrainingCancelled, and starts a fresh
 * worker for the next run.
 */
import { Model } from "../dist/model/model.js";
import type { Dataset } from "./datasets.js";
import type { TrainerMessage, TrainRequest } from "./trainWorker.js";

export class TrainingCancelled extends Error {
  override readonly name = "TrainingCancelled";
}

export interface Progress {
  epoch: number;
  loss: number;
  accuracy: number;
  model: Model;
}

export class Trainer {
  private worker!: Worker;
  private nextId = 1;
  private pending?: { id: number; resolve(p: Progress): void; reject(e: Error): void; onProgress(p: Progress): void; onEpoch(epoch: number): void };
  /** The tfjs backend of the current worker ("wasm", or "cpu" with a note why). */
  ready!: Promise<{ backend: string; note?: string }>;

  constructor() {
    this.spawn();
  }

  private spawn(): void {
    this.worker = new Worker(new URL("./trainWorker.ts", import.meta.url), { type: "module" });
    let ready!: (b: { backend: string; note?: string }) => void;
    this.ready = new Promise((r) => (ready = r));
    this.worker.onmessage = (e: MessageEvent<TrainerMessage>) => {
      const m = e.data;
      if (m.type === "ready") return ready(m);
      const p = this.pending;
      if (!p || m.id !== p.id) return;
      if (m.type === "epoch") return p.onEpoch(m.epoch);
      if (m.type === "error") {
        this.pending = undefined;
        p.reject(new Error(m.message));
        return;
      }
      const snapshot = { epoch: m.type === "done" ? -1 : m.epoch, loss: m.loss, accuracy: m.accuracy, model: Model.fromJSON(m.model) };
      if (m.type === "progress") p.onProgress(snapshot);
      else {
        this.pending = undefined;
        p.resolve(snapshot);
      }
    };
    this.worker.onerror = (e) => {
      const p = this.pending;
      this.pending = undefined;
      p?.reject(new Error(`the training worker failed: ${e.message}`));
    };
  }

  /**
   * Train a ReLU MLP on `data` in the worker; resolves with the final model (its `epoch` is -1). `onProgress`
   * gets model snapshots every `reportEvery` epochs, `onEpoch` the epoch count at most every 100 ms.
   */
  train(data: Dataset, o: Omit<TrainRequest, "type" | "id" | "points" | "labels">, onProgress: (p: Progress) => void, onEpoch: (epoch: number) => void = () => {}): Promise<Progress> {
    if (this.pending) return Promise.reject(new Error("a training run is already going on"));
    const id = this.nextId++;
    const request: TrainRequest = { type: "train", id, points: data.points.slice(), labels: data.labels.slice(), ...o };
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject, onProgress, onEpoch };
      this.worker.postMessage(request, [request.points.buffer, request.labels.buffer]);
    });
  }

  /** Stop the running training now (no-op when none runs). */
  cancel(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.worker.terminate();
    this.spawn();
    p.reject(new TrainingCancelled("training cancelled"));
  }
}
