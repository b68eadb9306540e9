// The bank's token-ring state as one versioned record of its data store (collection 'ring', key
// 'state'), shared by all its business servers. A write is a commit carrying only that record,
// accepted only while the version the writer read is still the current one.
import { BancaError } from '@banca/core/errors';
import type { DataClient } from '../../infra/data-client.js';
import { newCommitId } from '../lock-batch.js';
import type { RingState, RingStatePort, VersionedRingState } from './token-ring.js';

const COLLECTION = 'ring';
const KEY = 'state';

export class DataRingStore implements RingStatePort {
  constructor(private readonly data: DataClient) {}

  async read(): Promise<VersionedRingState | null> {
    const records = await this.data.readRecords(COLLECTION, [KEY]);
    const record = records.find((candidate) => candidate.collection === COLLECTION && candidate.key === KEY);
    return record ? { version: record.version, state: ringStateOf(record.value) } : null;
  }

  async write(expectVersion: number, state: RingState): Promise<boolean> {
    try {
      // One commit id per write: the data client may repeat the request on another data server,
      // and a repeat of a commit that went through is then answered as a replay, not a conflict.
      await this.data.commit({
        commitId: newCommitId(),
        locks: [],
        transfers: [],
        release: false,
        records: [{ collection: COLLECTION, key: KEY, expectVersion, value: state as unknown as Record<string, unknown>, tags: [] }],
      });
      return true;
    } catch (error) {
      if (error instanceof BancaError && error.code === 'VERSION_CONFLICT') return false;
      throw error;
    }
  }
}

/** A stored value is data from outside this process: checked field by field. */
export function ringStateOf(value: Record<string, unknown>): RingState {
  const counters: unknown = value.counters;
  const holderId = value.holderId;
  if (!Array.isArray(counters) || !counters.every(isCount)) {
    throw new BancaError('INTERNAL', 'The stored token-ring state has malformed counters.');
  }
  return {
    counters,
    myCounter: countOf(value.myCounter),
    holding: value.holding === true,
    passing: value.passing === true,
    holderId: typeof holderId === 'string' ? holderId : null,
    holdUntilMs: countOf(value.holdUntilMs),
    lastTokenAtMs: countOf(value.lastTokenAtMs),
    lastCheckAtMs: countOf(value.lastCheckAtMs ?? 0),
    standby: value.standby === true,
    regenerations: countOf(value.regenerations),
    passes: countOf(value.passes),
  };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function countOf(value: unknown): number {
  if (!isCount(value)) throw new BancaError('INTERNAL', 'The stored token-ring state has a malformed number.');
  return value;
}
