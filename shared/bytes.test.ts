// Sizes in words, the one formatter the CLI, the dashboard and the log share.
import { describe, expect, it } from 'vitest';
import { formatBytes, parseBytes } from './bytes.ts';

describe('sizes in words', () => {
  it('reads like a file manager: powers of 1000, one decimal below 10', () => {
    expect([0, 999, 1000, 1500, 15_400, 1_200_000, 47_000_000, 2_147_483_648, 1.5e12].map(formatBytes)).toEqual(['0 B', '999 B', '1.0 KB', '1.5 KB', '15 KB', '1.2 MB', '47 MB', '2.1 GB', '1.5 TB']);
  });

  it('reads back what a person types', () => {
    expect(['500MB', '2 GiB', '1e9', '10kb', 'lots'].map(parseBytes)).toEqual([500e6, 2 * 1024 ** 3, 1e9, 10_000, undefined]);
  });
});
