/**
 * Model: a validated, immutable network graph (a chain of layers is the common case). Build one with `Model.fromJSON`, `Model.load`, `Model.fromTfjs`
 * (and the importers of later modules); the constructor takes an already-typed ModelSpec.
 */
import { ModelFormatError, ModelLoadError } from "../errors.js";
import { isChain, nodeIndex, normalizeSpec } from "./graph.js";
import { PIECEWISE_LINEAR, type Layer, type LooseModelSpec, type ModelJSON, type ModelSpec } from "./types.js";
import { parseModelJSON, modelToJSON } from "./json.js";
import { modelFromTfjs, type TfjsLayersModelLike } from "./tfjs.js";
import { modelFromOnnx } from "./onnx.js";
import { parseSimecText } from "./simecText.js";
import { modelDocumentFromBytes } from "./modelDocument.js";

let nextId = 1;

/** The `cause` of a fetch failure (Node puts ECONNREFUSED & co. there), for messages. */
const describeCause = (e: unknown): string => {
  const cause = (e as { cause?: { message?: string } }).cause;
  return cause?.message ? ` (${cause.message})` : "";
};

export class Model implements ModelSpec {
  readonly inputShape: number[];
  /** The graph's nodes in topological order (the last is the output); a chain's nodes are its layers. */
  readonly layers: Layer[];
  readonly head: "softmax" | "none";
  /** Output shape of each node. */
  readonly shapes: number[][];
  /** Unique per instance within a process: the engine caches uploaded weights by it. */
  readonly id: string;

  constructor(spec: ModelSpec | LooseModelSpec) {
    if (spec.layers.length === 0) throw new ModelFormatError("model has no layers");
    const { spec: full, shapes } = normalizeSpec(spec);
    this.inputShape = full.inputShape;
    this.layers = full.layers;
    this.head = full.head;
    this.shapes = shapes;
    this.id = `m${nextId++}-${Math.random().toString(36).slice(2, 10)}`;
    Object.freeze(this.layers);
  }

  /** The graph's nodes (the same array as `layers`). */
  get nodes(): readonly Layer[] {
    return this.layers;
  }

  /** True when every node reads the one before it (a Sequential model). */
  get isChain(): boolean {
    return isChain(this.layers);
  }

  /** Index of a node given by index or name (`"block2.relu"`); OptionError naming the choices otherwise. */
  nodeIndex(layer: number | string, what = "layer"): number {
    return nodeIndex(this.layers, layer, what);
  }

  /** Flattened input size d. */
  get inputSize(): number {
    return this.inputShape.reduce((a, b) => a * b, 1);
  }

  /** Flattened output size m (the logits' count C for a classifier). */
  get outputSize(): number {
    const s = this.shapes[this.shapes.length - 1];
    return s.reduce((a, b) => a * b, 1);
  }

  /** True when every activation is piecewise linear (relu, leakyRelu, linear) and pooling is max/avg. */
  get isPiecewiseLinear(): boolean {
    return this.layers.every((l) => !("activation" in l) || PIECEWISE_LINEAR.has(l.activation));
  }

  get parameterCount(): number {
    return this.layers.reduce((a, l) => a + ("kernel" in l ? l.kernel.length + l.bias.length : l.type === "batchNorm" ? 4 * l.gamma.length : 0), 0);
  }

  /** Validate a JSON document (object or string) and build the model. Throws ModelFormatError & co. */
  static fromJSON(obj: unknown): Model {
    return new Model(parseModelJSON(obj));
  }

  /**
   * Load a model JSON from a file path or file: URL (Node) or an http(s)/data/blob URL (fetch). Gzip'd files
   * (`.json.gz`, detected by their magic bytes) are inflated, and a trained-model cache entry
   * (`{ recipe, model, … }`) gives its model (src/model/modelDocument.ts). A file or network failure throws
   * ModelLoadError; a malformed document, the errors of `fromJSON`.
   */
  static async load(pathOrUrl: string | URL): Promise<Model> {
    const s = String(pathOrUrl);
    let bytes: Uint8Array;
    if (/^(https?|data|blob):/.test(s) || typeof process === "undefined" || !process.versions?.node) {
      let res: Response;
      try {
        res = await fetch(s);
      } catch (e) {
        throw new ModelLoadError(`could not load model from ${s}: ${(e as Error).message}${describeCause(e)}`);
      }
      if (!res.ok) throw new ModelLoadError(`could not load model from ${s}: HTTP ${res.status}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } else {
      const { readFile } = await import("node:fs/promises");
      try {
        bytes = new Uint8Array(await readFile(s.startsWith("file:") ? new URL(s) : s));
      } catch (e) {
        throw new ModelLoadError(`could not read model file ${s}: ${(e as Error).message}`);
      }
    }
    return Model.fromJSON(await modelDocumentFromBytes(bytes, s));
  }

  /** Import a trained @tensorflow/tfjs Sequential model (dense, conv2d, pooling, flatten, activations). */
  static fromTfjs(layersModel: TfjsLayersModelLike): Model {
    return new Model(modelFromTfjs(layersModel));
  }

  /** Import an ONNX model (the .onnx file's bytes); channels-first CNNs become NHWC models, see src/model/onnx.ts. */
  static fromOnnx(bytes: Uint8Array): Model {
    return new Model(modelFromOnnx(bytes));
  }

  /** Load the text weight format of the SiMEC-1D reference code (dense sigmoid/softplus layers), see src/model/simecText.ts. */
  static fromSimecText(text: string): Model {
    return new Model(parseSimecText(text));
  }

  toJSON(): ModelJSON {
    return modelToJSON(this);
  }
}
