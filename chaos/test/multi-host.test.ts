// The consortium on hosts of its own (issue 14): each bank, the credit registry and the dossier in
// a network namespace of its own, bound to its host's address, the banks reaching each other only
// through links (proxies on the hosts' bridge) that delay every chunk 10 ms each way. It checks the
// layout itself (where every process runs and listens, which addresses its sockets use, the
// delay, a Pix and a dossier across hosts), then runs the consortium tests there
// (BANCA_TEST_HOSTS=netns) and a short chaos run (`--hosts`, every bank's ledger on a PostgreSQL
// primary and standby of this machine, reached over the bridge, one of them lost), each as a child process, and checks
// that every namespace, veth and bridge they made is gone. Needs root and iproute2: where
// namespaces cannot be made, it says why and fails.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { ServiceProcess } from '@banca/launcher/spawn-service';
import { deposit, DOCUMENTS, pix, signUp } from '@banca/testkit/consortium';
import { hostNetworks, hostsUnavailableReason, LINK_DELAY_MS, sweepHostNetworks } from '@banca/testkit/hosts';
import { http, startTestConsortium, waitFor } from '@banca/testkit/testkit';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD_TIMEOUT_MS = 240_000;
/** The processes (children, grandchildren) that made networks. */
const children: number[] = [];

after(() => {
  // A child killed before it could clean up leaves its network written down: it goes here.
  for (const pid of children) sweepHostNetworks(pid);
});

function requireHosts(): void {
  const reason = hostsUnavailableReason();
  assert.equal(reason, null, `the multi-host test needs network namespaces (root and iproute2's ip netns) and cannot make them here: ${reason}`);
}

/** IPv4 TCP sockets of the network namespace `pid` is in: local and remote address, and whether it listens. */
function socketsOf(pid: number): { local: string; remote: string; listening: boolean }[] {
  const address = (hex: string) => {
    const [ip] = hex.split(':');
    // /proc prints the address in the machine's byte order (little-endian here).
    return [6, 4, 2, 0].map((at) => parseInt(ip!.slice(at, at + 2), 16)).join('.');
  };
  return readFileSync(`/proc/${pid}/net/tcp`, 'utf8').trim().split('\n').slice(1).map((line) => {
    const fields = line.trim().split(/\s+/);
    return { local: address(fields[1]!), remote: address(fields[2]!), listening: fields[3] === '0A' };
  });
}

function ipv6SocketsOf(pid: number): number {
  return readFileSync(`/proc/${pid}/net/tcp6`, 'utf8').trim().split('\n').length - 1;
}

function netnsOf(pid: number): string {
  return execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim();
}

/** Whether `pid` is `ancestor` or one of its descendants (`node --test` runs each file in a child of its own). */
function descendsFrom(pid: number, ancestor: number): boolean {
  for (let current = pid, depth = 0; current > 1 && depth < 16; depth++) {
    if (current === ancestor) return true;
    try {
      // /proc/<pid>/stat: "pid (name) state ppid ...", the name maybe holding spaces.
      const stat = readFileSync(`/proc/${current}/stat`, 'utf8');
      current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

interface ChildNetwork {
  pid: number;
  namespaces: string[];
}

/** Runs a child to its end (SIGKILL past the timeout), noting the networks it and its children made while it ran. */
async function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; networks: Map<string, ChildNetwork>; seconds: number }> {
  const started = performance.now();
  // Without the test runner's marker for its own children: the child runs its test files itself.
  const { NODE_TEST_CONTEXT: _context, ...parentEnv } = process.env;
  // A process group of its own: a timeout (or this process's exit) ends it with all it started.
  const child = spawn(process.execPath, args, { cwd: root, env: { ...parentEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const networks = new Map<string, ChildNetwork>();
  const watch = setInterval(() => {
    for (const network of hostNetworks()) {
      if (networks.has(network.id) || !descendsFrom(network.pid, child.pid!)) continue;
      networks.set(network.id, { pid: network.pid, namespaces: network.namespaces });
      children.push(network.pid);
    }
  }, 200);
  const timer = setTimeout(killGroup, CHILD_TIMEOUT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(watch);
  clearTimeout(timer);
  // Whatever the child left running (its test file's process, services) goes with its group.
  killGroup();
  process.off('exit', killGroup);
  return { code, output, networks, seconds: (performance.now() - started) / 1000 };
}

/** The child left nothing behind: none of its networks still written down, none of their namespaces or links present. */
function assertRemoved(networks: Map<string, ChildNetwork>): void {
  const ids = [...networks.keys()];
  const recorded = hostNetworks().filter((network) => ids.includes(network.id)).map((network) => network.id);
  const swept = [...new Set([...networks.values()].map((network) => network.pid))].flatMap((pid) => sweepHostNetworks(pid));
  assert.deepEqual(recorded, [], `networks left behind by the child (now removed: ${swept.join(', ')})`);
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  for (const id of ids) {
    assert.ok(!namespaces.includes(id), `a namespace of ${id} is left: ${namespaces}`);
    assert.ok(!links.includes(id), `a link of ${id} is left`);
  }
}

const tail = (output: string) => output.trim().split('\n').slice(-40).join('\n');

test('multi-host - network namespaces can be made here (root, iproute2)', () => {
  requireHosts();
});

test('multi-host - each bank, the registry and the dossier on a host of its own, bound to its address, the banks linked 10 ms apart', async () => {
  requireHosts();
  const started = performance.now();
  const consortium = await startTestConsortium(3, 'holds', { businessServers: 2, services: { seedDemo: true } }, 'netns');
  const network = consortium.network!;
  try {
    console.log(`# hosts: ${network.hosts.map((host) => `${host.netns} ${host.address}`).join(', ')}; bridge ${network.bridge} ${network.bridgeAddress} (${network.subnet}); up in ${Math.round(performance.now() - started)} ms`);
    const placed: [ServiceProcess, string][] = [
      ...consortium.banks.flatMap((bank, index) => [...bank.dataServers, ...bank.businessServers, bank.gateway].map((process): [ServiceProcess, string] => [process, `b${index + 1}`])),
      [consortium.services!.registry, 'reg'],
      [consortium.services!.dossier, 'dos'],
    ];
    for (const [process, hostName] of placed) {
      const host = network.host(hostName);
      assert.equal(new URL(process.url).hostname, host.address, `${process.name} listens on its host's address`);
      assert.equal(netnsOf(process.child.pid!), host.netns, `${process.name} runs in its host's namespace`);
    }
    // The consortium reaches each bank through its link: a proxy on the bridge in front of its gateway.
    for (const member of consortium.members) {
      assert.equal(new URL(member.url).hostname, network.bridgeAddress);
      assert.equal(member.address, network.host(`b${member.bankId}`).address);
    }

    const ana = await signUp(consortium.url(1), 1, 'Ana Souza', DOCUMENTS.cpf[0]!);
    const anaAt2 = await signUp(consortium.url(2), 2, 'Ana Souza', DOCUMENTS.cpf[0]!);
    const bruno = await signUp(consortium.url(3), 3, 'Bruno Lima', DOCUMENTS.cpf[1]!);
    await deposit(consortium.url(1), ana, '100.00');
    await deposit(consortium.url(2), anaAt2, '20.00');
    const sent = await pix(consortium.url(1), ana, 3, DOCUMENTS.cpf[1]!, '30.00');
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.status, 'completed');
    await waitFor(async () => (await http(`${consortium.url(3)}/v1/me`, { headers: bruno.auth })).body.balanceCents === 3000, 10_000, "Bruno's credit at bank 3");

    // The dossier (its own host) asks the banks through their links, and the registry on its host;
    // each bank checks the dossier's token against the key set on the dossier's host.
    const basic = Buffer.from('dossier-reader:dev-insecure-dossier-reader').toString('base64');
    const token = await http(`${consortium.services!.dossier.url}/oauth/token`, {
      method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials',
    });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const dossier = await http(`${consortium.services!.dossier.url}/v1/dossiers/${DOCUMENTS.cpf[0]}`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
    assert.equal(dossier.status, 200, JSON.stringify(dossier.body));
    assert.deepEqual(dossier.body.sources.map((source: { source: string; status: string }) => [source.source, source.status]),
      [['bank:1', 'ok'], ['bank:2', 'ok'], ['bank:3', 'ok'], ['registry', 'ok']]);
    assert.deepEqual([dossier.body.totals.balance, dossier.body.totals.debt], ['90.00', '1350.90']);
    for (const source of dossier.body.sources.filter((entry: { source: string }) => entry.source.startsWith('bank:'))) {
      assert.ok(source.latencyMs >= 2 * LINK_DELAY_MS, `the dossier reaches ${source.source} through its link (${source.latencyMs} ms)`);
    }

    // A request through a link takes its delay both ways; straight to the gateway it does not.
    const fastest = async (url: string) => {
      let best = Infinity;
      for (let attempt = 0; attempt < 5; attempt++) {
        const at = performance.now();
        assert.equal((await http(`${url}/ready`)).status, 200);
        best = Math.min(best, performance.now() - at);
      }
      return best;
    };
    const linked = await fastest(consortium.url(2));
    const direct = await fastest(consortium.bank(2).gateway.url);
    console.log(`# GET /ready at bank 2: ${linked.toFixed(1)} ms through its link, ${direct.toFixed(1)} ms straight to its gateway`);
    assert.ok(linked >= 2 * LINK_DELAY_MS - 0.5, `through the link: ${linked} ms`);
    assert.ok(linked > direct, `straight to the gateway is faster (${direct} ms)`);

    // Nothing in any host uses 127.0.0.1, and no bank talks to another bank's address: each host's
    // sockets are on its own address, talking to itself, the bridge (the links, the test's clients)
    // or the dossier's host (its key set, fetched by the banks and the registry, straight).
    const dossierHost = network.host('dos').address;
    const allowed = (name: string) => (name === 'dos' ? network.hosts.map((host) => host.address) : [dossierHost]);
    for (const host of network.hosts) {
      const pid = placed.find(([, name]) => name === host.name)![0].child.pid!;
      const sockets = socketsOf(pid);
      assert.ok(sockets.some((socket) => socket.listening), `${host.name} listens`);
      for (const socket of sockets) {
        assert.equal(socket.local, host.address, `${host.name}: a socket on ${socket.local}`);
        if (socket.listening) continue;
        assert.ok([host.address, network.bridgeAddress, ...allowed(host.name)].includes(socket.remote), `${host.name}: a connection to ${socket.remote}`);
      }
      assert.equal(ipv6SocketsOf(pid), 0, `${host.name} has no IPv6 socket`);
    }
  } finally {
    await consortium.cleanup();
  }
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.ok(!namespaces.includes(network.id), `the namespaces are gone: ${namespaces}`);
  assert.ok(!execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).includes(network.id), 'the veths and the bridge are gone');
  assert.deepEqual(hostNetworks().filter((recorded) => recorded.id === network.id), []);
});

test('multi-host - the consortium tests, every bank on a host of its own (BANCA_TEST_HOSTS=netns)', async () => {
  requireHosts();
  const file = 'apps/business-server/dist/test/consortium.test.js';
  const run = await runChild(['--test', '--test-reporter=spec', file], { BANCA_TEST_HOSTS: 'netns' });
  const passed = Number(/^\s*(?:#|ℹ) pass (\d+)/m.exec(run.output)?.[1] ?? 0);
  const failed = Number(/^\s*(?:#|ℹ) fail (\d+)/m.exec(run.output)?.[1] ?? -1);
  console.log(`# ${file} on hosts: ${passed} passed, ${failed} failed in ${run.seconds.toFixed(1)} s; networks ${[...run.networks.keys()].join(', ')}`);
  assert.equal(run.code, 0, tail(run.output));
  assert.ok(passed > 0 && failed === 0, tail(run.output));
  assert.ok([...run.networks.values()].some((network) => network.namespaces.length === 3), `the child made hosts for 3 banks (${JSON.stringify([...run.networks])})`);
  assertRemoved(run.networks);
});

test('multi-host - a short chaos run with every bank on a host of its own (--hosts), its ledger on a PostgreSQL pair reached over the bridge, a primary lost', async () => {
  requireHosts();
  const seed = Number(process.env.BANCA_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`# chaos seed ${seed} (BANCA_CHAOS_SEED=${seed} replays it)`);
  const run = await runChild(['chaos/dist/src/main.js', '--hosts', '--seconds', '20', '--workers', '4', '--customers', '4', '--fault-every-ms', '300-600',
    '--store', 'postgres', '--replicas', '1', '--seed', String(seed)], {});
  for (const line of run.output.split('\n').filter((entry) => /^(chaos: |PASS|FAIL)/.test(entry))) console.log(`# ${line}`);
  const verdict = /chaos: (\d+) passed, (\d+) failed/.exec(run.output);
  console.log(`# chaos on hosts: ${verdict ? `${verdict[1]} passed, ${verdict[2]} failed` : 'no verdict'} in ${run.seconds.toFixed(1)} s`);
  assert.equal(run.code, 0, `seed ${seed}:\n${tail(run.output)}`);
  assert.ok(verdict && Number(verdict[1]) === 7 && verdict[2] === '0', `seed ${seed}:\n${tail(run.output)}`);
  assert.match(run.output, /chaos: hosts bnc[0-9a-f]{6}-b1 /);
  assert.match(run.output, /^failover at bank \d: standby promoted \d+ ms after the primary's SIGKILL; outage .* \d+\.\d+ s$/m, 'a primary was lost and its bank took writes again');
  assert.ok([...run.networks.values()].some((network) => network.namespaces.length === 3), 'the chaos run made hosts for its 3 banks');
  assertRemoved(run.networks);
});
