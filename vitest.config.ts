import { defineConfig } from 'vitest/config';

/**
 * Three tiers, one folder each (docs/architecture.md, "Tests"):
 * - unit: pure functions, no sockets;
 * - integration: the app built in process against the real Redis and the fakes;
 * - process: whole processes as a user starts them (npm start, workers, npm run doctor/models/replay,
 *   the build, compose): slower, so `npm test` leaves them out and `npm run test:all` (CI) runs them.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests share one Redis (isolated by prefix) and spawn processes: keep the
    // worker count small on 2-core machines.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      { extends: true, test: { name: 'process', include: ['test/process/**/*.test.ts'] } },
    ],
  },
});
