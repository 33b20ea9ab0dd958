// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Each Kafka client library is imported by its adapter folder only: everything else talks to
// src/kafka/types.ts, so the client is a configuration choice (kafkaClient) and swapping one touches one folder.
// The tests of relstream's patches to a library (patches/) read the library too, from their own folder.
const KAFKA_ADAPTERS = { kafkajs: ['src/kafka/kafkajs'], '@platformatic/kafka': ['src/kafka/platformatic', 'test/unit/kafka/platformatic'] };
const kafkaImportRule = (allowed) => ['error', {
  paths: Object.entries(KAFKA_ADAPTERS).filter(([name]) => name !== allowed).map(([name, dirs]) => ({ name, message: `Only ${dirs.join('/ and ')}/ may import ${name}.` })),
}];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'models/**/.venv/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
      }],
      'no-restricted-imports': kafkaImportRule(undefined),
    },
  },
  ...Object.entries(KAFKA_ADAPTERS).map(([name, dirs]) => ({ files: dirs.map((dir) => `${dir}/**/*.ts`), rules: { 'no-restricted-imports': kafkaImportRule(name) } })),
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js'], languageOptions: { globals: globals.node } },
);
