// Vite builds the UI into `dist/` (or `PULSEGRID_WEB_OUT`, which the server's build script sets),
// and the `pulsegrid` binary embeds it. `npm run dev` proxies the API to a running server.
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: process.env.PULSEGRID_WEB_OUT ?? 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', ws: true },
      '/login': 'http://127.0.0.1:3000',
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
} as never);
