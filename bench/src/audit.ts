// After a part of the bench: the data server's own audit (balances sum to zero and match the
// journal), so a fast run that lost money cannot pass unnoticed.
import type { Pool } from 'undici';
import type { AuditReport } from '@banca/core/protocol';
import { BUSINESS_HEADERS, getJson } from './http.js';
import { note } from './progress.js';
import { messageOf } from '@banca/core/errors';

export interface AuditSummary {
  ok: boolean;
  transfers: number;
  mismatchedAccounts: number;
  balanceSumCents: number;
}

/** The audit of the data server behind `pool`, or null (with a note) when it cannot be read. */
export async function auditLedger(pool: Pool, part: string): Promise<AuditSummary | null> {
  try {
    const report = await getJson<AuditReport>(pool, '/v1/audit', BUSINESS_HEADERS);
    return {
      ok: report.mismatchedAccounts.length === 0 && report.balanceSumCents === 0,
      transfers: report.transfers,
      mismatchedAccounts: report.mismatchedAccounts.length,
      balanceSumCents: report.balanceSumCents,
    };
  } catch (error) {
    note(`${part} audit failed: ${messageOf(error)}`, true);
    return null;
  }
}
