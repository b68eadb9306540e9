// The dossier's sources over HTTP: each bank of the consortium through its gateway (the business
// servers' GET /v1/people/:document, scope banks:read) and the credit registry (its
// GET /v1/people/:document, scope registry:read). Both are called with the dossier's own token.
import { SourceClient, type SourceClientOptions } from './source-client.js';
import { BankAnswerSchema, RegistryAnswerSchema, type BankAnswer, type RegistryAnswer } from './source-answers.js';

export type SourceLimits = Omit<SourceClientOptions, 'what'>;

export class BankSource {
  readonly source: string;
  readonly bankId: number;
  readonly name: string;
  private readonly client: SourceClient<typeof BankAnswerSchema>;

  constructor(bank: { bankId: number; name: string; url: string }, limits: SourceLimits) {
    this.source = `bank:${bank.bankId}`;
    this.bankId = bank.bankId;
    this.name = bank.name;
    this.client = new SourceClient(bank.url, BankAnswerSchema, { ...limits, what: `bank ${bank.bankId} (${bank.name})` });
  }

  fetch(document: string, token: string): Promise<BankAnswer> {
    return this.client.get(`/v1/people/${encodeURIComponent(document)}`, token);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export class RegistrySource {
  readonly source = 'registry';
  readonly name = 'Credit registry';
  private readonly client: SourceClient<typeof RegistryAnswerSchema>;

  constructor(url: string, limits: SourceLimits) {
    this.client = new SourceClient(url, RegistryAnswerSchema, { ...limits, what: 'the credit registry' });
  }

  fetch(document: string, token: string): Promise<RegistryAnswer> {
    return this.client.get(`/v1/people/${encodeURIComponent(document)}`, token);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
