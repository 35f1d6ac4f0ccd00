/**
 * Import boundaries between Tutela's trust zones (DESIGN.md, "Trust zones").
 * Runs inside `npm test` (npm run boundaries) and is itself tested by
 * src/boundaries.test.ts against a fixture that breaks every rule.
 */
const KEY_CODE = [
  '^(node:)?crypto$',
  '^jose$',
  '^hpke',
  '^@hpke/',
  '^@noble/',
  '^@peculiar/',
  '(^|/)keys?/',
  '(^|/)keyring(/|\\.)',
];

module.exports = {
  forbidden: [
    {
      name: 'service-layer-no-key-material',
      comment:
        'The service layer (the CSE, run by an untrusted M2M provider) holds no content key: it must not import crypto, key libraries or any keyring.',
      severity: 'error',
      from: { path: '(^|/)src/service-layer/' },
      to: { path: KEY_CODE },
    },
    {
      name: 'service-layer-no-other-zones',
      comment:
        'The service layer must not reach the application server, the authorization server, the platform wiring or clients.',
      severity: 'error',
      from: { path: '(^|/)src/service-layer/' },
      to: {
        path: '(^|/)src/(app-server|auth-server|platform|patient-side|clients)/',
        reachable: true,
      },
    },
    {
      name: 'core-is-zone-free',
      comment:
        'src/core is the shared kernel (config, database, errors, logging): it imports no zone.',
      severity: 'error',
      from: { path: '(^|/)src/core/' },
      to: {
        path: '(^|/)src/(service-layer|app-server|auth-server|platform|patient-side|clients)/',
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
