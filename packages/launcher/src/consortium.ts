// A consortium of banks: each bank is started by startBank, and its business servers learn every
// bank's URL (where interbank calls go), its own name and colours, and the coordination mode.
// Gateway ports are fixed before any bank starts, so every bank can be told where the others will
// be. Every bank is on 127.0.0.1 of this machine unless the caller gives each a host (an address,
// maybe a network namespace) and, if the others reach it through something in front of its
// gateway (a proxy), the URL of that.
import { defaultPorts } from '@banca/core/config';
import { startBank, type BankOptions, type RunningBank } from './bank.js';
import { planServices, startConsortiumServices, type RunningServices } from './consortium-services.js';
import { freePort } from './free-port.js';
import { httpUrl, LOCAL_ADDRESS, type ServiceHost } from './host.js';
import { devInterbankKeys, interbankConfigOf, type ConsortiumKeys } from './interbank-keys.js';

export const BANK_BRANDS: readonly { name: string; color: string }[] = [
  { name: 'Banco Aurora', color: '#0b6e4f' },
  { name: 'Banco Ipê', color: '#b8336a' },
  { name: 'Banco Jangada', color: '#1d4e89' },
  { name: 'Banco Cerrado', color: '#b5651d' },
  { name: 'Banco Maré', color: '#4b3f72' },
  { name: 'Banco Sertão', color: '#8a6d1d' },
  { name: 'Banco Caatinga', color: '#2f6f73' },
  { name: 'Banco Pampa', color: '#7a2e2e' },
  { name: 'Banco Várzea', color: '#3d5a1e' },
];

export interface Member {
  bankId: number;
  name: string;
  color: string;
  /** Where the consortium (the other banks, the dossier, customers' pages) reaches the bank. */
  url: string;
  /** The address its gateway binds, and the gateway's port. */
  address: string;
  gatewayPort: number;
}

export type Coordination = 'holds' | 'token-ring';

/**
 * The banks of a consortium and where their gateways will listen: on `addressOf(bankId)` (default
 * 127.0.0.1), each member's URL the gateway's own until the caller puts something in front.
 */
export async function planConsortium(banks: number, ports: 'default' | 'random', addressOf: (bankId: number) => string = () => LOCAL_ADDRESS): Promise<Member[]> {
  if (banks < 1 || banks > BANK_BRANDS.length) throw new Error(`a consortium has 1 to ${BANK_BRANDS.length} banks`);
  const members: Member[] = [];
  for (let bankId = 1; bankId <= banks; bankId++) {
    // A random port is checked free on this machine's 127.0.0.1: on a host of its own (a fresh
    // network namespace) nothing else listens, and on another machine the caller picks ports.
    const gatewayPort = ports === 'default' ? defaultPorts.gateway(bankId) : await freePort();
    const brand = BANK_BRANDS[bankId - 1]!;
    const address = addressOf(bankId);
    members.push({ bankId, ...brand, url: httpUrl(address, gatewayPort), address, gatewayPort });
  }
  return members;
}

/**
 * The part of a bank's options that makes it a member of the consortium (keys: every bank's
 * interbank key pair, see devInterbankKeys; jwksUrl: the dossier's keys).
 */
export function memberOptions(
  member: Member, members: readonly Member[], coordination: Coordination, keys: ConsortiumKeys, base: Partial<BankOptions> = {}, jwksUrl?: string,
): Partial<BankOptions> {
  return {
    bankId: member.bankId,
    businessServer: {
      bankId: member.bankId,
      ...interbankConfigOf(member.bankId, keys),
      bankName: member.name,
      bankColor: member.color,
      coordination,
      consortium: members.map(({ bankId, name, url }) => ({ bankId, name, url })),
      ...(jwksUrl ? { oauth: { jwksUrl } } : {}),
      ...base.businessServer,
    },
    gateway: { port: member.gatewayPort, connectOrigins: members.map(({ url }) => url), ...base.gateway },
  };
}

export interface RunningConsortium {
  members: Member[];
  banks: RunningBank[];
  /** The credit registry and the dossier, when asked for. */
  services: RunningServices | null;
  stop(): Promise<void>;
  /** SIGKILL of every process of the consortium. */
  kill(): Promise<void>;
}

/** A host for each bank and for the consortium's services (default: all on 127.0.0.1 here). */
export interface ConsortiumHosts {
  bank: (bankId: number) => ServiceHost;
  registry?: ServiceHost;
  dossier?: ServiceHost;
}

export interface ConsortiumOptions extends Omit<BankOptions, 'bankId'> {
  perBank?: (bankId: number) => Partial<BankOptions>;
  /** Also start the credit registry and the dossier (seeded with the demo records when asked). */
  services?: { seedDemo: boolean; registry?: Record<string, unknown>; dossier?: Record<string, unknown> };
  hosts?: ConsortiumHosts;
  /** The URL the consortium reaches a member at, when not its gateway's own (e.g. a proxy in front of
   *  it, made here before any bank starts); its gateway still listens on member.address:member.gatewayPort. */
  entryUrl?: (member: Member) => Promise<string>;
}

/** Starts every bank (in order, each whole or not at all), then the services; stops what started if one fails. */
export async function startConsortium(count: number, coordination: Coordination, options: ConsortiumOptions): Promise<RunningConsortium> {
  const { hosts, entryUrl } = options;
  const members = await planConsortium(count, options.ports, hosts ? (bankId) => hosts.bank(bankId).address : undefined);
  if (entryUrl) for (const member of members) member.url = await entryUrl(member);
  const plan = options.services ? await planServices(options.ports, hosts?.dossier) : null;
  const banks: RunningBank[] = [];
  let services: RunningServices | null = null;
  const keys = devInterbankKeys(options.dataDir, members.map((member) => member.bankId));
  try {
    for (const member of members) {
      const extra = options.perBank?.(member.bankId) ?? {};
      const merged = { ...options, ...(hosts ? { host: hosts.bank(member.bankId) } : {}), ...extra };
      banks.push(await startBank({ ...merged, ...memberOptions(member, members, coordination, keys, merged, plan?.jwksUrl) } as BankOptions));
    }
    if (plan && options.services) {
      services = await startConsortiumServices(plan, {
        ports: options.ports, dataDir: options.dataDir, seedDemo: options.services.seedDemo, banks: members, logLevel: options.logLevel,
        ...(options.services.registry ? { registry: options.services.registry } : {}),
        ...(options.services.dossier ? { dossier: options.services.dossier } : {}),
        ...(options.onLine ? { onLine: options.onLine } : {}),
        ...(options.env ? { env: options.env } : {}),
        ...(hosts?.registry ? { registryHost: hosts.registry } : {}),
      });
    }
  } catch (error) {
    await Promise.all(banks.map((bank) => bank.stop()));
    throw error;
  }
  return {
    members,
    banks,
    services,
    stop: async () => {
      await services?.stop();
      await Promise.all(banks.map((bank) => bank.stop()));
    },
    kill: async () => {
      await Promise.all([services?.registry.kill(), services?.dossier.kill(), ...banks.map((bank) => bank.kill())]);
    },
  };
}
