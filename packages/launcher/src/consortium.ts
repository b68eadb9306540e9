// A consortium of banks on this machine: each bank is started by startBank, and its business
// servers learn every bank's gateway (where interbank calls go), its own name and colours, and
// the coordination mode. Gateway ports are fixed before any bank starts, so every bank can be
// told where the others will be.
import { defaultPorts } from '@banca/core/config';
import { startBank, type BankOptions, type RunningBank } from './bank.js';
import { planServices, startConsortiumServices, type RunningServices } from './consortium-services.js';
import { freePort } from './free-port.js';
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
  url: string;
  gatewayPort: number;
}

export type Coordination = 'holds' | 'token-ring';

/** The banks of a consortium and where their gateways will listen. */
export async function planConsortium(banks: number, ports: 'default' | 'random'): Promise<Member[]> {
  if (banks < 1 || banks > BANK_BRANDS.length) throw new Error(`a consortium has 1 to ${BANK_BRANDS.length} banks`);
  const members: Member[] = [];
  for (let bankId = 1; bankId <= banks; bankId++) {
    const gatewayPort = ports === 'default' ? defaultPorts.gateway(bankId) : await freePort();
    const brand = BANK_BRANDS[bankId - 1]!;
    members.push({ bankId, ...brand, url: `http://127.0.0.1:${gatewayPort}`, gatewayPort });
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

export interface ConsortiumOptions extends Omit<BankOptions, 'bankId'> {
  perBank?: (bankId: number) => Partial<BankOptions>;
  /** Also start the credit registry and the dossier (seeded with the demo records when asked). */
  services?: { seedDemo: boolean; registry?: Record<string, unknown>; dossier?: Record<string, unknown> };
}

/** Starts every bank (in order, each whole or not at all), then the services; stops what started if one fails. */
export async function startConsortium(count: number, coordination: Coordination, options: ConsortiumOptions): Promise<RunningConsortium> {
  const members = await planConsortium(count, options.ports);
  const plan = options.services ? await planServices(options.ports) : null;
  const banks: RunningBank[] = [];
  let services: RunningServices | null = null;
  const keys = devInterbankKeys(options.dataDir, members.map((member) => member.bankId));
  try {
    for (const member of members) {
      const extra = options.perBank?.(member.bankId) ?? {};
      const merged = { ...options, ...extra };
      banks.push(await startBank({ ...merged, ...memberOptions(member, members, coordination, keys, merged, plan?.jwksUrl) } as BankOptions));
    }
    if (plan && options.services) {
      services = await startConsortiumServices(plan, {
        ports: options.ports, dataDir: options.dataDir, seedDemo: options.services.seedDemo, banks: members, logLevel: options.logLevel,
        ...(options.services.registry ? { registry: options.services.registry } : {}),
        ...(options.services.dossier ? { dossier: options.services.dossier } : {}),
        ...(options.onLine ? { onLine: options.onLine } : {}),
        ...(options.env ? { env: options.env } : {}),
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
