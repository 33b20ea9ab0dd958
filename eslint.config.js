// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The one module allowed to import kafkajs (unmaintained since February 2023): swapping clients stays a
// one-file change. Everything else talks to src/kafka/types.ts.
const KAFKA_ADAPTER = 'src/kafka/kafkajs-adapter.ts';

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
      'no-restricted-imports': ['error', { paths: [{ name: 'kafkajs', message: `Only ${KAFKA_ADAPTER} may import kafkajs.` }] }],
    },
  },
  { files: [KAFKA_ADAPTER], rules: { 'no-restricted-imports': 'off' } },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js'], languageOptions: { globals: globals.node } },
);
