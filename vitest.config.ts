import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests share one Redis (isolated by prefix) and spawn processes: keep the
    // worker count small on 2-core machines.
    maxWorkers: 2,
  },
});
