import { describe, expect, it } from 'vitest';
import { formatBytes, formatProgress, type PullProgress } from '../../src/llm/pull.js';
import { formatElapsed } from '../../src/redis.js';

const p = (o: Partial<PullProgress>): PullProgress => ({ model: 'qwen2.5:14b', status: 'pulling 8934d96d3f08', total: 9e9, completed: 0, bytesPerSec: 0, resumedFrom: 0, attempt: 1, ...o });

describe('the pull progress line', () => {
  it.each([
    [p({ total: 0, status: 'pulling manifest' }), 'qwen2.5:14b  pulling manifest'],
    [p({ completed: 0 }), 'qwen2.5:14b  [░░░░░░░░░░░░░░░░░░░░]   0%  0 B / 9.0 GB'],
    [p({ completed: 2.8e9, bytesPerSec: 48.2e6 }), 'qwen2.5:14b  [██████░░░░░░░░░░░░░░]  31%  2.8 GB / 9.0 GB  48.2 MB/s  2 min 9 s left'],
    [p({ completed: 1e9, total: 65e9, bytesPerSec: 10e6 }), 'qwen2.5:14b  [░░░░░░░░░░░░░░░░░░░░]   1%  1.0 GB / 65.0 GB  10.0 MB/s  1 h 46 min left'],
    [p({ completed: 9e9, bytesPerSec: 50e6 }), 'qwen2.5:14b  [████████████████████] 100%  9.0 GB / 9.0 GB  50.0 MB/s'],
    // a total that grows past what was counted never draws more than a full bar
    [p({ completed: 10e9, total: 9e9 }), 'qwen2.5:14b  [████████████████████] 100%  10.0 GB / 9.0 GB'],
  ])('%#', (progress, line) => expect(formatProgress(progress)).toBe(line));

  it.each([
    [512, '512 B'],
    [7_000, '7 KB'],
    [300e6, '300.0 MB'],
    [1e16, '10.0 PB'],
  ])('%d bytes read as %s', (n, s) => expect(formatBytes(n)).toBe(s));
});

describe('the elapsed time in "still unreachable" lines', () => {
  it.each([
    [10_000, '10 s'],
    [59_400, '59 s'],
    [60_000, '1 min'],
    [185_000, '3 min 5 s'],
  ])('%d ms reads %s', (ms, s) => expect(formatElapsed(ms)).toBe(s));
});
