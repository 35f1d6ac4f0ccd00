import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoCode } from './demo-code.js';

describe('tutela code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tutela-code-'));
  mkdirSync(join(dir, 'demo'));
  // RFC 6238 Appendix B test secret ("12345678901234567890" in base32).
  writeFileSync(
    join(dir, 'demo', 'accounts.json'),
    JSON.stringify({
      accounts: {
        nurse: { role: 'nurse', password: 'x', totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' },
        family: { role: 'family', password: 'y' },
      },
    }),
    { mode: 0o600 },
  );

  it('gives the RFC 6238 code of a demo account at a given time', () => {
    // RFC 6238 Appendix B, SHA-1 at T = 59 s: 94287082 (8 digits); its last 6 digits.
    expect(demoCode(dir, 'nurse', 59_000)).toBe('287082');
    expect(demoCode(dir, 'nurse', 1_111_111_109_000)).toBe('081804');
  });

  it('says clearly when there is no code to give', () => {
    expect(() => demoCode(dir, 'family')).toThrow(/without a code/);
    expect(() => demoCode(dir, 'ghost')).toThrow(/known: nurse, family/);
    expect(() => demoCode(join(dir, 'nowhere'), 'nurse')).toThrow(/npm start first/);
    // A sheet others may read is refused, not used.
    chmodSync(join(dir, 'demo', 'accounts.json'), 0o644);
    expect(() => demoCode(dir, 'nurse')).toThrow(/chmod 600/);
  });
});
