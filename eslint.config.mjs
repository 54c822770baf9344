// Lint rules for the TypeScript sources (typescript-eslint's recommended set, type-free so it stays fast);
// formatting is Prettier's job, so no style rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'grammars/', 'test/fixtures/', 'test/lsp/fixtures/', 'examples/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', __dirname: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // The protocol module groups each request's method and type in a namespace, as vscode-eslint does.
      '@typescript-eslint/no-namespace': 'off',
      // Registries hold specs of many argument types (`LayerSpec<any>`), and the TS-subset evaluator
      // applies JavaScript operators to untyped operands; the strict compiler settings guard the rest.
      '@typescript-eslint/no-explicit-any': 'off',
      // Scope chains and evaluator values walk their parents through a local alias of `this`.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    // The CLI's launcher is plain CommonJS run by node directly.
    files: ['bin/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
