// Helpers for tests that run real processes on 127.0.0.1 ports chosen at run time (a consortium
// on hosts of their own when BANCA_TEST_HOSTS=netns: see startTestConsortium).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { DEV_CLIENT_KEYS, devBusinessKeys } from '@banca/core/auth';
import { startBank, type BankOptions, type RunningBank } from '@banca/launcher/bank';
import { startConsortium, type ConsortiumOptions, type Coordination, type RunningConsortium } from '@banca/launcher/consortium';
import { BancaClient } from '@banca/sdk/client';
import type { FaultProxy } from './fault-proxy.js';
import { createHostNetwork, startLinkProxy, type HostNetwork } from './hosts.js';

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTP request with a JSON (or raw) body; never throws on an HTTP status. */
export async function http<T = any>(
  url: string,
  options: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; headers?: Record<string, string>; json?: unknown; body?: string } = {},
): Promise<JsonResponse<T>> {
  const headers = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await request(url, { method: options.method ?? 'GET', headers, body });
  const text = await response.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: response.statusCode, body: parsed as T, headers: response.headers };
}

export const devKeys = { business: devBusinessKeys(3), client: DEV_CLIENT_KEYS };

export function businessHeaders(businessId = '1'): Record<string, string> {
  return { 'business-id': businessId, 'auth-token': devKeys.business[businessId] ?? 'unknown' };
}

export function clientHeaders(clientId: 'clientA' | 'clientB' = 'clientA'): Record<string, string> {
  return { 'client-id': clientId, 'auth-token': devKeys.client[clientId]! };
}

export function tempDir(prefix = 'banca-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestBank extends RunningBank {
  client(clientId?: 'clientA' | 'clientB'): BancaClient;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** What a test bank is unless the test says otherwise: runtime ports, SQLite, 3 business servers. */
function testBankDefaults(dataDir: string): Omit<BankOptions, 'bankId'> {
  return { ports: 'random', store: 'sqlite', dataDir, businessServers: 3, queueMode: 'batch', logLevel: 'warn' };
}

/** A whole bank on runtime ports in a temporary directory; cleanup() stops it and removes the files. */
export async function startTestBank(overrides: Partial<BankOptions> = {}): Promise<TestBank> {
  const dir = tempDir();
  const bank = await startBank({ bankId: 1, ...testBankDefaults(dir.path), ...overrides });
  const clients: BancaClient[] = [];
  return Object.assign(bank, {
    dataDir: dir.path,
    client(clientId: 'clientA' | 'clientB' = 'clientA') {
      const client = new BancaClient({ url: bank.gateway.url, clientId, key: devKeys.client[clientId]!, retriesMax: 8 });
      clients.push(client);
      return client;
    },
    async cleanup() {
      await Promise.all(clients.map((client) => client.close()));
      await bank.stop();
      dir.remove();
    },
  });
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface TestConsortium extends RunningConsortium {
  bank(bankId: number): RunningBank;
  /** Where customers and the other banks reach the bank (its gateway, or the link in front of it on hosts). */
  url(bankId: number): string;
  dataDir: string;
  /** The hosts, when the consortium runs on hosts of its own (BANCA_TEST_HOSTS=netns). */
  network: HostNetwork | null;
  cleanup(): Promise<void>;
}

/** Where test consortiums run: this machine's 127.0.0.1 (unset) or hosts of their own ("netns"). */
export function testHostsLayout(env: NodeJS.ProcessEnv = process.env): 'local' | 'netns' {
  const value = env.BANCA_TEST_HOSTS;
  if (value === undefined || value === '') return 'local';
  if (value === 'netns') return 'netns';
  throw new Error(`BANCA_TEST_HOSTS=${value}: the only layout is "netns" (unset: every process on 127.0.0.1)`);
}

/**
 * A consortium of banks on runtime ports in a temporary directory. With BANCA_TEST_HOSTS=netns (or
 * `layout`), each bank, and the registry and the dossier when asked for, runs on a host of its own
 * (a network namespace, see hosts.ts), bound to that host's address; each bank is reached, by the
 * other banks, the dossier and the test's customers alike, through a proxy in front of its gateway
 * that delays every chunk LINK_DELAY_MS each way.
 */
export async function startTestConsortium(
  count = 3,
  coordination: Coordination = 'holds',
  overrides: Partial<ConsortiumOptions> = {},
  layout: 'local' | 'netns' = testHostsLayout(),
): Promise<TestConsortium> {
  const dir = tempDir();
  const network = layout === 'netns' ? createHostNetwork([...Array.from({ length: count }, (_, index) => `b${index + 1}`), ...(overrides.services ? ['reg', 'dos'] : [])]) : null;
  const proxies: FaultProxy[] = [];
  const release = async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    network?.remove();
    dir.remove();
  };
  let consortium: RunningConsortium;
  try {
    consortium = await startConsortium(count, coordination, {
      ...testBankDefaults(dir.path),
      ...(network ? {
        hosts: {
          bank: (bankId: number) => network.host(`b${bankId}`),
          ...(overrides.services ? { registry: network.host('reg'), dossier: network.host('dos') } : {}),
        },
        entryUrl: async (member) => {
          const proxy = await startLinkProxy(network, { address: member.address, port: member.gatewayPort });
          proxies.push(proxy);
          return proxy.url;
        },
      } : {}),
      ...overrides,
    });
  } catch (error) {
    await release();
    throw error;
  }
  const bank = (bankId: number) => {
    const found = consortium.banks[bankId - 1];
    if (!found) throw new Error(`no bank ${bankId}`);
    return found;
  };
  return Object.assign(consortium, {
    dataDir: dir.path,
    network,
    bank,
    url: (bankId: number) => (network ? consortium.members[bankId - 1]!.url : bank(bankId).gateway.url),
    async cleanup() {
      try {
        await consortium.stop();
      } finally {
        await release();
      }
    },
  });
}
