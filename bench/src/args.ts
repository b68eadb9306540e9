// Command-line flags of `npm run bench` (after `--`: `npm run bench -- --seconds 3`).

export interface BenchArgs {
  /** Measured seconds of each part (b) phase. */
  seconds: number;
  /** Measured seconds of each part (a) phase (9 of them by default). */
  commitSeconds: number;
  /** Requests in flight in part (b). */
  concurrency: number;
  /** Measured seconds of each part (c) phase (4 of them, plus a pgbench run of the same length). */
  pgSeconds: number;
  /** Measured seconds of each part (d) coordination mode. */
  interbankSeconds: number;
  /** Pix in flight in part (d). */
  interbankConcurrency: number;
  /** Customers per bank in part (d). */
  interbankCustomers: number;
  only: 'a' | 'b' | 'c' | 'd' | null;
  accounts: number;
  /** Business servers' batchSizeMax in part (b); the product's default is 5. */
  batchSize: number;
  progress: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [flags]
  --seconds N                measured seconds per end-to-end phase (default 10)
  --commit-seconds N         measured seconds per commit phase of part (a) (default 0.4 x --seconds, at least 1)
  --concurrency N            requests in flight for part (b) (default 64)
  --pg-seconds N             measured seconds per phase of part (c) and of its pgbench run (default: --seconds, at most 3)
  --interbank-seconds N      measured seconds per coordination mode of part (d) (default 10)
  --interbank-concurrency N  Pix in flight in part (d) (default 32)
  --interbank-customers N    customers per bank in part (d) (default 20)
  --only a|b|c|d             run one part: (a) data server commit vs raw SQLite, (b) end to end, (c) PostgreSQL store vs pgbench,
                             (d) interbank Pix across 3 banks, holds vs token ring
  --accounts N               funded accounts for part (b) transfers (default 1000)
  --batch-size N             business servers' batchSizeMax for part (b) (default 5, the product's default)
  --no-progress              no progress bar on stderr
`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { seconds: 10, commitSeconds: NaN, pgSeconds: NaN, concurrency: 64, interbankSeconds: 10, interbankConcurrency: 32, interbankCustomers: 20, only: null, accounts: 1000, batchSize: 5, progress: true, help: false };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]!;
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = () => {
      const text = inline ?? argv[++index];
      if (text === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
      return text;
    };
    const positive = (text: string, integer: boolean) => {
      const number = Number(text);
      if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
        throw new Error(`${name} must be a positive ${integer ? 'whole ' : ''}number (got ${JSON.stringify(text)})`);
      }
      return number;
    };
    switch (name) {
      case '--seconds': args.seconds = positive(value(), false); break;
      case '--commit-seconds': args.commitSeconds = positive(value(), false); break;
      case '--pg-seconds': args.pgSeconds = positive(value(), false); break;
      case '--concurrency': args.concurrency = positive(value(), true); break;
      case '--batch-size': args.batchSize = positive(value(), true); break;
      case '--interbank-seconds': args.interbankSeconds = positive(value(), false); break;
      case '--interbank-concurrency': args.interbankConcurrency = positive(value(), true); break;
      case '--interbank-customers': args.interbankCustomers = positive(value(), true); break;
      case '--accounts': args.accounts = Math.max(2, positive(value(), true)); break;
      case '--only': {
        const part = value();
        if (part !== 'a' && part !== 'b' && part !== 'c' && part !== 'd') throw new Error(`--only takes a, b, c or d (got ${JSON.stringify(part)})`);
        args.only = part;
        break;
      }
      case '--no-progress': args.progress = false; break;
      case '--help': case '-h': args.help = true; break;
      default: throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  if (Number.isNaN(args.commitSeconds)) args.commitSeconds = Math.max(1, Math.round(args.seconds * 0.4 * 10) / 10);
  if (Number.isNaN(args.pgSeconds)) args.pgSeconds = Math.min(3, args.seconds);
  return args;
}
