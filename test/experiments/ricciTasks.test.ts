import { expect, test } from "vitest";
import { imageTask, IMAGE_TASKS, ricciPopulationOnTask } from "../../src/experiments/ricciTasks.js";
import { loadDataset } from "../../src/data/datasets.js";
import { OptionError } from "../../src/errors.js";

test("each image task holds its two classes interleaved, as the stored images in order", async () => {
  for (const name of Object.keys(IMAGE_TASKS) as (keyof typeof IMAGE_TASKS)[]) {
    const task = IMAGE_TASKS[name];
    const t = await imageTask(name, "test", 41);
    expect(t.n).toBe(40);
    expect(t.dim).toBe(784);
    expect(Array.from(t.y.subarray(0, 6))).toEqual([0, 1, 0, 1, 0, 1]);
    // independent check: the first images of class1 in the stored split, found by a plain scan
    const set = await loadDataset(`${task.source}:test`);
    const firstOf1: number[] = [];
    for (let i = 0; i < set.n && firstOf1.length < 3; i++) if (set.labels[i] === task.class1) firstOf1.push(i);
    for (let j = 0; j < 3; j++) expect(Array.from(t.X.subarray((2 * j + 1) * 784, (2 * j + 2) * 784))).toEqual(Array.from(set.X.subarray(firstOf1[j] * 784, (firstOf1[j] + 1) * 784)));
  }
});

test("bad task names and sizes are OptionErrors", async () => {
  await expect(imageTask("mnist-2-3" as never, "test", 10)).rejects.toThrow(OptionError);
  await expect(imageTask("mnist-1-7", "test", 1)).rejects.toThrow(OptionError);
});

test("the population experiment runs on an image task and ρ_k agrees with the recorded Ric_l, g_l", async () => {
  const train = await imageTask("mnist-1-7", "train", 120);
  const test2 = await imageTask("mnist-1-7", "test", 60);
  const r = await ricciPopulationOnTask(train, test2, { networks: [{ hidden: [10, 10, 10, 10, 10], seed: 1 }], epochs: 3, ks: [8], accuracyThreshold: 0.5 });
  expect(r.networks).toHaveLength(1);
  const net = r.networks[0];
  expect(net.accuracy).toBeGreaterThan(0.8); // 1 vs 7 is easy
  // ρ = Pearson(Ric_l, g_{l+1} − g_l) over l = 0..L−1, recomputed here from the per-layer arrays
  const ric = Array.from(net.ric[0]), g = Array.from(net.g[0]);
  const L = g.length - 1;
  const a = ric.slice(0, L), b = g.slice(1).map((v, l) => v - g[l]);
  const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
  const ma = mean(a), mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let l = 0; l < L; l++) { sab += (a[l] - ma) * (b[l] - mb); saa += (a[l] - ma) ** 2; sbb += (b[l] - mb) ** 2; }
  if (Number.isNaN(net.rho[0])) expect(net.reasons[0]).toBeTruthy();
  else expect(net.rho[0]).toBeCloseTo(sab / Math.sqrt(saa * sbb), 9);
}, 60_000);
