// The web app's build. VITE_API_URL (the API's origin) is read at build time;
// stack/stack.sh builds once per stack with that stack's API URL. Two pages:
// the app (index.html) and the embed player (embed.html), which other sites
// may frame and which carries none of the app's sign-in code.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export default defineConfig({
  plugins: [react()],
  build: {
    // the served CSP has no 'unsafe-inline': keep every asset a file
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      input: { main: page('index.html'), embed: page('embed.html') },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
