// Vite config for the lab: `vite build lab` (root = lab/) writes lab/dist. Module workers (Foliate's engine
// worker is an ES module with top-level await) and cross-origin isolation headers so SharedArrayBuffer works.
import { defineConfig } from "vite";

const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 4096, reportCompressedSize: false },
  worker: { format: "es" },
  server: { headers: isolation, fs: { allow: [".."] } },
  preview: { headers: isolation },
});
