# The same program as spilling-writer.ts, on Python's sqlite3 (the system's SQLite library, not
# Lifeboat's): big transfer-only transactions with a 64 KiB page cache, so that uncommitted pages
# spill into the database file before COMMIT.
# usage: spilling-writer.py <db> <journal mode> <hold ms> [<pause ms>]
import random
import select
import sqlite3
import sys
import time

file, mode, hold = sys.argv[1], sys.argv[2], int(sys.argv[3])
pause = int(sys.argv[4]) if len(sys.argv) > 4 else 20
db = sqlite3.connect(file, timeout=30, isolation_level=None)
db.execute(f"PRAGMA journal_mode = {mode}")
db.execute("PRAGMA cache_size = -64")
accounts = db.execute("SELECT count(*) FROM accounts").fetchone()[0]


def stopping():
    return bool(select.select([sys.stdin], [], [], 0)[0])


commits = 0
while not stopping():
    db.execute("BEGIN")
    for _ in range(400):
        amount = random.randint(1, 20)
        db.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", (-amount, random.randint(1, accounts)))
        db.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", (amount, random.randint(1, accounts)))
    if hold > 0:
        time.sleep(hold / 1000)
    db.execute("COMMIT")
    commits += 1
    if commits == 1:
        print("ready", flush=True)
    time.sleep(random.random() * pause / 1000)
db.close()
print(f"commits {commits}", flush=True)
