// ESLint: TypeScript is linted with type information (typescript-eslint's recommended
// type-checked rules). Prettier owns the layout, so no rule here is about style.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { layerRules } from './eslint.layers.js';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'imports/', 'test-output/', 'coverage/', 'test/operator/fixtures/'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules(),
  {
    // Tests read parsed YAML and JSON by path, typed `any` on purpose: a wrong path fails the assertion.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // The Mandelbrot service: CommonJS on Node, and app.js in the browser (services/tsconfig.json type-checks both).
    files: ['services/mandelbrot/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    // The base64 encoder's last write advances its cursor like the three before it.
    rules: { 'no-useless-assignment': 'off' },
  },
  {
    files: ['services/mandelbrot/app.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
);
