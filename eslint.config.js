// Type-aware lint rules that catch what the compiler does not: promises nobody awaits, and `return`
// without `await` inside try (the rejection would escape the catch).
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/model/*.generated.ts'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/await-thenable': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use the injected Clock; only src/clock.ts reads the wall clock.',
        },
      ],
    },
  },
  { files: ['src/clock.ts', 'bench/**/*.ts', 'test/**/*.ts'], rules: { 'no-restricted-syntax': 'off' } },
)
