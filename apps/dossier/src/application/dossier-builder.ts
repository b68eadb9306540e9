// Builds a person's dossier: every bank of the consortium (accounts, balances, latest
// transactions) and the credit registry (debts, assets, incomes), all asked at once. A source
// that is down, slow or behind an open circuit never stops the answer: it is listed with its
// status and the dossier says it is not complete. Sums are whole cents, formatted at the end.
import { performance } from 'node:perf_hooks';
import { Type, type Static } from '@sinclair/typebox';
import { BancaError } from '@banca/core/errors';
import { maskDocument, parseDocument } from '@banca/core/documents';
import { formatCents } from '@banca/core/money';
import { AccountSchema, RegistryItemSchema, type BankAnswer, type RegistryAnswer } from '../infra/source-answers.js';
import { CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js';

/** A bank or the registry, as the builder sees it: one call for one document. */
export interface SourcePort<T> {
  /** "bank:2", "registry". */
  readonly source: string;
  readonly name: string;
  fetch(document: string, token: string): Promise<T>;
}

export interface BankSourcePort extends SourcePort<BankAnswer> {
  readonly bankId: number;
}

export interface TokenPort {
  get(): Promise<string>;
}

const SourceStatusSchema = Type.Union([Type.Literal('ok'), Type.Literal('unavailable'), Type.Literal('circuit-open')]);
const SourceReportSchema = Type.Object({
  source: Type.String({ description: 'bank:<bankId> or registry' }),
  name: Type.String(),
  status: SourceStatusSchema,
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  latencyMs: Type.Integer({ description: 'Time spent on this source (0 when its circuit is open)' }),
});
const BankEntrySchema = Type.Object({
  bankId: Type.Integer(),
  bankName: Type.String(),
  status: SourceStatusSchema,
  accounts: Type.Array(AccountSchema),
});
const Cents = Type.Integer();
const Decimal = Type.String({ description: 'The amount beside it as a decimal, e.g. "10.50"' });

export const DossierSchema = Type.Object({
  document: Type.String({ description: 'Digits only' }),
  documentMasked: Type.String(),
  name: Type.Union([Type.String(), Type.Null()], { description: "The holder's name at the first bank that knows the document" }),
  generatedAtMs: Type.Integer(),
  complete: Type.Boolean({ description: 'False when a source did not answer' }),
  sources: Type.Array(SourceReportSchema),
  banks: Type.Array(BankEntrySchema),
  debts: Type.Array(RegistryItemSchema),
  assets: Type.Array(RegistryItemSchema),
  incomes: Type.Array(RegistryItemSchema),
  totals: Type.Object({
    balanceCents: Cents, balance: Decimal,
    debtCents: Cents, debt: Decimal,
    assetCents: Cents, assets: Decimal,
    monthlyIncomeCents: Cents, monthlyIncome: Decimal,
    netWorthCents: Cents, netWorth: Decimal,
  }, { description: 'netWorth = balances + assets - debts, over the sources that answered' }),
});

export type Dossier = Static<typeof DossierSchema>;
export type SourceReport = Static<typeof SourceReportSchema>;
type Outcome<T> = { report: SourceReport; value: T | null };

export class DossierBuilder {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly banks: readonly BankSourcePort[],
    private readonly registry: SourcePort<RegistryAnswer>,
    private readonly token: TokenPort,
    breaker: CircuitBreakerOptions,
    private readonly now: () => number,
    /** Told every source's outcome (for metrics). */
    private readonly observe: (report: SourceReport) => void = () => {},
  ) {
    for (const source of [registry, ...banks]) this.breakers.set(source.source, new CircuitBreaker(breaker, now));
  }

  /** Throws INVALID_DOCUMENT for anything but a valid CPF or CNPJ. */
  async build(documentInput: string): Promise<Dossier> {
    const { digits } = parseDocument(documentInput);
    const token = await this.token.get();
    const [registry, ...banks] = await Promise.all([
      this.ask(this.registry, digits, token),
      ...this.banks.map((bank) => this.ask(bank, digits, token)),
    ]);
    const bankEntries = this.banks.map((bank, index) => {
      const outcome = banks[index] as Outcome<BankAnswer>;
      return { bankId: bank.bankId, bankName: outcome.value?.bankName ?? bank.name, status: outcome.report.status, accounts: outcome.value?.accounts ?? [] };
    });
    const balanceCents = sum(bankEntries.flatMap((bank) => bank.accounts.map((account) => account.balanceCents)));
    const registryTotals = registry.value?.totals ?? { debtCents: 0, assetCents: 0, monthlyIncomeCents: 0 };
    const reports = [...banks.map((outcome) => outcome.report), registry.report];
    return {
      document: digits,
      documentMasked: maskDocument(digits),
      name: banks.map((outcome) => outcome.value?.name ?? outcome.value?.accounts[0]?.holderNames[0]).find((name) => typeof name === 'string') ?? null,
      generatedAtMs: this.now(),
      complete: reports.every((report) => report.status === 'ok'),
      sources: reports,
      banks: bankEntries,
      debts: registry.value?.debts ?? [],
      assets: registry.value?.assets ?? [],
      incomes: registry.value?.incomes ?? [],
      totals: totalsOf(balanceCents, registryTotals),
    };
  }

  /** Each source's circuit as it stands now. */
  circuits(): { source: string; state: CircuitState['kind'] }[] {
    return [...this.breakers].map(([source, breaker]) => ({ source, state: breaker.state.kind }));
  }

  /** Asks one source through its circuit breaker and reports the outcome; never throws. */
  private async ask<T>(source: SourcePort<T>, document: string, token: string): Promise<Outcome<T>> {
    const outcome = await this.attempt(source, document, token);
    this.observe(outcome.report);
    return outcome;
  }

  private async attempt<T>(source: SourcePort<T>, document: string, token: string): Promise<Outcome<T>> {
    const breaker = this.breakers.get(source.source) as CircuitBreaker;
    const startedAt = performance.now();
    const latencyMs = () => Math.round(performance.now() - startedAt);
    const base = { source: source.source, name: source.name };
    try {
      const value = await breaker.run(() => source.fetch(document, token), isSourceFailure);
      return { report: { ...base, status: 'ok', latencyMs: latencyMs() }, value };
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        return { report: { ...base, status: 'circuit-open', error: { code: 'UNAVAILABLE', message: `${source.name}: ${error.message}` }, latencyMs: latencyMs() }, value: null };
      }
      const known = error instanceof BancaError ? error : new BancaError('INTERNAL', `${source.name} could not be read.`, { cause: error });
      return { report: { ...base, status: 'unavailable', error: { code: known.code, message: known.message }, latencyMs: latencyMs() }, value: null };
    }
  }
}

/** A source's own fault (down, slow, 5xx) counts toward opening its circuit; a 4xx answer shows it alive. */
function isSourceFailure(error: unknown): boolean {
  return !(error instanceof BancaError) || error.retryable || error.status >= 500;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function totalsOf(balanceCents: number, registry: RegistryAnswer['totals']): Dossier['totals'] {
  const netWorthCents = balanceCents + registry.assetCents - registry.debtCents;
  return {
    balanceCents, balance: formatCents(balanceCents),
    debtCents: registry.debtCents, debt: formatCents(registry.debtCents),
    assetCents: registry.assetCents, assets: formatCents(registry.assetCents),
    monthlyIncomeCents: registry.monthlyIncomeCents, monthlyIncome: formatCents(registry.monthlyIncomeCents),
    netWorthCents, netWorth: formatCents(netWorthCents),
  };
}
