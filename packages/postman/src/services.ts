// Every banca service whose API gets a Postman collection, built in-process without listening.
// Each is built with its defaults except where a default would reach outside the process: memory
// stores, and upstreams at an address nothing answers (a business server built here must never
// sweep, nor a gateway probe, a bank that happens to be running). The environment is not read.
// The key variables default to the development keys `npm start` uses, taken from @banca/core.
import type { FastifyInstance } from 'fastify';
import { buildApp as buildBusinessServer } from '@banca/business-server/app';
import { loadBusinessServerConfig } from '@banca/business-server/config';
import { DEV_CLIENT_KEYS, DEV_KEY_PREFIX, devBusinessKeys } from '@banca/core/auth';
import { defaultPorts } from '@banca/core/config';
import { buildApp as buildCreditRegistry } from '@banca/credit-registry/app';
import { loadCreditRegistryConfig } from '@banca/credit-registry/config';
import { buildApp as buildDataServer } from '@banca/data-server/app';
import { loadDataServerConfig } from '@banca/data-server/config';
import { buildApp as buildDossier } from '@banca/dossier/app';
import { loadDossierConfig } from '@banca/dossier/config';
import { buildApp as buildGateway } from '@banca/gateway/app';
import { loadGatewayConfig } from '@banca/gateway/config';
import type { KeyVariable } from './openapi-to-postman.js';

export type ServiceName = 'data-server' | 'business-server' | 'gateway' | 'credit-registry' | 'dossier';

export interface Service {
  name: ServiceName;
  /** Where the service listens by default (bank 1's first instance for the bank's services). */
  baseUrl: string;
  build(): Promise<FastifyInstance>;
  /** Values of the collection's key variables (by security scheme name), for the key-header routes. */
  keys?: Readonly<Record<string, KeyVariable>>;
}

/** The discard port: a connection there is refused at once. */
const NOWHERE = 'http://127.0.0.1:9';
const NO_ENV = {};
const local = (port: number) => `http://127.0.0.1:${port}`;

const DEV_BUSINESS_ID = '1';
const DEV_CLIENT_ID = 'clientA';

function devKey(ring: Readonly<Record<string, string>>, id: string): string {
  const key = ring[id];
  if (key === undefined) throw new Error(`postman: no development key for ${id}`);
  return key;
}

const DATA_SERVER_KEYS: Record<string, KeyVariable> = {
  businessId: { value: DEV_BUSINESS_ID, note: `Development: business ${DEV_BUSINESS_ID}.` },
  authToken: { value: devKey(devBusinessKeys(1), DEV_BUSINESS_ID), note: `Development: business ${DEV_BUSINESS_ID}'s key (business N's is ${DEV_KEY_PREFIX}business-N).` },
};

const BUSINESS_SERVER_KEYS: Record<string, KeyVariable> = {
  clientId: { value: DEV_CLIENT_ID, note: `Development: ${Object.keys(DEV_CLIENT_KEYS).join(' or ')}.` },
  authToken: { value: devKey(DEV_CLIENT_KEYS, DEV_CLIENT_ID), note: `Development: ${DEV_CLIENT_ID}'s key, for the client routes.` },
  // No value: a signature is bound to one request, expires and is accepted once, so none can be written here.
  interbankSignature: {
    value: '',
    note: 'No fixed value works: each interbank request needs a new signature made by the calling bank with its own private key '
      + '(under `npm start`, bank N\'s is data/interbank-keys/bank-N.private.jwk.json), over this very method, path, body and receiver, '
      + 'used within interbankSignatureWindowMs (30 s) and only once. Make one per request (README, "Interbank signatures") and paste it here; '
      + 'a request sent with an empty or reused value is refused 401.',
  },
};

export const SERVICES: readonly Service[] = [
  {
    name: 'data-server',
    baseUrl: local(defaultPorts.dataServer(1)),
    build: () => buildDataServer(loadDataServerConfig({ store: 'memory', logLevel: 'silent' }, NO_ENV)),
    keys: DATA_SERVER_KEYS,
  },
  {
    name: 'business-server',
    baseUrl: local(defaultPorts.businessServer(1, 1)),
    build: () => buildBusinessServer(loadBusinessServerConfig({ dataServerUrls: [NOWHERE], logLevel: 'silent' }, NO_ENV)),
    keys: BUSINESS_SERVER_KEYS,
  },
  {
    name: 'gateway',
    baseUrl: local(defaultPorts.gateway(1)),
    build: () => buildGateway(loadGatewayConfig({ upstreams: [NOWHERE], webRoot: '', logLevel: 'silent' }, NO_ENV)),
  },
  {
    name: 'credit-registry',
    baseUrl: local(defaultPorts.creditRegistry),
    build: () => buildCreditRegistry(loadCreditRegistryConfig({ databasePath: ':memory:', logLevel: 'silent' }, NO_ENV)),
  },
  {
    name: 'dossier',
    baseUrl: local(defaultPorts.dossier),
    build: () => buildDossier(loadDossierConfig({ registryUrl: NOWHERE, logLevel: 'silent' }, NO_ENV)),
  },
];
