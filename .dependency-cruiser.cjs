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
  '(^|/)src/crypto/',
];

/** Shared by every zone: kernel, wire formats, crypto primitives (no zone code). */
const ZONES = '(^|/)src/(service-layer|app-server|auth-server|platform|patient-side|clients)/';

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
      name: 'shared-code-is-zone-free',
      comment:
        'src/protocol (wire formats) and src/crypto (primitives) are shared by the zones: they import none.',
      severity: 'error',
      from: { path: '(^|/)src/(protocol|crypto)/' },
      to: { path: ZONES },
    },
    {
      name: 'patient-side-stays-on-the-patient-side',
      comment:
        'Things and gateways reach the platform only over the network (the CSE, their Things): no server-side code, no other zone.',
      severity: 'error',
      from: { path: '(^|/)src/patient-side/' },
      to: { path: '(^|/)src/(service-layer|app-server|auth-server|platform|clients)/' },
    },
    {
      name: 'clients-use-the-network',
      comment:
        "Caregiver clients talk to the platform over HTTP and WebSocket only: none of the servers' code (their keyrings least of all).",
      severity: 'error',
      from: { path: '(^|/)src/clients/' },
      to: { path: '(^|/)src/(service-layer|app-server|auth-server|platform|patient-side)/' },
    },
    {
      name: 'app-server-uses-the-cse-over-http',
      comment:
        'The application server reaches the service layer through its oneM2M binding, never its code, and runs no patient-side or client code.',
      severity: 'error',
      from: { path: '(^|/)src/app-server/' },
      to: { path: '(^|/)src/(service-layer|auth-server|platform|patient-side|clients)/' },
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
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
