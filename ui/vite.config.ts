/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { availableParallelism } from "node:os";

// The Tauri shell loads `dist/` embedded in the binary (release/E2E builds) or the dev server
// below (`npm run dev` + `cargo run -p kontor`). See scripts/build-app.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 1420, strictPort: true, host: "127.0.0.1" },
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    // WebKitGTK 2.40+ on Debian 12, WebView2 (Chromium) on Windows.
    target: ["es2022", "safari16"],
    outDir: "dist",
    emptyOutDir: true,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    setupFiles: ["src/test-setup.ts"],
    // A loaded 2-core CI machine renders slowly; 5 s (the default) has been seen to run out.
    testTimeout: 20_000,
    // Vitest's default is one worker less than the cores: one worker on CI's two, where the
    // test files ran one after another (139 s; most of it setting up jsdom for each file).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
