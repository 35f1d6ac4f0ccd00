import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPoliciesDir, packageRoot, PolicyEngine } from './index.js';

/** A private copy of the shipped policies, changed by `edit`, to load from. */
function copyWith(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'tutela-policies-'));
  cpSync(defaultPoliciesDir(), dir, { recursive: true });
  edit(join(dir, 'v1'));
  return dir;
}

const change = (file: string, from: string | RegExp, to: string) => {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  expect(next).not.toBe(text);
  writeFileSync(file, next);
};

async function refusal(dir: string) {
  const err = await PolicyEngine.load({ dir }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ name: 'TutelaError', code: 'policy_invalid' });
  return (err as Error).message;
}

describe('loading the policies', () => {
  it('finds the package root from src and from dist alike', () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('tutela');
    expect(packageRoot(join(root, 'dist', 'src', 'app-server', 'policy'))).toBe(root);
    expect(defaultPoliciesDir()).toBe(join(root, 'policies'));
  });

  it('loads an unchanged copy, with the version CURRENT names', async () => {
    const engine = await PolicyEngine.load({ dir: copyWith(() => {}) });
    expect(engine.version).toBe('v1');
    expect(engine.policyIds).toContain('read.participant-al-reaches-rl');
  });

  it('gives every shipped policy a comment saying why, just above its @id', () => {
    const dir = join(
      defaultPoliciesDir(),
      readFileSync(join(defaultPoliciesDir(), 'CURRENT'), 'utf8').trim(),
    );
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.cedar'))) {
      const lines = readFileSync(join(dir, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!line.startsWith('@id(')) return;
        // The comment block right above the annotation must start with "// Why:".
        let k = i - 1;
        while (k >= 0 && lines[k]!.startsWith('//') && !lines[k]!.startsWith('// Why:')) k--;
        expect(lines[k] ?? '', `${file}: ${line}`).toMatch(/^\/\/ Why: /);
      });
    }
  });

  it('refuses a misspelt role (strict validation against the schema)', async () => {
    const dir = copyWith((v) => change(join(v, 'commands.cedar'), '"nurse"', '"nurce"'));
    expect(await refusal(dir)).toMatch(/nurce/);
  });

  it('refuses an attribute the schema does not declare', async () => {
    const dir = copyWith((v) =>
      change(join(v, 'audit.cedar'), 'principal.role', 'principal.clearance'),
    );
    expect(await refusal(dir)).toMatch(/clearance/);
  });

  it('refuses a policy that does not parse', async () => {
    const dir = copyWith((v) => change(join(v, 'research.cedar'), 'permit (', 'permit ((('));
    await refusal(dir);
  });

  it('refuses a policy without @id, and two policies with the same one', async () => {
    const noId = copyWith((v) => change(join(v, 'audit.cedar'), /@id\("[^"]+"\)/, ''));
    expect(await refusal(noId)).toMatch(/@id/);
    const twice = copyWith((v) =>
      change(join(v, 'audit.cedar'), 'audit.read-by-dpo-or-admin', 'research.export-u-for-hresch'),
    );
    expect(await refusal(twice)).toMatch(/also used/);
  });

  it('refuses a broken schema', async () => {
    const dir = copyWith((v) =>
      change(join(v, 'schema.cedarschema'), 'entity AuditLog;', 'entity AuditLog'),
    );
    await refusal(dir);
  });

  it('refuses a CURRENT that names no version folder, or no version at all', async () => {
    const missing = copyWith(() => {});
    writeFileSync(join(missing, 'CURRENT'), 'v9\n');
    await refusal(missing);
    const junk = copyWith(() => {});
    writeFileSync(join(junk, 'CURRENT'), '../v1\n');
    await refusal(junk);
  });
});
