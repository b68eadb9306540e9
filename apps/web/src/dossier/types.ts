// What the dossier service answers (see its /openapi.json).
import type { Transaction } from '../types.js';

export interface AdminSession {
  token: string;
  username: string;
  expiresAtMs: number;
}

export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface RegistryItem {
  id: string;
  kind: 'debt' | 'asset' | 'income';
  amountCents: number;
  date?: string;
  creditor?: string;
  description?: string;
}

export interface SourceReport {
  source: string;
  name: string;
  status: 'ok' | 'unavailable' | 'circuit-open';
  error?: { code: string; message: string };
  latencyMs: number;
}

export interface DossierAccount {
  accountId: string;
  type: string;
  joint: boolean;
  holderNames: string[];
  balanceCents: number;
  blockedCents: number;
  transactions: Transaction[];
}

export interface Dossier {
  document: string;
  documentMasked: string;
  name: string | null;
  generatedAtMs: number;
  complete: boolean;
  sources: SourceReport[];
  banks: { bankId: number; bankName: string; status: SourceReport['status']; accounts: DossierAccount[] }[];
  debts: RegistryItem[];
  assets: RegistryItem[];
  incomes: RegistryItem[];
  totals: { balanceCents: number; debtCents: number; assetCents: number; monthlyIncomeCents: number; netWorthCents: number };
}
