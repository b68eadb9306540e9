// The shipped nginx configs run outside Docker: an nginx binary (installed with apt-get when
// missing and running as root), and a config rendered for 127.0.0.1 ports chosen at run time.
// Used by nginx.test.ts (nginx in front of a real bank) and deploy.test.ts (nginx -t).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installDebianPackages } from '@banca/testkit/debian';

export function findNginx(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean).concat(['/usr/sbin', '/usr/local/sbin', '/sbin']);
  return dirs.map((dir) => join(dir, 'nginx')).find((path) => existsSync(path));
}

/** nginx, installed with apt-get when missing (root only). */
export async function ensureNginx(): Promise<{ path: string; installMs: number }> {
  const found = findNginx();
  if (found) return { path: found, installMs: 0 };
  const installMs = await installDebianPackages(['nginx'], 'nginx is not installed');
  // Should the package have started its service anyway, stop it: only our nginx may run.
  const systemPid = Number(existsSync('/run/nginx.pid') ? readFileSync('/run/nginx.pid', 'utf8').trim() : NaN);
  if (Number.isInteger(systemPid) && systemPid > 0) {
    try {
      process.kill(systemPid, 'SIGQUIT');
    } catch {
      // not running
    }
  }
  const path = findNginx();
  assert.ok(path, 'apt-get installed nginx but no nginx binary is on PATH or in /usr/sbin');
  return { path, installMs };
}

/** The shipped banca.conf with the business servers' and nginx's runtime addresses. */
export function renderBancaConf(text: string, businessUrls: string[], listenPort: number): string {
  const servers = [...text.matchAll(/^\s*server business-(\d+):\d+\b/gm)];
  assert.equal(servers.length, businessUrls.length, `the nginx config lists ${servers.length} business servers, the bank runs ${businessUrls.length}`);
  assert.match(text, /^\s*listen 8100;/m, 'the nginx config listens on 8100');
  const rendered = text
    .replace(/^(\s*server )business-(\d+):\d+\b/gm, (_, prefix: string, n: string) => {
      const url = businessUrls[Number(n) - 1];
      assert.ok(url, `no business server ${n} in the test bank`);
      return `${prefix}${new URL(url).host}`;
    })
    .replace(/^(\s*)listen 8100;/m, `$1listen 127.0.0.1:${listenPort};`);
  assert.doesNotMatch(rendered, /business-\d+:/, 'every upstream address was rendered');
  return rendered;
}

export function mainConfig(dir: string): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body_temp;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;
  include ${dir}/banca.conf;
}
`;
}
