// Ports planned before their services listen: reserved per process, so two processes planning at
// once (parallel test files) never both pick one.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, reservePort } from '../src/free-port.js';

test('free ports - a port another live process planned is not handed out; a dead one\'s is taken back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'banca-ports-test-'));
  try {
    writeFileSync(join(dir, '25001'), String(process.ppid));
    assert.equal(reservePort(25001, dir), false, 'held by the (live) parent process');
    writeFileSync(join(dir, '25002'), '999999999');
    assert.equal(reservePort(25002, dir), true, 'its process is gone: stale');
    assert.equal(readFileSync(join(dir, '25002'), 'utf8'), String(process.pid));
    assert.equal(reservePort(25002, dir), false, 'not handed out twice by this process either');
    assert.equal(reservePort(25003, dir), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('free ports - each port chosen is reserved under this process, and never chosen twice', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  assert.equal(new Set(ports).size, 20);
  for (const port of ports) {
    const file = join(tmpdir(), 'banca-ports', String(port));
    assert.ok(existsSync(file), `port ${port} is reserved`);
    assert.equal(readFileSync(file, 'utf8'), String(process.pid));
  }
});
