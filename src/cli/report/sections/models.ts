/** The models section: what was trained (or loaded) for the report, its size and accuracy. */
import type { ReportSection, Table } from "../section.js";

export const modelsSection: ReportSection = {
  id: "models",
  title: "Models and data",
  about:
    "The networks every other section studies: small ReLU classifiers trained with tfjs (wasm backend, fixed seeds) on data the package generates, or the model given to `foliate report`. " +
    "Accuracies are measured on the training set and on a held-out set drawn with another seed.",
  async run(ctx) {
    const table: Table = {
      caption: "Subjects",
      headers: ["id", "model", "input", "parameters", "ReLU units", "train set", "test set", "train acc.", "test acc.", "epochs", "training"],
      rows: ctx.subjects.map((s) => {
        const relu = s.model.layers.reduce((a, l, i) => a + ("activation" in l && l.activation === "relu" ? s.model.shapes[i].reduce((x, y) => x * y, 1) : 0), 0);
        const t = s.training;
        return [
          s.id, s.title, `[${s.model.inputShape.join("×")}]`, s.model.parameterCount, relu, s.train.n, s.test.n,
          t ? `${(100 * t.trainAccuracy).toFixed(1)}%` : "–", t ? `${(100 * t.testAccuracy).toFixed(1)}%` : "–", t ? t.epochs : "–",
          t ? (t.cached ? "from cache" : `${(t.ms / 1000).toFixed(1)} s`) : "given",
        ];
      }),
    };
    const timings = ctx.subjects.filter((s) => s.training && !s.training.cached).map((s) => ({ what: `${s.id}: training (${s.training!.epochs} epochs)`, ms: s.training!.ms }));
    const acc = ctx.subjects
      .map((s) => (s.training ? `${s.id} ${(100 * s.training.testAccuracy).toFixed(0)}% (${s.training.cached ? "cached" : `trained in ${(s.training.ms / 1000).toFixed(1)} s`})` : s.id))
      .join(", ");
    return { figures: [], tables: [table], numbers: [], timings, summary: `test accuracy: ${acc}` };
  },
};
