// The web interface is built once and served by every bank's gateway under /app/; each bank's
// name and colours come from its own /v1/bank at run time, so one build serves them all. The
// dossier service serves dossier.html under its own /app/.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: 'dist/ui',
    emptyOutDir: true,
    sourcemap: true,
    // Two pages sharing one set of components: a bank's (served by its gateway) and the dossier's.
    rolldownOptions: { input: { bank: 'index.html', dossier: 'dossier.html' } },
  },
  server: { proxy: { '/v1': process.env.BANCA_GATEWAY_URL ?? 'http://127.0.0.1:8100' } },
});
