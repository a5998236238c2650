// The web app's build. VITE_API_URL (the API's origin) is read at build time;
// stack/stack.sh builds once per stack with that stack's API URL.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    // the served CSP has no 'unsafe-inline': keep every asset a file
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
