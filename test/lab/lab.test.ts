/**
 * The browser lab end to end in real headless Chromium (Debian's `chromium`, driven by playwright-core): build
 * the lab (or reuse a fresh lab/dist), serve it with cross-origin isolation, train, click a point, and check
 * that leaves are drawn and no console error occurred; invalid inputs are refused with a visible message, and
 * training runs in a worker with a progress bar and Cancel. Saves test-artifacts/lab.png.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { serveStatic } from "./staticServer.js";

const root = resolve(import.meta.dirname, "../..");
const CHROMIUM = "/usr/bin/chromium";

/** Stop with the install command when the browser is missing (never a silent skip). */
function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: npm test drives the lab in headless Chromium. Install it with ` +
        `"apt-get install chromium" (Debian/Ubuntu, as root; .ci/run does this before npm test) and run the tests again.`,
    );
}
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** A digest of the files under the given paths (paths and contents; lab/dist excluded). */
function digest(paths: string[]): string {
  const files: string[] = [];
  const visit = (p: string) => {
    if (!existsSync(p) || p === join(root, "lab/dist")) return;
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else files.push(p);
  };
  paths.forEach(visit);
  const hash = createHash("sha256");
  for (const f of files.sort()) hash.update(f).update(readFileSync(f));
  return hash.digest("hex");
}

/**
 * Build lab/dist unless it was built by this test from the same sources (lab/, the engine's dist/ and
 * build/*.wasm), compared by content: a `tsc` run rewrites every file of dist/ with the same content, so
 * modification times would force needless rebuilds.
 */
function ensureLabBuilt(): void {
  const stamp = join(root, "lab/dist/.sources.sha256");
  const sources = digest([join(root, "lab"), join(root, "dist"), join(root, "build")]);
  if (existsSync(join(root, "lab/dist/index.html")) && existsSync(stamp) && readFileSync(stamp, "utf8") === sources) return;
  execFileSync(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build", "lab", "--logLevel", "error"], { cwd: root, stdio: "inherit" });
  writeFileSync(stamp, sources);
}

describe("browser lab in headless Chromium", () => {
  let server: { url: string; close(): Promise<void> };
  let plainServer: { url: string; close(): Promise<void> };
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    requireChromium(); // fails every test of this file with the install command
    ensureLabBuilt();
    server = await serveStatic(join(root, "lab/dist"));
    plainServer = await serveStatic(join(root, "lab/dist"), false);
    userDataDir = mkdtempSync(join(tmpdir(), "foliate-lab-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 960, height: 760 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(`page error: ${e.message}`));
  }, 150_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await plainServer?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("loads, trains, draws leaves through a clicked point, with no console error", async () => {
    requireChromium();
    await page.goto(server.url);
    await page.waitForSelector("body[data-state=ready]", { timeout: 30_000 });
    const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
    expect(isolated).toBe(true);

    await page.selectOption("#dataset", "moons");
    await page.click("#train");
    await page.waitForSelector("body[data-state=trained]", { timeout: 60_000 });
    const accuracy = await page.evaluate(() => Number(document.getElementById("train-status")!.textContent!.match(/accuracy ([\d.]+)%/)?.[1]));
    expect(accuracy).toBeGreaterThan(90);
    const regions = await page.evaluate(() => Number(document.getElementById("status")!.textContent!.match(/(\d+) linear regions/)?.[1]));
    expect(regions).toBeGreaterThan(3);

    // a point near the middle of the moons, where the classifier is not saturated
    const box = (await page.locator("#overlay").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.47);
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.47);
    await page.waitForFunction(() => document.querySelectorAll("#leaves path.leaf").length >= 2, undefined, { timeout: 30_000 });
    const leaves = await page.$$eval("#leaves path.leaf", (ps) => ps.map((p) => ({ kind: p.getAttribute("class"), points: (p.getAttribute("d")!.match(/[ML]/g) ?? []).length })));
    expect(leaves.map((l) => l.kind).sort()).toEqual(["leaf data", "leaf kernel"]);
    for (const l of leaves) expect(l.points).toBeGreaterThan(2);
    await page.waitForFunction(() => /λ₁ = /.test(document.getElementById("readout")!.textContent!), undefined, { timeout: 10_000 });

    const timings = await page.evaluate(() => (globalThis as unknown as { __lab: { timings: Record<string, unknown> } }).__lab.timings);
    console.log("lab timings (ms):", JSON.stringify(timings));
    expect(timings.backend).toBe("wasm");
    mkdirSync(join(root, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: join(root, "test-artifacts/lab.png") });

    // the other views: linear regions (a repaint) and the DIM's top eigenvalue (a new grid computation)
    await page.selectOption("#view", "linear");
    await page.screenshot({ path: join(root, "test-artifacts/lab-linear.png") });
    const before = await page.evaluate(() => Number(document.body.dataset.grid));
    await page.selectOption("#view", "dim");
    await page.waitForFunction((n) => Number(document.body.dataset.grid) > n, before, { timeout: 20_000 });
    await page.screenshot({ path: join(root, "test-artifacts/lab-dim.png") });

    // drawing: an empty dataset, then clicks add points of the chosen class
    await page.selectOption("#dataset", "draw");
    expect(await page.locator("#points circle").count()).toBe(0);
    expect(await page.inputValue("#click-mode")).toBe("add0");
    for (const [mode, fx, fy] of [["add0", 0.3, 0.3], ["add0", 0.35, 0.25], ["add1", 0.7, 0.7], ["add1", 0.65, 0.75]] as const) {
      await page.selectOption("#click-mode", mode);
      await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
    }
    expect(await page.locator("#points circle.c0").count()).toBe(2);
    expect(await page.locator("#points circle.c1").count()).toBe(2);
    expect(await page.isEnabled("#train")).toBe(true);
    expect(consoleErrors).toEqual([]);
  }, 120_000);

  it("refuses invalid Points/Epochs with a visible message, trains in a worker with a progress bar, and cancels", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}`);
    consoleErrors.length = 0;
    await page.goto(server.url);
    await page.waitForSelector("body[data-state=ready]", { timeout: 30_000 });
    const circles = () => page.locator("#points circle").count();
    expect(await circles()).toBe(300);
    const setValue = async (id: string, v: string) => {
      await page.fill(id, v);
      await page.dispatchEvent(id, "change");
    };
    const message = () => page.textContent("#input-error");

    // Points = −5 (was: an uncaught "Invalid typed array length") and 5 000 over max = 2000 (was: accepted)
    for (const bad of ["-5", "5000", "2.5"]) {
      await setValue("#npoints", bad);
      expect(await page.isVisible("#input-error")).toBe(true);
      expect(await message()).toContain(`Points must be an integer in 20..2000, got "${bad}"`);
      expect(await page.isDisabled("#train")).toBe(true);
      expect(await page.getAttribute("#npoints", "aria-invalid")).toBe("true");
      expect(await circles()).toBe(300); // the last valid dataset stays, nothing half-built
    }
    await setValue("#npoints", "200");
    expect(await page.isVisible("#input-error")).toBe(false);
    expect(await circles()).toBe(200);
    expect(await page.isEnabled("#train")).toBe(true);

    // Epochs = 0 (was: silently 250)
    await setValue("#epochs", "0");
    expect(await message()).toContain('Epochs must be an integer in 1..100000, got "0"');
    expect(await page.isDisabled("#train")).toBe(true);

    // A long run trains off the main thread: the bar advances while timers on the page keep firing.
    await setValue("#epochs", "100000");
    expect(await page.isVisible("#input-error")).toBe(false);
    await page.click("#train");
    await page.waitForFunction(() => (document.getElementById("train-progress") as HTMLProgressElement).value > 0, undefined, { timeout: 30_000 });
    expect(await page.getAttribute("#train-progress", "max")).toBe("100000");
    const { maxGap, advanced } = await page.evaluate(() => new Promise<{ maxGap: number; advanced: number }>((resolve) => {
      const bar = document.getElementById("train-progress") as HTMLProgressElement;
      const v0 = bar.value, t0 = performance.now();
      let last = t0, maxGap = 0;
      const id = setInterval(() => {
        const t = performance.now();
        maxGap = Math.max(maxGap, t - last);
        last = t;
        if (t - t0 > 2000) {
          clearInterval(id);
          resolve({ maxGap, advanced: bar.value - v0 });
        }
      }, 10);
    }));
    console.log(`lab: during training the page's 10 ms timer fired with gaps of at most ${maxGap.toFixed(0)} ms; the bar advanced ${advanced} epochs in 2 s`);
    expect(advanced).toBeGreaterThan(0);
    expect(maxGap).toBeLessThan(1000); // blocked training froze the page for seconds
    expect(await page.isEnabled("#cancel")).toBe(true);

    const t0 = Date.now();
    await page.click("#cancel");
    await page.waitForSelector("body[data-state=cancelled]", { timeout: 5_000 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await page.textContent("#train-status")).toMatch(/^Cancelled at epoch \d+\/100000/);
    expect(Number(await page.evaluate(() => (document.getElementById("train-progress") as HTMLProgressElement).value))).toBeLessThan(100000);
    expect(await page.isDisabled("#cancel")).toBe(true);
    expect(await page.isEnabled("#train")).toBe(true);

    // a fresh worker trains the next run to the end
    await setValue("#epochs", "150");
    await page.click("#train");
    await page.waitForSelector("body[data-state=trained]", { timeout: 60_000 });
    expect(await page.textContent("#train-status")).toMatch(/^epoch 150\/150 · loss [\d.]+ · accuracy [\d.]+%/);
    expect(consoleErrors).toEqual([]);
  }, 120_000);

  it("without cross-origin isolation the engine copies results instead of sharing them, and the lab still works", async () => {
    requireChromium();
    const plain = await context.newPage();
    const errors: string[] = [];
    plain.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    plain.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    await plain.goto(plainServer.url);
    await plain.waitForSelector("body[data-state=ready]", { timeout: 30_000 });
    expect(await plain.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
    expect(await plain.textContent("#status")).toContain("copied");
    await plain.selectOption("#dataset", "xor");
    await plain.fill("#epochs", "40");
    await plain.click("#train");
    await plain.waitForSelector("body[data-state=trained]", { timeout: 60_000 });
    const box = (await plain.locator("#overlay").boundingBox())!;
    await plain.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.45);
    await plain.waitForFunction(() => document.querySelectorAll("#leaves path.leaf").length >= 2, undefined, { timeout: 30_000 });
    const counts = await plain.$$eval("#leaves path.leaf", (ps) => ps.map((p) => Number((p as SVGPathElement).dataset.points)));
    for (const c of counts) expect(c).toBeGreaterThan(2);
    expect(errors).toEqual([]);
    await plain.close();
  }, 90_000);
});
