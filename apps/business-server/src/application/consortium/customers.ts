// Customers of this bank: individual (CPF) and company (CNPJ) accounts, joint accounts with two
// holders, e-mail + password login. An account, its login and its Pix keys are written in one
// atomic step, each key compare-and-set from "absent", so two sign-ups cannot take the same
// e-mail, document or key.
import { randomInt, randomUUID } from 'node:crypto';
import { BancaError } from '@banca/core/errors';
import { CUSTOMER_ACCOUNT_NUMBER_END, CUSTOMER_ACCOUNT_NUMBER_MIN } from '@banca/core/ids';
import { lookupKey, maskDocument, parseDocument, parseEmail, parsePhone, parsePixKey, type PixKeyKind } from '@banca/core/documents';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../infra/passwords.js';
import type { CustomerTokens } from '../../infra/customer-tokens.js';
import type { BankStore, Change } from './bank-store.js';
import { WriteOnceCache } from '../write-once-cache.js';

export type AccountType = 'individual' | 'company';

export interface Holder {
  name: string;
  /** Digits only. */
  document: string;
}

export interface CustomerRecord {
  accountId: string;
  type: AccountType;
  joint: boolean;
  holders: Holder[];
  email: string;
  phone: string | null;
  passwordHash: string;
  pixKeys: { kind: PixKeyKind; value: string }[];
  createdAtMs: number;
}

export interface PixKeyRecord {
  accountId: string;
  kind: PixKeyKind;
  /** The account's first holder, written with the key (holders never change), so a Pix to the key
   *  needs one read; keys written before it have none and cost a second read of the account. */
  holder?: { name: string; document: string };
}

/** Who receives a Pix sent to a key: the account and its first holder. */
export interface Receiver {
  accountId: string;
  name: string;
  document: string;
}

export interface SignUp {
  type: AccountType;
  holders: { name: string; document: string }[];
  email: string;
  password: string;
  phone?: string;
}

/** What a customer sees of an account (never the password hash). */
export type CustomerView = Omit<CustomerRecord, 'passwordHash'>;

export const PASSWORD_MIN = 8;

/** Customers and Pix keys kept in memory per business server (each entry a few hundred bytes). */
export const CUSTOMER_CACHE_MAX = 20_000;

export class Customers {
  /** Write-once records, so a Pix needs no read of its payer nor, at the receiving bank, of the key. */
  private readonly accounts = new WriteOnceCache<CustomerRecord>(CUSTOMER_CACHE_MAX);
  private readonly keys = new WriteOnceCache<PixKeyRecord>(CUSTOMER_CACHE_MAX);

  constructor(private readonly store: BankStore, private readonly tokens: CustomerTokens) {}

  async signUp(input: SignUp): Promise<CustomerView> {
    const holders = input.holders.map((holder, index) => {
      const name = holder.name.trim().replace(/\s+/g, ' ');
      if (name.length < 2 || name.length > 120) throw new BancaError('INVALID_REQUEST', `Holder ${index + 1}: the name must have 2 to 120 characters.`);
      return { name, ...parseDocument(holder.document, `holder ${index + 1}'s document`) };
    });
    const [first] = holders;
    if (!first || holders.length > 2) throw new BancaError('INVALID_REQUEST', 'An account has one holder, or two for a joint account.');
    const wanted = input.type === 'individual' ? 'cpf' : 'cnpj';
    if (first.kind !== wanted) {
      throw new BancaError('INVALID_DOCUMENT', `An ${input.type} account is opened with a ${wanted.toUpperCase()}; got a ${first.kind.toUpperCase()}.`);
    }
    if (holders[1] && holders[1].digits === first.digits) throw new BancaError('INVALID_REQUEST', 'The two holders of a joint account must be different people.');
    if (input.password.length < PASSWORD_MIN || input.password.length > 200) {
      throw new BancaError('INVALID_REQUEST', `The password must have ${PASSWORD_MIN} to 200 characters.`);
    }
    const email = parseEmail(input.email);
    const phone = input.phone === undefined || input.phone === '' ? null : parsePhone(input.phone);
    const pixKeys: CustomerRecord['pixKeys'] = [{ kind: first.kind, value: first.digits }, { kind: 'email', value: email }];
    if (phone) pixKeys.push({ kind: 'phone', value: phone });
    pixKeys.push({ kind: 'random', value: randomUUID() });
    const passwordHash = await hashPassword(input.password);
    for (let attempt = 0; attempt < 5; attempt++) {
      const record: CustomerRecord = {
        accountId: String(randomInt(CUSTOMER_ACCOUNT_NUMBER_MIN, CUSTOMER_ACCOUNT_NUMBER_END)),
        type: input.type,
        joint: holders.length === 2,
        holders: holders.map(({ name, digits }) => ({ name, document: digits })),
        email,
        phone,
        passwordHash,
        pixKeys,
        createdAtMs: Date.now(),
      };
      const changes: Change<unknown>[] = [
        { collection: 'customers', key: record.accountId, expectVersion: 0, value: record, tags: record.holders.map((holder) => `doc:${holder.document}`) },
        { collection: 'logins', key: lookupKey('email', email), expectVersion: 0, value: { accountId: record.accountId } },
        ...pixKeys.map((key): Change<unknown> => ({ collection: 'pixkeys', key: lookupKey(key.kind, key.value), expectVersion: 0, value: { accountId: record.accountId, kind: key.kind, holder: record.holders[0] } })),
      ];
      if (await this.store.write(changes)) return view(record);
      // Lost a race: an account number collision is retried, a taken e-mail or key is refused.
      if (await this.store.read('logins', lookupKey('email', email))) throw new BancaError('ALREADY_REGISTERED', `The e-mail ${email} already has an account at this bank; log in instead.`);
      for (const key of pixKeys) {
        if (await this.store.read('pixkeys', lookupKey(key.kind, key.value))) {
          throw new BancaError('ALREADY_REGISTERED', `The ${key.kind === 'cpf' || key.kind === 'cnpj' ? key.kind.toUpperCase() : key.kind} ${key.kind === 'cpf' || key.kind === 'cnpj' ? maskDocument(key.value) : key.value} is already the Pix key of an account of this bank.`);
        }
      }
    }
    throw new BancaError('UNAVAILABLE', 'Could not pick a free account number; retry.');
  }

  async login(emailInput: string, password: string): Promise<{ token: string; expiresAtMs: number; account: CustomerView }> {
    let email: string;
    try {
      email = parseEmail(emailInput);
    } catch {
      throw new BancaError('INVALID_CREDENTIALS');
    }
    const login = await this.store.read<{ accountId: string }>('logins', lookupKey('email', email));
    const customer = login ? await this.store.read<CustomerRecord>('customers', login.value.accountId) : null;
    const matches = await verifyPassword(password, customer?.value.passwordHash ?? DUMMY_HASH);
    if (!customer || !matches) throw new BancaError('INVALID_CREDENTIALS');
    const holder = customer.value.holders[0];
    if (!holder) throw new BancaError('INTERNAL', 'An account without holders.');
    const issued = await this.tokens.issue({ accountId: customer.value.accountId, document: holder.document });
    return { ...issued, account: view(customer.value) };
  }

  async get(accountId: string): Promise<CustomerRecord | null> {
    return this.accounts.get(accountId, async () => (await this.store.read<CustomerRecord>('customers', accountId))?.value ?? null);
  }

  private keyRecord(kind: PixKeyKind, value: string): Promise<PixKeyRecord | null> {
    const key = lookupKey(kind, value);
    return this.keys.get(key, async () => (await this.store.read<PixKeyRecord>('pixkeys', key))?.value ?? null);
  }

  async require(accountId: string): Promise<CustomerRecord> {
    const customer = await this.get(accountId);
    if (!customer) throw new BancaError('ACCOUNT_NOT_FOUND', `Account ${accountId} does not exist at this bank.`);
    return customer;
  }

  /** The accounts a CPF/CNPJ holds here (as first or second holder). */
  async byDocument(document: string): Promise<CustomerRecord[]> {
    return (await this.store.list<CustomerRecord>('customers', `doc:${document}`, 100)).map((record) => record.value);
  }

  /** Resolves a Pix key of this bank to its account. */
  /** The account and first holder a Pix key names, in one read (keys of older sign-ups: two). */
  async receiverOf(key: string): Promise<Receiver> {
    const parsed = parsePixKey(key);
    const found = await this.keyRecord(parsed.kind, parsed.value);
    if (found?.holder) return { accountId: found.accountId, ...found.holder };
    const customer = await this.byPixKey(key);
    const holder = customer.holders[0];
    if (!holder) throw new BancaError('INTERNAL', 'An account without holders.');
    return { accountId: customer.accountId, name: holder.name, document: holder.document };
  }

  async byPixKey(key: string): Promise<CustomerRecord> {
    const parsed = parsePixKey(key);
    const found = await this.keyRecord(parsed.kind, parsed.value);
    const customer = found ? await this.get(found.accountId) : null;
    if (!customer) throw new BancaError('PIX_KEY_NOT_FOUND', `No account at this bank has the Pix key ${parsed.kind === 'cpf' || parsed.kind === 'cnpj' ? maskDocument(parsed.value) : parsed.value}.`);
    return customer;
  }
}

export function view(record: CustomerRecord): CustomerView {
  const { passwordHash: _hidden, ...rest } = record;
  return rest;
}
