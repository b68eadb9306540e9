#!/usr/bin/env node
// The banca command line: start the system, move money, check a running bank.
import { Command, Option } from 'commander';
import { DEV_CLIENT_KEYS } from '@banca/core/auth';
import { BancaError, messageOf } from '@banca/core/errors';
import { defaultPorts } from '@banca/core/config';
import { BancaClient } from '@banca/sdk/client';
import { runChecks } from './check.js';
import { start, type StartOptions } from './start.js';

const program = new Command('banca')
  .description('banca: an open distributed banking system')
  .addOption(new Option('--url <url>', 'the bank gateway').env('BANCA_URL').default(`http://127.0.0.1:${defaultPorts.gateway(1)}`))
  .addOption(new Option('--client-id <id>', 'your client id').env('BANCA_CLIENT_ID').default('clientA'))
  .addOption(new Option('--key <key>', 'your client key').env('BANCA_CLIENT_KEY').default(DEV_CLIENT_KEYS.clientA))
  .showHelpAfterError();

function client(): BancaClient {
  const { url, clientId, key } = program.opts<{ url: string; clientId: string; key: string }>();
  return new BancaClient({ url, clientId, key });
}

async function withClient(action: (bank: BancaClient) => Promise<unknown>): Promise<void> {
  const bank = client();
  try {
    const result = await action(bank);
    if (result !== undefined) console.log(JSON.stringify(result, null, 2));
  } finally {
    await bank.close();
  }
}

program.command('start')
  .description('start the whole system on this machine (ports printed)')
  .addOption(new Option('--banks <n>', 'how many banks in the consortium').default(3).argParser(Number))
  .addOption(new Option('--coordination <mode>', 'interbank transfers: holds (two phases, no global order) or token-ring (seed 003)').choices(['holds', 'token-ring']).default('holds'))
  .addOption(new Option('--store <store>', 'ledger storage (postgres: DATABASE_URL, else an embedded PostgreSQL)').choices(['sqlite', 'memory', 'postgres']).default('sqlite'))
  .addOption(new Option('--replicas <n>', 'with --store postgres: 1 runs each bank\'s PostgreSQL as a primary and a synchronous standby (Debian\'s PostgreSQL)').default(0).argParser(Number))
  .addOption(new Option('--data-servers <n>', 'data servers per bank (several need --store postgres; default 2 with postgres, else 1)').argParser(Number))
  .addOption(new Option('--data-dir <dir>', 'where SQLite files and logs go').default('data'))
  .addOption(new Option('--business-servers <n>', 'business servers per bank').default(3).argParser(Number))
  .addOption(new Option('--queue-mode <mode>', 'batch: answer when saved; seed: accept at once, apply every 5 (default: batch; seed with --compat seed000)').choices(['batch', 'seed']))
  .addOption(new Option('--compat <wire>', "seed000: also speak seed 000's wire (its Python client and business server work unchanged)").choices(['none', 'seed000']).default('none'))
  .option('--random-ports', 'let the OS choose free ports')
  .addOption(new Option('--log-level <level>', 'service log level').default('info'))
  .option('--verbose', 'print service logs here too')
  .action(async (options: Omit<StartOptions, 'randomPorts' | 'verbose'> & { randomPorts?: boolean; verbose?: boolean }) => {
    await start({ ...options, randomPorts: Boolean(options.randomPorts), verbose: Boolean(options.verbose) }, (line) => console.log(line));
  });

program.command('deposit <account> <amount>').description('deposit, e.g. banca deposit 1 10.50')
  .option('--idempotency-key <key>', 'reuse to retry safely')
  .action((account: string, amount: string, options: { idempotencyKey?: string }) => withClient((bank) => bank.deposit(account, amount, options)));

program.command('withdraw <account> <amount>').alias('withdrawal').description('withdraw, e.g. banca withdraw 1 2.25')
  .option('--idempotency-key <key>', 'reuse to retry safely')
  .action((account: string, amount: string, options: { idempotencyKey?: string }) => withClient((bank) => bank.withdraw(account, amount, options)));

program.command('transfer <from> <to> <amount>').description('transfer, e.g. banca transfer 1 2 5')
  .option('--idempotency-key <key>', 'reuse to retry safely')
  .action((from: string, to: string, amount: string, options: { idempotencyKey?: string }) => withClient((bank) => bank.transfer(from, to, amount, options)));

program.command('balance <account>').description('the balance of an account')
  .action((account: string) => withClient((bank) => bank.balance(account)));

program.command('history <account>').description('latest movements of an account')
  .option('--limit <n>', 'how many', '20')
  .action((account: string, options: { limit: string }) => withClient((bank) => bank.history(account, Number(options.limit))));

program.command('status').description('health of the gateway and the business servers behind it')
  .action(() => withClient(async (bank) => {
    const [ready, upstreams] = await Promise.all([bank.request('GET', '/ready'), bank.request('GET', '/gateway/upstreams')]);
    return { gateway: program.opts<{ url: string }>().url, ready: ready.status === 200, ...(upstreams.body as object) };
  }));

program.command('check').description("seed 000's test client: checks a running bank, pass/fail per check")
  .action(() => withClient(async (bank) => {
    const report = await runChecks(bank, (line) => console.log(line));
    if (report.failed > 0) process.exitCode = 1;
  }));

program.parseAsync().catch((error: unknown) => {
  if (error instanceof BancaError) console.error(`error ${error.code}: ${error.message}`);
  else console.error(messageOf(error));
  process.exitCode = 1;
});
