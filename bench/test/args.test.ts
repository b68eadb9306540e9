// The bench's flags (bench/src/args.ts, on node:util parseArgs): defaults, every form of a
// flag, the per-part levels over --levels, and a clear message for whatever is wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LEVELS, parseArgs, USAGE } from '../src/args.js';
import { benchPlan } from '../src/plan.js';

test('args: defaults and flags', () => {
  const defaults = parseArgs([]);
  assert.equal(defaults.seconds, 3);
  assert.deepEqual(defaults.levels, DEFAULT_LEVELS.b);
  assert.deepEqual(defaults.pgLevels, DEFAULT_LEVELS.c);
  assert.deepEqual(defaults.interbankLevels, DEFAULT_LEVELS.d);
  assert.equal(defaults.commitSeconds, 3);
  assert.equal(defaults.pgSeconds, 3);
  assert.equal(defaults.only, null);
  const given = parseArgs(['--seconds', '10', '--concurrency=8', '--only', 'b']);
  assert.equal(given.seconds, 10);
  assert.equal(given.commitSeconds, 10);
  assert.deepEqual(given.levels, [8]);
  assert.deepEqual(given.pgLevels, DEFAULT_LEVELS.c);
  assert.equal(given.only, 'b');
  assert.equal(parseArgs(['--only', 'c', '--seconds', '1']).pgSeconds, 1);
  assert.equal(parseArgs(['--only', 'c', '--pg-seconds', '5']).pgSeconds, 5);
  assert.deepEqual([defaults.interbankSeconds, defaults.interbankCustomers], [4, 20]);
  const interbank = parseArgs(['--only', 'd', '--interbank-seconds', '2', '--interbank-concurrency=8', '--interbank-customers', '5']);
  assert.deepEqual([interbank.only, interbank.interbankSeconds, interbank.interbankLevels, interbank.interbankCustomers], ['d', 2, [8], 5]);
  // --levels sets every part's levels (sorted, without repeats); a part's own flag wins whatever the order.
  const levels = parseArgs(['--pg-levels', '2,1', '--levels', '16,1,4,4']);
  assert.deepEqual([levels.levels, levels.pgLevels, levels.interbankLevels], [[1, 4, 16], [1, 2], [1, 4, 16]]);
  assert.deepEqual(parseArgs(['--levels=2,8', '--interbank-levels', '3']).interbankLevels, [3]);
  assert.throws(() => parseArgs(['--levels', '1,,4']));
  assert.throws(() => parseArgs(['--levels', '1,0.5']));
  assert.throws(() => parseArgs(['--only', 'g']));
  assert.deepEqual([defaults.restSeconds, defaults.restSettleSeconds], [10, 30]);
  const rest = parseArgs(['--only', 'f', '--rest-seconds', '3', '--rest-settle-seconds=2']);
  assert.deepEqual([rest.only, rest.restSeconds, rest.restSettleSeconds], ['f', 3, 2]);
  assert.deepEqual(benchPlan(rest).f, { banks: 3, businessServers: 3, settleSeconds: 2, seconds: 3, progress: true });
  assert.deepEqual([defaults.dossierLevels, defaults.dossierSeconds, defaults.dossierPeople], [DEFAULT_LEVELS.e, 3, 12]);
  const dossier = parseArgs(['--only=e', '--dossier-levels', '8,2', '--dossier-seconds', '1.5', '--dossier-people', '4']);
  assert.deepEqual([dossier.only, dossier.dossierLevels, dossier.dossierSeconds, dossier.dossierPeople], ['e', [2, 8], 1.5, 4]);
  assert.deepEqual(parseArgs(['--levels', '2,8']).dossierLevels, [2, 8]);
  assert.throws(() => parseArgs(['--seconds', '-1']));
  // The default plan: the sweeps of the issue, (c) read against its target at 8 in flight.
  const plan = benchPlan(defaults);
  assert.deepEqual(plan.c.compare, { batchSize: 5, concurrency: 8 });
  assert.deepEqual(benchPlan(parseArgs(['--pg-levels', '1,2'])).c.compare, { batchSize: 5, concurrency: 2 });
});

test('args: an unknown flag, a stray argument or `--` is refused by name, with the usage', () => {
  for (const [argv, shown] of [[['--nope'], '--nope'], [['--nope=3'], '--nope=3'], [['--seconds', '2', 'extra'], 'extra'], [['-x'], '-x'], [['-hx'], '-hx'], [['--', '--seconds', '2'], '--'], [['--toString'], '--toString']] as const) {
    assert.throws(() => parseArgs(argv), (error: Error) => error.message === `unknown flag ${shown}\n${USAGE}`, JSON.stringify(argv));
  }
});

test('args: a flag without its value says so, with the usage', () => {
  for (const flag of ['--seconds', '--levels', '--only', '--interbank-concurrency', '--accounts']) {
    assert.throws(() => parseArgs(['--no-progress', flag]), (error: Error) => error.message === `${flag} needs a value\n${USAGE}`, flag);
  }
  // An empty value is a value, and not a positive number.
  assert.throws(() => parseArgs(['--seconds=']), { message: '--seconds must be a positive number (got "")' });
});

test('args: --flag=value and --flag value read the same, the last one given wins', () => {
  assert.deepEqual(parseArgs(['--seconds=2', '--levels=8,2', '--only=d']), parseArgs(['--seconds', '2', '--levels', '8,2', '--only', 'd']));
  assert.equal(parseArgs(['--seconds', '2', '--seconds=5']).seconds, 5);
  // --interbank-levels and --interbank-concurrency set the same thing: the later one counts.
  assert.deepEqual(parseArgs(['--interbank-levels', '3,1', '--interbank-concurrency', '5']).interbankLevels, [5]);
  assert.deepEqual(parseArgs(['--interbank-concurrency', '5', '--interbank-levels', '3,1']).interbankLevels, [1, 3]);
  // Per-part levels over --levels whatever the order; --concurrency is part (b)'s.
  assert.deepEqual(parseArgs(['--concurrency', '8', '--levels', '2']).levels, [8]);
  assert.deepEqual(parseArgs(['--levels', '2', '--concurrency', '8']).levels, [8]);
  assert.deepEqual(parseArgs(['--levels', '2', '--dossier-levels', '4,4,1']).dossierLevels, [1, 4]);
});

test('args: the positive-number checks and their messages', () => {
  // A value that looks like a flag is still the flag's value, refused as not positive.
  assert.throws(() => parseArgs(['--seconds', '-1']), { message: '--seconds must be a positive number (got "-1")' });
  assert.throws(() => parseArgs(['--seconds', '--only', 'b']), { message: '--seconds must be a positive number (got "--only")' });
  assert.throws(() => parseArgs(['--accounts', '1.5']), { message: '--accounts must be a positive whole number (got "1.5")' });
  assert.throws(() => parseArgs(['--levels', '1,,4']), { message: '--levels must be a positive whole number (got "")' });
  assert.throws(() => parseArgs(['--pg-levels=1,0.5']), { message: '--pg-levels must be a positive whole number (got "0.5")' });
  assert.throws(() => parseArgs(['--only', 'g']), { message: '--only takes a, b, c, d, e, f (got "g")' });
  assert.equal(parseArgs(['--seconds', '0.5']).commitSeconds, 1, 'part (a) at least 1 s');
  assert.deepEqual([parseArgs(['--accounts', '1']).accounts, parseArgs(['--dossier-people', '1']).dossierPeople], [2, 2]);
});

test('args: --help, -h, --no-progress, and every flag of the usage is known', () => {
  assert.equal(parseArgs(['--help']).help, true);
  assert.equal(parseArgs(['-h']).help, true);
  assert.equal(parseArgs(['--no-progress']).progress, false);
  const documented = [...USAGE.matchAll(/^ {2}(--[a-z-]+)( N| a\|)?/gm)].map((match) => [match[1]!, match[2] !== undefined] as const);
  assert.equal(documented.length, 19, 'every flag but --help');
  for (const [flag, takesValue] of documented) {
    const value = flag === '--only' ? 'a' : flag.includes('levels') ? '2,1' : '2';
    assert.doesNotThrow(() => parseArgs(takesValue ? [flag, value] : [flag]), flag);
  }
});
