import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';

// No business server answers here: the pages must not depend on one.
const NOWHERE = 'http://127.0.0.1:9';

describe('gateway - the web interface under /app/', () => {
  let root: string;
  let app: FastifyInstance;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'banca-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>banca</title>');
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    app = await buildApp(loadGatewayConfig({ upstreams: [NOWHERE], webRoot: root, logLevel: 'silent' }, {}));
  });

  after(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('gateway - / sends the browser to /app/', async () => {
    const response = await app.inject({ url: '/' });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/app/');
  });

  it('gateway - every page of the app is index.html, never cached, with a strict content security policy', async () => {
    for (const url of ['/app/', '/app/login', '/app/dashboard?welcome=1', '/app/transactions']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 200, url);
      assert.match(response.body, /<title>banca<\/title>/);
      assert.equal(response.headers['cache-control'], 'no-cache');
      assert.match(String(response.headers['content-security-policy']), /default-src 'self'/);
      assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
    }
  });

  it('gateway - the page may call only its own origin unless the config names the consortium\'s other banks', async () => {
    const policy = (response: { headers: Record<string, unknown> }) => String(response.headers['content-security-policy']).match(/connect-src ([^;]*)/)?.[1];
    assert.equal(policy(await app.inject({ url: '/app/' })), "'self'");
    const member = await buildApp(loadGatewayConfig({
      upstreams: [NOWHERE], webRoot: root, logLevel: 'silent', connectOrigins: ['http://127.0.0.1:8200', 'https://bank3.example.com/'],
    }, {}));
    try {
      assert.equal(policy(await member.inject({ url: '/app/transactions' })), "'self' http://127.0.0.1:8200 https://bank3.example.com");
    } finally {
      await member.close();
    }
  });

  it('gateway - hashed assets are cached for good; a missing asset is a 404 from the catalogue, not the page', async () => {
    const asset = await app.inject({ url: '/app/assets/index-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    // The static plugin's setHeaders puts the page's security headers on assets too.
    assert.equal(asset.headers['x-content-type-options'], 'nosniff');
    assert.equal(asset.headers['x-frame-options'], 'DENY');
    assert.match(String(asset.headers['content-security-policy']), /default-src 'self'/);
    const missing = await app.inject({ url: '/app/assets/index-old.js' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'ROUTE_NOT_FOUND');
  });

  it('gateway - files outside the web root cannot be reached', async () => {
    for (const url of ['/app/../package.json', '/app/%2e%2e/%2e%2e/etc/passwd', '/app/assets/..%2f..%2fetc%2fpasswd']) {
      const response = await app.inject({ url });
      assert.ok(!response.body.includes('root:'), url);
      if (response.statusCode === 200) assert.match(response.body, /<title>banca<\/title>/, url);
    }
  });

  it('gateway - without a built interface, /app/ says how to build it', async () => {
    const bare = await buildApp(loadGatewayConfig({ upstreams: [NOWHERE], webRoot: join(root, 'missing'), logLevel: 'silent' }, {}));
    try {
      const response = await bare.inject({ url: '/app/login' });
      assert.equal(response.statusCode, 404);
      assert.match(response.json().error.message, /npm run build/);
    } finally {
      await bare.close();
    }
  });
});
