import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm run dev` talks to a running `hookline serve --ui` through this proxy
// (HOOKLINE_URL, default http://127.0.0.1:8787): the designer always runs
// against the real core.
const backend = process.env.HOOKLINE_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the same build is served by the Tauri shell and by
  // `hookline serve --ui`.
  base: './',
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: backend, changeOrigin: false } },
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // The largest chunk is lucide's full icon map, loaded only for an icon
    // name the built-in components do not use.
    chunkSizeWarningLimit: 900,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    restoreMocks: true,
  },
});
