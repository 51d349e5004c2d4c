// The comparison in words, as the restore confirmation and `lifeboat diff` say it.
import { describe, expect, it } from 'vitest';
import { differenceSentence, restoreSentence, rowsOf, schemaSentence } from './comparison-words.ts';
import type { Comparison, TableDiff } from './inside-view.ts';

function table(name: string, back: number, lost: number, changed = 0, extra: Partial<TableDiff> = {}): TableDiff {
  return { table: name, kind: 'table', match: 'key', keyColumns: ['id'], rows: { a: 0, b: 0 }, back, lost, changed, samples: { back: [], lost: [], changed: [] }, ...extra };
}
function comparison(tables: TableDiff[], schema: Comparison['schema'] = []): Comparison {
  return { a: { id: 'a', createdAt: '2026-11-22T02:30:00Z' }, b: { kind: 'live', path: '/x', at: '' }, tables, schema, totals: { back: 0, lost: 0, changed: 0 }, same: false, tookMs: 0 };
}

describe('restoreSentence', () => {
  it('says what comes back and what is lost, biggest first', () => {
    expect(restoreSentence(comparison([table('orders', 3, 46), table('customers', 0, 12)]), '02:30')).toBe('Restoring to 02:30 gives back 3 orders and loses 46 orders and 12 customers added since.');
  });

  it('names three tables and sums the rest; changed rows are said to be undone', () => {
    const c = comparison([table('items', 4, 3), table('orders', 2, 3, 1), table('photos', 2, 0), table('events', 1, 1), table('audit', 0, 1), table('customers', 0, 1, 1)]);
    expect(restoreSentence(c, '02:30')).toBe(
      'Restoring to 02:30 gives back 4 items, 2 orders, 2 photos and 1 row of 1 more table and loses 3 items, 3 orders, 1 row of audit and 2 rows of 2 more tables added since, and undoes the changes made since to 1 customer and 1 order.',
    );
  });

  it('leaves out tables only counted (virtual ones), and says when nothing changes', () => {
    expect(restoreSentence(comparison([table('order_search', 5, 0, 0, { match: 'count' })]), '02:30')).toBe('Restoring to 02:30 changes nothing: the data is the same as now.');
    expect(restoreSentence(comparison([table('accounts', 0, 0, 5)]), 'yesterday 18:00')).toBe('Restoring to yesterday 18:00 undoes the changes made since to 5 accounts.');
    expect(restoreSentence(comparison([table('orders', 0, 0)], [{ type: 'index', name: 'by_date', change: 'added' }]), '02:30')).toBe('Restoring to 02:30 changes no rows.');
  });
});

describe('rowsOf', () => {
  it('uses a plural table name as the noun, and "rows of" for any other', () => {
    expect([rowsOf(1, 'orders'), rowsOf(2, 'orders'), rowsOf(1, 'categories'), rowsOf(1, 'boxes'), rowsOf(1, 'order_items'), rowsOf(1, 'stock'), rowsOf(3, 'stock'), rowsOf(1234, 'address')]).toEqual([
      '1 order',
      '2 orders',
      '1 category',
      '1 box',
      '1 order item',
      '1 row of stock',
      '3 rows of stock',
      '1,234 rows of address',
    ]);
  });
});

describe('two restore points, and the schema', () => {
  it('says how A differs from B', () => {
    expect(differenceSentence(comparison([table('orders', 3, 0), table('customers', 0, 2, 1)]), 'A', 'B')).toBe('A has 3 orders that B has not, lacks 2 customers that B has and holds other values for 1 customer.');
    expect(differenceSentence(comparison([table('orders', 0, 0)]), 'A', 'B')).toBe('A and B hold the same data.');
  });

  it('lists schema changes, and columns per table', () => {
    const c = comparison([table('customers', 0, 0, 0, { columns: { added: ['phone'], removed: [], retyped: ['email'] } }), table('tags', 0, 0, 0, { keyChanged: true })], [
      { type: 'table', name: 'customers', change: 'changed' },
      { type: 'index', name: 'orders_by_placed', change: 'added' },
      { type: 'view', name: 'big_orders', change: 'removed' },
    ]);
    expect(schemaSentence(c)).toBe("The database's layout changed too: index orders_by_placed added since; view big_orders removed since; column customers.phone added since; column customers.email changed type since; the primary key of tags changed since.");
    expect(schemaSentence(comparison([table('orders', 1, 0)]))).toBeUndefined();
  });
});
