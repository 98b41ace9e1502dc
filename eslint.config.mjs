// Lint rules that keep the architecture readable: typescript-eslint's recommended set, and import
// boundaries (no app imports another app; libs only import libs below them:
// platform <- contracts, kafka <- persistence <- access; web-pages on top). Formatting is Prettier's job.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const APPS = ['ingestor', 'response-centre', 'registry', 'home-care', 'scaip-gateway'];
const LIBS_ABOVE = {
  platform: ['contracts', 'kafka', 'persistence', 'access', 'web-pages'],
  contracts: ['kafka', 'persistence', 'access', 'web-pages'],
  kafka: ['persistence', 'access', 'web-pages'],
  persistence: ['access', 'web-pages'],
  access: ['web-pages'],
  // The pages' shared browser modules and the code that serves them (reads contracts' vocabulary).
  'web-pages': [],
};

const anyApp = (apps) => `(^|/)(apps/)?(${apps.join('|')})/src(/|$)`;

function appBoundaries(app) {
  const others = APPS.filter((name) => name !== app);
  return {
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: anyApp(others), message: `apps/${app} may not import another app: share it through a lib.` },
          ],
        },
      ],
    },
  };
}

function libBoundaries(lib) {
  const above = LIBS_ABOVE[lib];
  const patterns = [{ regex: anyApp(APPS), message: 'a lib may not import an app.' }];
  if (above.length > 0) {
    patterns.push({
      regex: `^@welfare/(${above.join('|')})(/|$)|(^|/)libs/(${above.join('|')})/`,
      message: `libs/${lib} may only import libs below it (platform <- contracts, kafka <- persistence <- access <- web-pages).`,
    });
  }
  return { files: [`libs/${lib}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.data/', '.cache/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: [
      'apps/*/public/**/*.js',
      'apps/*/src/**/public/**/*.js',
      'libs/*/public/**/*.js',
      'libs/*/src/**/public/**/*.js',
    ],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read loosely typed HTTP bodies; domain code stays without `any`.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...APPS.map(appBoundaries),
  ...Object.keys(LIBS_ABOVE).map(libBoundaries),
);
