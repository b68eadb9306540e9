// Helpers for tests that run real processes on 127.0.0.1 ports chosen at run time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { DEV_CLIENT_KEYS, devBusinessKeys } from '@banca/core/auth';
import { startBank, type BankOptions, type RunningBank } from '@banca/launcher/bank';
import { startConsortium, type ConsortiumOptions, type Coordination, type RunningConsortium } from '@banca/launcher/consortium';
import { BancaClient } from '@banca/sdk/client';

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
  url(bankId: number): string;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** A consortium of banks on runtime ports in a temporary directory. */
export async function startTestConsortium(
  count = 3,
  coordination: Coordination = 'holds',
  overrides: Partial<ConsortiumOptions> = {},
): Promise<TestConsortium> {
  const dir = tempDir();
  const consortium = await startConsortium(count, coordination, { ...testBankDefaults(dir.path), ...overrides });
  const bank = (bankId: number) => {
    const found = consortium.banks[bankId - 1];
    if (!found) throw new Error(`no bank ${bankId}`);
    return found;
  };
  return Object.assign(consortium, {
    dataDir: dir.path,
    bank,
    url: (bankId: number) => bank(bankId).gateway.url,
    async cleanup() {
      await consortium.stop();
      dir.remove();
    },
  });
}
