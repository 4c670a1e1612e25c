import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end tests spawn servers and CLI processes; two workers match a 2-core CI box
    // without starving the processes under test.
    maxWorkers: 2,
  },
});
