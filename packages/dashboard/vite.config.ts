// The web part: web/index.html and its script, built into dist/web (served by server.ts). Relative
// asset URLs, so the page works under any path prefix (a kubectl port-forward, a proxy).
import { defineConfig } from "vite";

export default defineConfig({
  root: "web",
  base: "./",
  build: { outDir: "../dist/web", emptyOutDir: true, target: "es2022", reportCompressedSize: false },
});
