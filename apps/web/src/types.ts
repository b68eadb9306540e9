// What the bank's customer API answers (see the business server's /openapi.json).

export interface BankSummary {
  bankId: number;
  name: string;
  url: string;
}

export interface BankInfo {
  bankId: number;
  name: string;
  color: string;
  coordination: 'holds' | 'token-ring';
  consortium: BankSummary[];
}

export type PixKeyKind = 'cpf' | 'cnpj' | 'email' | 'phone' | 'random';

export interface Account {
  accountId: string;
  type: 'individual' | 'company';
  joint: boolean;
  holders: { name: string; document: string }[];
  email: string;
  phone: string | null;
  pixKeys: { kind: PixKeyKind; value: string }[];
  bankId: number;
  balanceCents: number;
  blockedCents: number;
  pendingIncomingCents: number;
}

export type TransactionStatus = 'pending' | 'completed' | 'failed';

export interface Transaction {
  id: string;
  /** withdrawal, transfer-out/in, adjustment: movements made by a teller or a business server, named in madeBy. */
  type: 'deposit' | 'pix-out' | 'pix-in' | 'withdrawal' | 'transfer-out' | 'transfer-in' | 'adjustment';
  direction: 'in' | 'out';
  madeBy: string | null;
  amountCents: number;
  status: TransactionStatus;
  counterpart: string | null;
  bankId: number | null;
  method: 'cash' | 'qrcode' | 'boleto' | null;
  packetId: string | null;
  atMs: number;
}

export interface Session {
  token: string;
  expiresAtMs: number;
  account: Omit<Account, 'balanceCents' | 'blockedCents' | 'pendingIncomingCents' | 'bankId'>;
}

export interface KeyLookup {
  bankId: number;
  bankName: string;
  name: string;
  documentMasked: string;
  keyKind: PixKeyKind;
}

export interface BankAccounts {
  bankId: number;
  bankName: string;
  accounts?: { accountId: string; type: 'individual' | 'company'; joint: boolean; holderNames: string[] }[];
  unavailable?: true;
}

export interface PacketView {
  packetId: string;
  kind: 'pix' | 'packet';
  status: TransactionStatus;
  failedLeg: number | null;
  error: { code: string; message: string } | null;
  transfers: { fromBankId: number; fromAccountId: string; toBankId: number; receiverName: string | null; amountCents: number }[];
}

/** A leg of another bank's packet that a customer consents to at the bank paying it. */
export interface ConsentLeg {
  legId: string;
  toBank: number;
  key: string;
  amountCents: number;
}

/** CONSENT_REQUIRED's details: the packet, and each other bank whose consent it lacks. */
export interface ConsentRequired {
  packetId: string;
  coordinatorBank: number;
  banks: { bankId: number; name: string; url: string; payerAccountId: string; legs: ConsentLeg[] }[];
}
