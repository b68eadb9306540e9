// One validated, frozen config per service: a TypeBox schema with no unknown keys, defaults
// written with their units, compiled once at start-up into a fully required form.
import { readFileSync } from 'node:fs';
import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function compileConfig<T extends TObject>(schema: T, input: unknown, service: string): Readonly<Static<T>> {
  const withDefaults = Value.Default(schema, Value.Clone(input ?? {}));
  const problems = [...Value.Errors(schema, withDefaults)].map(
    (error) => `  ${error.path || '/'}: ${error.message}${error.value === undefined ? '' : ` (got ${JSON.stringify(error.value)?.slice(0, 60)})`}`,
  );
  if (problems.length > 0) {
    throw new ConfigError(`Invalid ${service} config:\n${problems.join('\n')}`);
  }
  return deepFreeze(withDefaults as Static<T>);
}

/**
 * Reads the raw config of a service: `--config file.json`, else the BANCA_CONFIG environment
 * variable holding JSON, else {}.
 */
export function readRawConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Record<string, unknown> {
  const flag = argv.indexOf('--config');
  if (flag >= 0) {
    const file = argv[flag + 1];
    if (!file) throw new ConfigError('--config needs a file path');
    return parseJsonObject(readFileSync(file, 'utf8'), file);
  }
  if (env.BANCA_CONFIG) return parseJsonObject(env.BANCA_CONFIG, 'BANCA_CONFIG');
  return {};
}

function parseJsonObject(text: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${source} is not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${source} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Default ports: bank i's gateway on 8000+100*i, data servers +1, +2, ..., embedded PostgreSQL +9
 *  (with --replicas 1: its primary/standby pair on +9 and +10), business servers +11, +12, ... */
export const defaultPorts = {
  gateway: (bank: number) => 8000 + 100 * bank,
  dataServer: (bank: number, index = 1) => 8000 + 100 * bank + index,
  postgres: (bank: number) => 8000 + 100 * bank + 9,
  /** The second server of a replicated PostgreSQL (--replicas 1). */
  postgresReplica: (bank: number) => 8000 + 100 * bank + 10,
  businessServer: (bank: number, index: number) => 8000 + 100 * bank + 10 + index,
  /** Consortium-wide services, above every bank's range. */
  dossier: 9000,
  creditRegistry: 9010,
} as const;
