// Debian's Chromium driven by playwright-core (which never downloads a browser). When it is not
// installed, it is installed here with apt-get (as root: the CI machine); otherwise the test says
// how to install it. CHROMIUM_PATH points at another build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const DEFAULT_PATH = '/usr/bin/chromium';

// This machine's network is closed: Chromium's own background connections would only fail.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function apt(args: string[]): boolean {
  console.log(`# apt-get ${args.join(' ')}`);
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 15 * 60_000 });
  return result.status === 0;
}

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? DEFAULT_PATH;
  if (existsSync(path)) return path;
  if (path !== DEFAULT_PATH || process.getuid?.() !== 0) {
    throw new Error(`Chromium is not at ${path}. Install Debian's package (sudo apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  const install = ['install', '-y', 'chromium'];
  if (!apt(install) && !(apt(['update']) && apt(install))) throw new Error('apt-get could not install chromium; see its output above.');
  if (!existsSync(path)) throw new Error(`apt-get installed chromium, but ${path} is still missing.`);
  return path;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ARGS });
}
