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
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
