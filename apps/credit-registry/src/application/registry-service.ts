// The credit registry's rules (seed 004's servers Alpha and Beta in one service): a person's debts,
// assets and monthly incomes, recorded once per idempotency key and read back with their totals.
// A person the registry knows nothing about is an answer (empty lists), not an error. Every check
// runs before the store is touched, so a refused request writes nothing.
import { randomUUID } from 'node:crypto';
import { assertNever, BancaError, invariant } from '@banca/core/errors';
import type { Cents } from '@banca/core/money';
import type { ItemFacts, RegistryItem, RegistryStore } from '../infra/registry-store.js';
import { parseDebtDate, parseText, requestHash } from './entry-rules.js';

/** The routes see items through this layer, not the store's module. */
export type { RegistryItem };

/** What a caller asks to record, its amount already parsed at the edge. */
export type EntryInput = ItemFacts & { amountCents: Cents };

export interface Caller {
  clientId: string;
  idempotencyKey: string;
}

export interface PersonRecord {
  document: string;
  debts: RegistryItem[];
  assets: RegistryItem[];
  incomes: RegistryItem[];
  totals: { debtCents: number; assetCents: number; monthlyIncomeCents: number };
}

export interface RegistryLimits {
  itemsPerPersonMax: number;
}

export class RegistryService {
  constructor(
    private readonly store: RegistryStore,
    private readonly limits: RegistryLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** `document` is CPF or CNPJ digits, already validated. */
  async person(document: string): Promise<PersonRecord> {
    const items = await this.store.itemsOf(document);
    const of = (kind: RegistryItem['kind']) => items.filter((item) => item.kind === kind);
    const sum = (list: RegistryItem[]) => {
      const total = list.reduce((acc, item) => acc + item.amountCents, 0);
      invariant(Number.isSafeInteger(total), 'a person\'s totals stay safe integers (items are bounded)');
      return total;
    };
    const [debts, assets, incomes] = [of('debt'), of('asset'), of('income')];
    return { document, debts, assets, incomes, totals: { debtCents: sum(debts), assetCents: sum(assets), monthlyIncomeCents: sum(incomes) } };
  }

  /** Records one item; answers created: false with the first item when the key is replayed. */
  async record(document: string, entry: EntryInput, caller: Caller): Promise<{ created: boolean; item: RegistryItem }> {
    const facts = this.checkFacts(entry);
    const item: RegistryItem = { ...facts, id: randomUUID(), document, amountCents: entry.amountCents, createdAtMs: this.now() };
    const outcome = await this.store.record({
      item,
      clientId: caller.clientId,
      idempotencyKey: caller.idempotencyKey,
      requestHash: requestHash(document, entry.amountCents, facts),
      itemsPerPersonMax: this.limits.itemsPerPersonMax,
    });
    switch (outcome.outcome) {
      case 'created':
        return { created: true, item: outcome.item };
      case 'replayed':
        return { created: false, item: outcome.item };
      case 'conflict':
        throw new BancaError(
          'IDEMPOTENCY_CONFLICT',
          `The Idempotency-Key '${caller.idempotencyKey}' was already used for a different item; use a new key for a new item.`,
          { details: { idempotencyKey: caller.idempotencyKey } },
        );
      case 'full':
        throw new BancaError(
          'INVALID_REQUEST',
          `This person already has ${outcome.itemsPerPersonMax} items recorded, the most the registry keeps per person.`,
          { details: { itemsPerPersonMax: outcome.itemsPerPersonMax } },
        );
      default:
        return assertNever(outcome);
    }
  }

  private checkFacts(entry: EntryInput): ItemFacts {
    switch (entry.kind) {
      case 'debt':
        return { kind: 'debt', date: parseDebtDate(entry.date, this.now()), creditor: parseText(entry.creditor, 'creditor') };
      case 'asset':
      case 'income':
        return { kind: entry.kind, description: parseText(entry.description, 'description') };
      default:
        return assertNever(entry);
    }
  }
}
