import { defineConfig } from 'vitest/config';

/**
 * Three tiers, one folder each (docs/architecture.md, "Tests"):
 * - unit: pure functions, no sockets;
 * - integration: the app built in process against the real Redis and the fakes;
 * - process: whole processes as a user starts them (npm start, workers, npm run doctor/models/replay,
 *   the build, compose): slower, so `npm test` leaves them out and `npm run test:all` (CI) runs them.
 */
const tier = (name: string) => ({ test: { name, include: [`test/${name}/**/*.test.ts`], testTimeout: 30_000, hookTimeout: 30_000 } });

export default defineConfig({
  test: {
    // Integration tests share one Redis (isolated by prefix) and spawn processes: keep the
    // worker count small on 2-core machines. Set here only, so --maxWorkers on the command line wins.
    maxWorkers: 2,
    projects: [tier('unit'), tier('integration'), tier('process')],
  },
});
