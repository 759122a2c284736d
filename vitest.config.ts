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
    // The process tier starts Node processes (tsx compiles each): two files at a time on a
    // 2-core machine. `npm test` (unit + integration) passes --maxWorkers=6: those files mostly
    // wait on real timers (the whole quick run used ~0.6 of the 2 cores at 6 workers), so six
    // at a time still leave CPU to spare. Set here only, so --maxWorkers on the command line wins.
    maxWorkers: 2,
    projects: [tier('unit'), tier('integration'), tier('process')],
  },
});
