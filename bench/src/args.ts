// Command-line flags of `npm run bench` (after `--`: `npm run bench -- --seconds 3`).
import { parseArgs as tokenize } from 'node:util';

export interface BenchArgs {
  /** Measured seconds of each part (b) phase (one per load level and kind of request). */
  seconds: number;
  /** Measured seconds of each part (a) phase (9 of them by default). */
  commitSeconds: number;
  /** Requests in flight in part (b), one measured phase each (the offered load of the sweep). */
  levels: number[];
  /** Measured seconds of each part (c) phase (one per level and batch size), and of each pgbench run. */
  pgSeconds: number;
  /** Commits in flight at batch 5 in part (c), each level also against pgbench with as many clients. */
  pgLevels: number[];
  /** Measured seconds of each part (d) load level, per coordination mode. */
  interbankSeconds: number;
  /** Pix in flight in part (d), one measured phase each per coordination mode. */
  interbankLevels: number[];
  /** Customers per bank in part (d). */
  interbankCustomers: number;
  /** Measured seconds of each part (e) phase (one per level, for the dossier and for its reference). */
  dossierSeconds: number;
  /** Requests in flight in part (e), one measured phase each for the dossier and for its reference. */
  dossierLevels: number[];
  /** People with an account at every bank in part (e). */
  dossierPeople: number;
  /** Measured seconds of part (f), the consortium at rest. */
  restSeconds: number;
  /** Unmeasured seconds between the start of part (f)'s consortium and its measured window. */
  restSettleSeconds: number;
  only: Part | null;
  accounts: number;
  /** Business servers' batchSizeMax in part (b); the product's default is 5. */
  batchSize: number;
  progress: boolean;
  help: boolean;
}

export type Part = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';
const PARTS: readonly Part[] = ['a', 'b', 'c', 'd', 'e', 'f'];

export const DEFAULT_LEVELS = { b: [1, 4, 16, 64], c: [1, 4, 8, 16], d: [4, 16, 32], e: [1, 4, 16, 32] } as const;

export const USAGE = `usage: npm run bench -- [flags]
  --levels N,N,...           loads to sweep (requests in flight, closed loop) in parts (b), (c), (d) and (e)
                             (default: b ${DEFAULT_LEVELS.b.join(',')}; c ${DEFAULT_LEVELS.c.join(',')}; d ${DEFAULT_LEVELS.d.join(',')}; e ${DEFAULT_LEVELS.e.join(',')})
  --seconds N                measured seconds per end-to-end phase: per level and kind of request of part (b) (default 3)
  --commit-seconds N         measured seconds per commit phase of part (a) (default: --seconds, at least 1)
  --concurrency N            part (b) at this one level only (same as --levels N for part b)
  --pg-levels N,N,...        commits in flight at batch 5 in part (c), each against pgbench -c N (default: --levels or ${DEFAULT_LEVELS.c.join(',')})
  --pg-seconds N             measured seconds per phase of part (c) and per pgbench run (default: --seconds, at most 3)
  --interbank-levels N,N,... Pix in flight in part (d) (default: --levels or ${DEFAULT_LEVELS.d.join(',')})
  --interbank-seconds N      measured seconds per level and coordination mode of part (d) (default 4)
  --interbank-concurrency N  part (d) at this one level only (same as --interbank-levels N)
  --interbank-customers N    customers per bank in part (d) (default 20)
  --dossier-levels N,N,...   dossier reads in flight in part (e) (default: --levels or ${DEFAULT_LEVELS.e.join(',')})
  --dossier-seconds N        measured seconds per level of part (e), for the dossier and for its reference (default 3)
  --dossier-people N         people with an account at every bank in part (e) (default 12)
  --rest-seconds N           measured seconds of part (f), the consortium at rest (default 10)
  --rest-settle-seconds N    seconds part (f)'s consortium settles, unmeasured, after its start (default 30)
  --only a|b|c|d|e|f         run one part: (a) data server commit vs raw SQLite, (b) end to end, (c) PostgreSQL store vs pgbench,
                             (d) interbank Pix across 3 banks, holds vs token ring, (e) the dossier vs one of its sources,
                             (f) the CPU of a consortium at rest (as npm start runs it, nothing asked)
  --accounts N               funded accounts for part (b) transfers (default 1000)
  --batch-size N             business servers' batchSizeMax for part (b) (default 5, the product's default)
  --no-progress              no progress bar on stderr
`;

type Flag = { type: 'string'; set: (value: string, name: string) => void } | { type: 'boolean'; short?: string; set: () => void };

/**
 * Reads the flags with node:util's parseArgs (which splits `--flag=value`, `--flag value`, `-h`
 * and `--`), in its lenient mode: every check is this function's own, so a value that looks like
 * a flag (`--seconds -1`) is read and refused as not positive, and an unknown flag, a missing
 * value or a stray argument gets a message with the usage. The tokens come in order, so the
 * last of two flags for the same thing wins, as written.
 */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    seconds: 3, commitSeconds: NaN, levels: [...DEFAULT_LEVELS.b], pgSeconds: NaN, pgLevels: [...DEFAULT_LEVELS.c], interbankSeconds: 4,
    interbankLevels: [...DEFAULT_LEVELS.d], interbankCustomers: 20, dossierSeconds: 3, dossierLevels: [...DEFAULT_LEVELS.e], dossierPeople: 12,
    restSeconds: 10, restSettleSeconds: 30,
    only: null, accounts: 1000, batchSize: 5, progress: true, help: false,
  };
  // Per-part levels win over --levels, whatever the order of the flags.
  const given = { levels: null as number[] | null, b: null as number[] | null, c: null as number[] | null, d: null as number[] | null, e: null as number[] | null };
  const positive = (text: string, name: string, integer: boolean) => {
    const number = Number(text);
    if (text.trim() === '' || !Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
      throw new Error(`${name} must be a positive ${integer ? 'whole ' : ''}number (got ${JSON.stringify(text)})`);
    }
    return number;
  };
  /** "1,4,16": distinct positive whole numbers, in ascending order. */
  const levels = (text: string, name: string) => [...new Set(text.split(',').map((item) => positive(item, name, true)))].sort((a, b) => a - b);
  const seconds = (set: (value: number) => void): Flag => ({ type: 'string', set: (text, name) => set(positive(text, name, false)) });
  const count = (set: (value: number) => void): Flag => ({ type: 'string', set: (text, name) => set(positive(text, name, true)) });
  const sweep = (set: (value: number[]) => void): Flag => ({ type: 'string', set: (text, name) => set(levels(text, name)) });
  const flags: Record<string, Flag> = {
    'seconds': seconds((value) => (args.seconds = value)),
    'commit-seconds': seconds((value) => (args.commitSeconds = value)),
    'pg-seconds': seconds((value) => (args.pgSeconds = value)),
    'levels': sweep((value) => (given.levels = value)),
    'concurrency': count((value) => (given.b = [value])),
    'pg-levels': sweep((value) => (given.c = value)),
    'batch-size': count((value) => (args.batchSize = value)),
    'interbank-seconds': seconds((value) => (args.interbankSeconds = value)),
    'interbank-levels': sweep((value) => (given.d = value)),
    'interbank-concurrency': count((value) => (given.d = [value])),
    'interbank-customers': count((value) => (args.interbankCustomers = value)),
    'dossier-levels': sweep((value) => (given.e = value)),
    'dossier-seconds': seconds((value) => (args.dossierSeconds = value)),
    'dossier-people': count((value) => (args.dossierPeople = Math.max(2, value))),
    'rest-seconds': seconds((value) => (args.restSeconds = value)),
    'rest-settle-seconds': seconds((value) => (args.restSettleSeconds = value)),
    'accounts': count((value) => (args.accounts = Math.max(2, value))),
    'only': {
      type: 'string',
      set: (text) => {
        const part = PARTS.find((name) => name === text);
        if (part === undefined) throw new Error(`--only takes ${PARTS.join(', ')} (got ${JSON.stringify(text)})`);
        args.only = part;
      },
    },
    'no-progress': { type: 'boolean', set: () => (args.progress = false) },
    'help': { type: 'boolean', short: 'h', set: () => (args.help = true) },
  };
  const options = Object.fromEntries(Object.entries(flags).map(([name, flag]) => [name, { type: flag.type, ...(flag.type === 'boolean' && flag.short ? { short: flag.short } : {}) }]));
  const { tokens } = tokenize({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    // Unknown: the argument as written (`--nope=3`, `-hx`, `--`, a stray word).
    if (token.kind !== 'option' || !Object.hasOwn(flags, token.name)) throw new Error(`unknown flag ${argv[token.index]}\n${USAGE}`);
    const flag = flags[token.name]!;
    if (flag.type === 'boolean') {
      flag.set();
    } else {
      if (token.value === undefined) throw new Error(`${token.rawName} needs a value\n${USAGE}`);
      flag.set(token.value, token.rawName);
    }
  }
  args.levels = given.b ?? given.levels ?? args.levels;
  args.pgLevels = given.c ?? given.levels ?? args.pgLevels;
  args.interbankLevels = given.d ?? given.levels ?? args.interbankLevels;
  args.dossierLevels = given.e ?? given.levels ?? args.dossierLevels;
  if (Number.isNaN(args.commitSeconds)) args.commitSeconds = Math.max(1, args.seconds);
  if (Number.isNaN(args.pgSeconds)) args.pgSeconds = Math.min(3, args.seconds);
  return args;
}
