// Where the built web interface lives, for the gateways that serve it. `npm run build` writes it
// (vite build into dist/ui); a gateway without it serves no pages and says why.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const webRoot = fileURLToPath(new URL('../ui/', import.meta.url));

export function webRootIsBuilt(root: string = webRoot): boolean {
  return existsSync(`${root}/index.html`);
}
