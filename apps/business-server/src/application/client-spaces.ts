// Which ledger accounts a client key reaches. A key's account `x` is the ledger account
// `<space>:x` (its space: its client id, or clientSpaces' entry), so no client key can name a
// customer's account (8 digits, no colon) nor another space's. Only a key listed in `tellers`
// reaches customer accounts, and only existing ones; its movements name it on the statement
// (the operation id starts with its client id). Answers name accounts as the client did.
// With compat seed000 every key shares the ledger's one space, as seed 000's clients did: account
// `x` is the ledger account `x` (still never a customer's account nor a system one).
import { BancaError } from '@banca/core/errors';
import { clientLedgerId, isCustomerAccountNumber, isSystemAccount } from '@banca/core/ids';
import type { QueuedOperation } from '@banca/core/protocol';

export interface ClientAccess {
  clientId: string;
  space: string;
  teller: boolean;
}

export interface SpacesConfig {
  clientSpaces: Readonly<Record<string, string>>;
  tellers: readonly string[];
  /** seed000: one space for every key, the ledger's own ids. */
  compat?: 'none' | 'seed000';
}

/** The space of compat seed000: no prefix at all. */
const SHARED_SPACE = '';

export class ClientSpaces {
  constructor(
    private readonly config: SpacesConfig,
    private readonly customerExists: (accountId: string) => Promise<boolean>,
  ) {}

  access(clientId: string): ClientAccess {
    const space = this.config.compat === 'seed000' ? SHARED_SPACE : this.config.clientSpaces[clientId] ?? clientId;
    return { clientId, space, teller: this.config.tellers.includes(clientId) };
  }

  /** The ledger account a client's account id names; refused when the key may not reach it. */
  async ledgerId(client: ClientAccess, accountId: string): Promise<string> {
    if (!isCustomerAccountNumber(accountId)) return client.space === SHARED_SPACE ? accountId : clientLedgerId(client.space, accountId);
    if (!client.teller) {
      throw new BancaError('FORBIDDEN', `${accountId} is a customer account number: a client key reaches only its own accounts (use an id that is not 8 digits), and customer accounts only their holders' tokens or a key configured in tellers.`);
    }
    if (!(await this.customerExists(accountId))) {
      throw new BancaError('ACCOUNT_NOT_FOUND', `No customer account ${accountId} at this bank: a teller reaches only accounts opened through /v1/customers.`);
    }
    return accountId;
  }

  async ledgerOperation(client: ClientAccess, body: QueuedOperation): Promise<QueuedOperation> {
    if (body.kind === 'transfer') {
      const [fromAccountId, toAccountId] = await Promise.all([this.ledgerId(client, body.fromAccountId), this.ledgerId(client, body.toAccountId)]);
      return { ...body, fromAccountId, toAccountId };
    }
    return { ...body, accountId: await this.ledgerId(client, body.accountId) };
  }

  /** A ledger id as this client names it: its own space's prefix removed. */
  clientId(client: ClientAccess, ledgerId: string): string {
    if (client.space === SHARED_SPACE) return ledgerId;
    const prefix = `${client.space}:`;
    return ledgerId.startsWith(prefix) ? ledgerId.slice(prefix.length) : ledgerId;
  }

  /** The same error with the client's own ledger ids written as the client wrote them. */
  forClient(client: ClientAccess, error: unknown): unknown {
    if (!(error instanceof BancaError) || client.space === SHARED_SPACE) return error;
    const own = new RegExp(`(?<![A-Za-z0-9_.-])${client.space.replace(/[.]/g, '\\.')}:(?=[A-Za-z0-9])`, 'g');
    if (!own.test(error.message)) return error;
    const details = error.details as { conflicts?: { accountId: string }[] } | undefined;
    const mapped = details?.conflicts
      ? { ...details, conflicts: details.conflicts.map((conflict) => ({ ...conflict, accountId: this.clientId(client, conflict.accountId) })) }
      : details;
    return new BancaError(error.code, error.message.replace(own, ''), { details: mapped, cause: error });
  }
}

/** Who made a ledger movement, from its transfer id (`<client id>:<key>` for client operations). */
export function clientOf(transferId: string): string | null {
  const colon = transferId.indexOf(':');
  return colon > 0 && !isSystemAccount(transferId) ? transferId.slice(0, colon) : null;
}
