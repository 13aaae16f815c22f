/** Import of trained @tensorflow/tfjs Sequential models. (Placeholder until the model-format work lands.) */
import { UnsupportedLayerError } from "../errors.js";
import type { ModelSpec } from "./types.js";

/** The part of a tfjs LayersModel that the importer reads (kept structural: tfjs is not a runtime dependency). */
export interface TfjsLayersModelLike {
  layers: unknown[];
  inputs?: { shape: (number | null)[] }[];
}

export function modelFromTfjs(_m: TfjsLayersModelLike): ModelSpec {
  throw new UnsupportedLayerError("Model.fromTfjs is not implemented yet");
}
