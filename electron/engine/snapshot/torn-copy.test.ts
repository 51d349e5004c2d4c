// Promise 1 in every journal mode, including MEMORY and OFF where nothing on disk shows an open
// transaction: another process moves money between accounts in big transactions whose pages spill
// into the database file before COMMIT (a 64 KiB page cache). Restore points are taken while it
// holds a transaction open, and while it is frozen (SIGSTOP) at random moments. Every restore point
// must hold the exact total of balances (transfers only: SQLite's integrity check cannot see a torn
// copy), or the backup must end with a clear message naming the program. The writer is a Node
// program on Lifeboat's own SQLite build, and in the modes nothing on disk reveals also a Python
// program on the system's SQLite library. The outcomes are printed as a table at the end.
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine.ts';
import { LifeboatError } from '../common/errors.ts';
import { databaseOf } from '../testing/restore-point-file.ts';
import { bankState, makeBankDb, startHelper, tempDir } from '../testing/fixtures.ts';

const ACCOUNTS = 60_000;
const TOTAL = ACCOUNTS * 100;
const BACKUPS = 5;
const CASES = [
  ...(['delete', 'truncate', 'persist', 'memory', 'off', 'wal'] as const).map((mode) => ({ mode, writer: 'spilling-writer.ts', program: 'node' })),
  ...(['memory', 'off'] as const).map((mode) => ({ mode, writer: 'spilling-writer.py', program: 'python3' })),
];

let t: ReturnType<typeof tempDir>;
let engine: Engine;
beforeEach(async () => {
  t = tempDir();
  engine = await createEngine({ dataDir: path.join(t.dir, 'home'), appVersion: '0.0.0-test' });
});
afterEach(() => {
  engine.close();
  t.cleanup();
});

const table: string[] = [];
afterAll(() => {
  console.log(['writer, journal mode, how | restore points | torn | clear refusals', ...table].join('\n'));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  taken: number;
  torn: string[];
  refused: string[];
}

/** Takes one restore point and sorts it: a committed state, a torn copy, or a clear refusal. */
async function backUpAndJudge(sourceId: string, outcome: Outcome): Promise<void> {
  try {
    const m = await engine.backup({ sourceId }, { trigger: 'manual' });
    outcome.taken++;
    const state = bankState(await databaseOf(engine, m, t.dir));
    if (state.total !== TOTAL || state.check !== 'ok') outcome.torn.push(`${m.id}: total ${state.total - TOTAL} off, integrity ${state.check}, ${m.snapshot?.method}`);
  } catch (e) {
    if (!(e instanceof LifeboatError) || e.code !== 'busy') throw e;
    outcome.refused.push(e.message);
  }
}

/** Runs `body` while a spilling writer works on a fresh bank database; checks the live total after. */
async function withWriter(c: (typeof CASES)[number], writerArgs: { holdMs: number; pauseMs: number }, body: (writer: ReturnType<typeof startHelper>, sourceId: string) => Promise<void>): Promise<void> {
  const db = path.join(t.dir, 'bank.db');
  makeBankDb(db, { mode: c.mode === 'wal' ? 'wal' : 'delete', accounts: ACCOUNTS });
  const source = await engine.sources.add(db);
  engine.updateSettings({ quietWaitMs: 1_000 });
  const writer = startHelper(c.writer, [db, c.mode, String(writerArgs.holdMs), String(writerArgs.pauseMs)]);
  await writer.waitFor('ready');
  try {
    await body(writer, source.id);
  } finally {
    writer.child.kill('SIGCONT');
    expect(await writer.stop()).toBe('');
  }
  expect(bankState(db)).toEqual({ total: TOTAL, accounts: ACCOUNTS, check: 'ok' });
}

function judge(c: (typeof CASES)[number], how: string, outcome: Outcome): void {
  table.push(`${c.program}, ${c.mode}, ${how} | ${outcome.taken} | ${outcome.torn.length} | ${outcome.refused.length}`);
  expect(outcome.torn).toEqual([]);
  expect(outcome.taken + outcome.refused.length).toBe(BACKUPS);
  // A refusal names the program and says what it is doing.
  for (const message of outcome.refused) expect(message).toMatch(new RegExp(`^${c.program}[\\w.]* (has been writing|kept writing) `));
}

describe.each(CASES)('a $program writer whose transactions spill into the file (journal_mode=$mode)', (c) => {
  it('while it holds a spilled transaction open: every restore point is a committed state', async () => {
    const outcome: Outcome = { taken: 0, torn: [], refused: [] };
    await withWriter(c, { holdMs: 150, pauseMs: 20 }, async (_writer, sourceId) => {
      for (let i = 0; i < BACKUPS; i++) {
        await backUpAndJudge(sourceId, outcome);
        await sleep(Math.random() * 100);
      }
    });
    judge(c, 'held 150 ms', outcome);
    // The program commits every 150 ms or so: the backup waits for a commit instead of giving up.
    expect(outcome.taken).toBeGreaterThan(0);
  });

  it('frozen at random moments: every restore point is a committed state, or the backup says who holds it', async () => {
    const outcome: Outcome = { taken: 0, torn: [], refused: [] };
    // Nearly always inside a transaction, so that most freezes catch one half-written.
    await withWriter(c, { holdMs: 0, pauseMs: 1 }, async (writer, sourceId) => {
      for (let i = 0; i < BACKUPS; i++) {
        await sleep(Math.random() * 60);
        writer.child.kill('SIGSTOP');
        try {
          await backUpAndJudge(sourceId, outcome);
        } finally {
          writer.child.kill('SIGCONT');
        }
      }
    });
    judge(c, 'frozen', outcome);
  });
});
