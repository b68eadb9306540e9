// When the gateway probes its business servers, on a fake clock against real fake upstreams:
// rarely while no request flows, fast again on a request or a failure, and at once when a
// server's connection closes, so a killed server is dropped without waiting for the next probe.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { Upstreams, type ProbeTimers } from '../src/infra/upstreams.js';
import { loadGatewayConfig } from '../src/config.js';
import { ConfigError } from '@banca/core/config';

/** Timers that fire only when the test says so; real I/O goes on meanwhile. */
class FakeTimers implements ProbeTimers {
  private nowMs = 0;
  private next = 1;
  readonly pending = new Map<number, { atMs: number; run: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { atMs: this.nowMs + ms, run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  dueInMs(): number[] {
    return [...this.pending.values()].map((timer) => timer.atMs - this.nowMs).sort((a, b) => a - b);
  }

  /** Moves the clock to the earliest timer and fires it. */
  fireNext(): void {
    const [id, timer] = [...this.pending.entries()].sort((a, b) => a[1].atMs - b[1].atMs)[0]!;
    this.pending.delete(id);
    this.nowMs = timer.atMs;
    timer.run();
  }
}

/** Waits (real time, I/O only) until `ready` holds. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(ready(), `timed out waiting for ${what}`);
}

interface FakeUpstream {
  url: string;
  server: Server;
  probes: number;
  status: number;
}

async function fakeUpstream(): Promise<FakeUpstream> {
  const upstream = { url: '', server: undefined as unknown as Server, probes: 0, status: 200 };
  upstream.server = createServer((request, response) => {
    if (request.url === '/health') upstream.probes++;
    response.statusCode = upstream.status;
    response.end('{"status":"ok"}');
  });
  await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
  return upstream;
}

const options = { healthIntervalMs: 150, healthIdleIntervalMsMax: 2000, healthTimeoutMs: 1000, unhealthyAfterFailures: 2, connectionsPerUpstream: 4, upstreamTimeoutMs: 5000 };
const opened: { upstreams: Upstreams; servers: Server[] }[] = [];

async function setUp(count = 1) {
  const servers = await Promise.all(Array.from({ length: count }, () => fakeUpstream()));
  const timers = new FakeTimers();
  const upstreams = new Upstreams({ ...options, urls: servers.map((server) => server.url) }, timers);
  opened.push({ upstreams, servers: servers.map((server) => server.server) });
  await upstreams.start();
  /** Fires the next probe and waits until it has answered and the one after is set. */
  const probeOnce = async () => {
    const before = timers.pending.size;
    timers.fireNext();
    await until(() => timers.pending.size === before, 'the probe to end');
  };
  return { servers, timers, upstreams, probeOnce };
}

afterEach(async () => {
  for (const { upstreams, servers } of opened.splice(0)) {
    await upstreams.close();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  }
});

describe('gateway - probe schedule', () => {
  test('with no request flowing, a healthy server is probed ever less often, up to healthIdleIntervalMsMax', async () => {
    const { timers, upstreams, probeOnce, servers } = await setUp();
    assert.deepEqual(timers.dueInMs(), [150]);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await probeOnce();
      delays.push(timers.dueInMs()[0]!);
    }
    assert.deepEqual(delays, [300, 600, 1200, 2000, 2000, 2000]);
    assert.equal(servers[0]!.probes, 7, 'the first check and six probes');
    assert.equal(upstreams.healthyCount(), 1);
  });

  test('a request brings every probe back to the fast rate, and keeps it there while requests flow', async () => {
    const { timers, upstreams, probeOnce } = await setUp(2);
    for (let i = 0; i < 8; i++) await probeOnce();
    assert.deepEqual(timers.dueInMs().map((ms) => ms > 150), [true, true]);
    upstreams.noteRequest();
    assert.deepEqual(timers.dueInMs(), [150, 150], 'far probes are moved, not added');
    await probeOnce();
    upstreams.noteRequest();
    await probeOnce();
    assert.deepEqual(upstreams.probeDelaysMs(), [150, 150]);
  });

  test('a server that fails its check is probed at the fast rate until it is back', async () => {
    const { timers, upstreams, probeOnce, servers } = await setUp();
    for (let i = 0; i < 5; i++) await probeOnce();
    servers[0]!.status = 500;
    await probeOnce();
    assert.deepEqual(timers.dueInMs(), [150], 'one failure: fast');
    await probeOnce();
    assert.equal(upstreams.healthyCount(), 0, 'dropped after unhealthyAfterFailures');
    await probeOnce();
    assert.deepEqual(timers.dueInMs(), [150], 'down: fast');
    servers[0]!.status = 200;
    await probeOnce();
    assert.equal(upstreams.healthyCount(), 1);
    assert.deepEqual(timers.dueInMs(), [300], 'back in service and idle: backing off again');
  });

  test('a server whose connection closes is probed at once: killed at rest, it is dropped without waiting for the clock', async () => {
    const { timers, upstreams, probeOnce, servers } = await setUp(2);
    for (let i = 0; i < 10; i++) await probeOnce();
    assert.ok(timers.dueInMs().every((ms) => ms >= 1200), 'probes backed off');
    const down: string[] = [];
    upstreams.on('down', (origin: string) => down.push(origin));
    // What a SIGKILL does to a server's sockets: the listener and every connection close.
    servers[1]!.server.close();
    servers[1]!.server.closeAllConnections();
    await until(() => down.length === 1, 'the dead server to be dropped');
    assert.deepEqual(down, [servers[1]!.url]);
    assert.equal(upstreams.healthyCount(), 1);
  });
});

describe('gateway - probe config', () => {
  test('healthIdleIntervalMsMax defaults to 2 s and may not be below healthIntervalMs', () => {
    assert.equal(loadGatewayConfig({}, {}).healthIdleIntervalMsMax, 2000);
    assert.throws(() => loadGatewayConfig({ healthIntervalMs: 500, healthIdleIntervalMsMax: 200 }, {}), ConfigError);
  });
});
