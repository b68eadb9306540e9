// The linter: typescript-eslint's type-aware recommended rules over every TypeScript file of the
// workspace (services, packages, tests, bench, chaos and the web interface), zero warnings
// allowed (`npm run lint`, part of `npm test`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'bench/results/**', '**/*.js', '**/*.mjs', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      // `async` is how a Fastify hook or a fake of a port says it answers with a promise, and it
      // turns a throw into a rejection; an async function with nothing to await is not a mistake.
      '@typescript-eslint/require-await': 'off',
      // A name that starts with _ is one the code means not to use (a rest sibling left out, say).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
    },
  },
  {
    // Tests read JSON answers whose shape is what they assert: an HTTP body is `any` there (the
    // testkit's http()), so the rules against using an `any` are off in tests, and only there.
    files: ['**/test/**/*.{ts,tsx}', 'packages/testkit/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The web interface's sources are compiled by its own tsconfig (bundler resolution, DOM).
    files: ['apps/web/src/**/*.{ts,tsx}', 'apps/web/vite.config.ts'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: ['apps/web/tsconfig.app.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
);
