/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// `npm run dev` / `vite preview` forward the API to a running server, so the default
// "same origin" server address works in development too.
const api = { '/api': { target: process.env.ADUAN_URL ?? 'http://127.0.0.1:8080', changeOrigin: true } };

export default defineConfig({
  // svelteTesting: browser build of Svelte and automatic cleanup between component tests.
  plugins: [svelte(), ...(process.env.VITEST ? [svelteTesting()] : [])],
  // Relative asset paths: the build works from any base (static server, desktop webview).
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 300 },
  server: { proxy: api },
  preview: { proxy: api },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
  },
});
