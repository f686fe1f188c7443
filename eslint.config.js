// ESLint flat config: type-aware typescript-eslint over every package.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.tsbuild/**',
      '.tools/**',
      '.kedge-run/**',
      '**/dist/**',
      'packages/dashboard/web/vendor/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Production code: errors a user or an operator can see carry a code (docs/errors.md), and
    // callers check codes, not classes (an error may come from another copy of @kedge/api).
    files: ['packages/*/src/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      '**/test-*.ts',
      '**/test-harness.ts',
      '**/testdata/**',
      'packages/testing/**',
      'packages/store/src/contract/**',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ThrowStatement > NewExpression[callee.name='Error']",
          message: 'Throw a KedgeError with a code (packages/api/src/errors.ts, docs/errors.md).',
        },
        {
          selector:
            "CallExpression[callee.property.name=/^(reject|destroy)$/] > NewExpression[callee.name='Error']",
          message: 'Reject with a KedgeError with a code (packages/api/src/errors.ts, docs/errors.md).',
        },
        {
          selector: "BinaryExpression[operator='instanceof'][right.name='KedgeError']",
          message: 'Check codes (hasCode, isKedgeError, errorCodeOf), not instanceof KedgeError.',
        },
      ],
    },
  },
  {
    // One lifecycle contract (packages/runtime/README.md): production timers go through the injected
    // Clock (clock.sleep, runtime every(), retry/Backoff) so tests drive them with FakeClock. A justified
    // raw timer says why in an eslint-disable-next-line comment.
    files: ['packages/*/src/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      '**/test-*.ts',
      '**/testdata/**',
      'packages/testing/**',
      'packages/store/src/contract/**',
      'packages/runtime/src/clock.ts',
      // The benchmarks measure wall time itself (latencies, throughput, RSS samples of real processes
      // started by path) and pace real load; there is no fake time to drive in them.
      'packages/edgemark/src/bench/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'node:timers/promises',
              message: 'Use the injected Clock (clock.sleep, runtime every()) instead of a raw timer.',
            },
            {
              name: 'node:timers',
              message: 'Use the injected Clock (clock.sleep, runtime every()) instead of a raw timer.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setInterval', message: 'Use the injected Clock (runtime every()) instead of a raw timer.' },
        {
          name: 'setTimeout',
          message: 'Use the injected Clock (clock.sleep, retry, Backoff) instead of a raw timer.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
