import { defineConfig } from 'vitest/config';

// Three tiers (see STYLE.md): unit tests beside the code, integration tests
// that start real servers on loopback, and e2e tests that run the daemons as
// real processes. Integration and e2e run one file at a time: they share the
// machine's two cores with the processes they start.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.int.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          exclude: ['e2e/security/**', '**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // Every security finding stays here as a reproduction (docs/security.md).
        test: {
          name: 'security',
          include: ['e2e/security/**/*.security.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
