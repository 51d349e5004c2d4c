// `npm run soak`: a year unattended, in minutes (electron/app/testing/year-simulation.ts): 365 days
// of hourly backups of a real database under a writer, with a year's faults, every invariant
// checked each simulated day. Prints progress and one summary line; exits 1 on any violation.
// Options: --days N (default 365), --seed N, --kills N, --quiet.
import { parseArgs } from 'node:util';
import { runYearSimulation } from '../electron/app/testing/year-simulation.ts';

const { values } = parseArgs({ options: { days: { type: 'string', default: '365' }, seed: { type: 'string' }, kills: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
// Ctrl-C stops after the current simulated hour and still unmounts and stops what it started.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
const result = await runYearSimulation({
  signal: stop.signal,
  days: Number(values.days),
  seed: values.seed ? Number(values.seed) : undefined,
  kills: values.kills ? Number(values.kills) : undefined,
  log: values.quiet ? undefined : (line) => console.error(line),
});
for (const s of result.skipped) console.error(`skipped: ${s}`);
for (const v of result.violations) console.error(`VIOLATION ${v}`);
console.log(`soak: ${result.summary}`);
process.exitCode = result.violations.length ? 1 : 0;
