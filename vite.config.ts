import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The caregiver web app (src/clients/web), built into dist/web and served
 * by the platform under /web/ (src/platform/web-app.ts). `html.cspNonce`
 * puts a placeholder nonce on the tags Vite writes and in a
 * <meta property="csp-nonce">; the platform replaces it with a fresh nonce
 * per response, which its Content-Security-Policy names (CSP3 §6.7.3.1).
 */
export const WEB_BASE = '/web/';
export const CSP_NONCE_PLACEHOLDER = 'TUTELA_CSP_NONCE';

export default defineConfig({
  root: fileURLToPath(new URL('./src/clients/web', import.meta.url)),
  base: WEB_BASE,
  plugins: [react()],
  html: { cspNonce: CSP_NONCE_PLACEHOLDER },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    // Modern browsers only: WebCrypto X25519 (Chromium 133+, Firefox 130+, Safari 17+) is needed anyway.
    target: 'es2022',
    sourcemap: false,
    // No inline <script>, no data: URLs for assets: the CSP allows neither.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev:web`: the app with hot reload, the API of a platform started with `npm run dev`.
    proxy: {
      '/app': { target: 'https://127.0.0.1:8443', secure: false },
      '/auth': { target: 'https://127.0.0.1:8443', secure: false },
      '/cse-in': { target: 'https://127.0.0.1:8443', secure: false },
      '/ws': { target: 'wss://127.0.0.1:8443', ws: true, secure: false },
    },
  },
});
