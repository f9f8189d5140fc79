import { defineConfig } from 'vitest/config';

// `npm test` runs the default suite (under 10 minutes on 2 cores); `npm run test:slow` runs
// the long end-to-end trainings in test/slow (CI runs both).
const slow = process.env.TESSERA_SLOW === '1';

export default defineConfig({
  test: {
    include: slow ? ['test/slow/**/*.slow.test.ts'] : ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: slow ? [] : ['test/slow/**', 'node_modules/**'],
    testTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['./test/helpers/setup_backends.ts'],
    reporters: ['default', './test/helpers/summary_reporter.ts'],
  },
});
