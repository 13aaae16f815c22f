/**
 * The models the report studies, as training recipes: small ReLU MLP classifiers on the bundled data. A
 * recipe is data; `train.ts` turns it into a Model (tfjs, wasm backend, fixed seed) or loads it from the
 * cache, keyed by a hash of the recipe. A new analysis that needs another model adds a recipe here.
 */
export interface Recipe {
  id: string;
  title: string;
  /** Dataset names (registry syntax). */
  train: string;
  test: string;
  /** Hidden layer widths (ReLU); the output layer is linear with a softmax head. */
  hidden: number[];
  epochs: number;
  /** Epochs in --quick mode. */
  quickEpochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export const RECIPES: Recipe[] = [
  {
    id: "moons-mlp",
    title: "ReLU MLP 2→16→16→2 on two moons",
    train: "moons:train:400",
    test: "moons:test:400",
    hidden: [16, 16],
    epochs: 300,
    quickEpochs: 60,
    batchSize: 50,
    learningRate: 0.01,
    seed: 7,
  },
  {
    id: "glyphs-mlp",
    title: "ReLU MLP 64→32→32→10 on 8×8 glyphs",
    train: "glyphs:train:2000",
    test: "glyphs:test:500",
    hidden: [32, 32],
    epochs: 30,
    quickEpochs: 6,
    batchSize: 64,
    learningRate: 0.003,
    seed: 11,
  },
];
