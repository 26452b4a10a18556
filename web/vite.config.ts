/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// The API, probes, metrics and Swagger UI live on the server; the dev server proxies
// them so the app runs against a real homestream (HS_BACKEND, default :3000).
const backend = process.env.HS_BACKEND ?? 'http://127.0.0.1:3000';
const proxied = ['/api', '/health', '/ready', '/metrics', '/docs'];
const proxy = Object.fromEntries(proxied.map((prefix) => [prefix, { target: backend, changeOrigin: false, ws: false }]));

// The policy the server sends with the app (src/api/web.rs): `vite preview` sends it too,
// so a built app can be tried under it before it is embedded. (The dev server cannot:
// it injects styles inline.)
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; font-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export default defineConfig({
  base: '/',
  // svelteTesting: under Vitest only, Svelte's browser build (components mount) and a
  // cleanup after each test.
  plugins: [svelte(), svelteTesting()],
  resolve: {
    alias: {
      // Type-only (the generated OpenAPI types); never in the bundle.
      '$api/schema': fileURLToPath(new URL('../clients/typescript/src/schema.d.ts', import.meta.url)),
    },
  },
  server: {
    host: process.env.HS_DEV_HOST ?? '127.0.0.1',
    port: Number(process.env.HS_DEV_PORT ?? 5173),
    strictPort: true,
    proxy,
  },
  preview: {
    host: process.env.HS_DEV_HOST ?? '127.0.0.1',
    port: Number(process.env.HS_PREVIEW_PORT ?? 4173),
    strictPort: true,
    proxy,
    headers: { 'Content-Security-Policy': CSP },
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    modulePreload: { polyfill: false },
    cssCodeSplit: true,
    // hls.js (full build, ~580 kB) is its own lazy chunk; the app stays far below this.
    chunkSizeWarningLimit: 650,
  },
  test: {
    include: ['src/**/*.test.ts'],
    // Component tests (and those that need a document) say `// @vitest-environment jsdom`.
    environment: 'node',
    watch: false,
  },
});
