import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';

describe('loadConfig', () => {
  it('gives the embedded defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8443);
    expect(c.host).toBe('127.0.0.1');
    expect(c.tls.enabled).toBe(true);
    expect(c.database.url).toBeUndefined();
    expect(c.cse.cseId).toBe('/id-in');
    expect(c.cse.rn).toBe('cse-in');
    expect(c.cse.adminOriginator).toBeUndefined();
    expect(c.dataDir.endsWith('.tutela')).toBe(true);
  });

  it('takes the environment', () => {
    const c = loadConfig({
      TUTELA_PORT: '9443',
      TUTELA_TLS: 'off',
      TUTELA_DATA_DIR: '/tmp/x',
      DATABASE_URL: 'postgres://localhost/test',
      TUTELA_CSE_ADMIN: 'CAdmin',
    });
    expect(c.port).toBe(9443);
    expect(c.tls.enabled).toBe(false);
    expect(c.dataDir).toBe('/tmp/x');
    expect(c.database.url).toBe('postgres://localhost/test');
    expect(c.cse.adminOriginator).toBe('CAdmin');
  });

  it('reads a config file, and lets the environment win over it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tutela-config-')), 'tutela.json');
    writeFileSync(
      file,
      JSON.stringify({ port: 9000, cse: { rn: 'ward', notify: { retryBaseMs: 100 } } }),
    );
    const c = loadConfig({ TUTELA_CONFIG: file, TUTELA_PORT: '9001' });
    expect(c.port).toBe(9001);
    expect(c.cse.rn).toBe('ward');
    expect(c.cse.notify.retryBaseMs).toBe(100);
    expect(c.cse.notify.retryMaxMs).toBe(60_000);
  });

  it('refuses an unreadable or unknown config file clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tutela-config-'));
    writeFileSync(join(dir, 'bad.json'), '{ port: ');
    expect(() => loadConfig({ TUTELA_CONFIG: join(dir, 'bad.json') })).toThrow(
      /cannot read config file .*bad\.json/,
    );
    expect(() => loadConfig({ TUTELA_CONFIG: join(dir, 'missing.json') })).toThrow(
      /cannot read config file/,
    );
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ TUTELA_CONFIG: join(dir, 'typo.json') })).toThrow(
      /invalid configuration/,
    );
  });

  it('names every problem in an invalid configuration', () => {
    expect(() => loadConfig({ TUTELA_PORT: '70000', TUTELA_CSE_ID: 'no-slash' })).toThrow(
      /\/port[\s\S]*\/cse\/cseId/,
    );
  });
});
