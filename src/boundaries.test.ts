import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs the same dependency-cruiser check as `npm run boundaries` and returns its violations. */
function cruise(dir: string): Violation[] {
  let out: string;
  try {
    out = execFileSync(
      'node_modules/.bin/depcruise',
      [dir, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
      { encoding: 'utf8' },
    );
  } catch (err) {
    out = (err as { stdout: string }).stdout; // depcruise exits non-zero when it finds violations
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('trust-zone import boundaries', () => {
  it('holds for the code base', () => {
    expect(cruise('src')).toEqual([]);
  });

  it('catches every zone rule being broken', () => {
    const found = cruise('test/fixtures/boundaries/src').map(
      (v) => `${v.rule.name}: ${v.from} -> ${v.to}`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^service-layer-no-key-material: .*service-layer\/leaky\.ts -> (node:)?crypto$/,
        ),
        expect.stringMatching(
          /^service-layer-no-key-material: .*service-layer\/leaky\.ts -> .*app-server\/keyring\.ts$/,
        ),
        expect.stringMatching(
          /^service-layer-no-other-zones: .*service-layer\/leaky\.ts -> .*app-server\/keyring\.ts$/,
        ),
        expect.stringMatching(
          /^core-is-zone-free: .*core\/uses-zone\.ts -> .*service-layer\/leaky\.ts$/,
        ),
        expect.stringMatching(
          /^service-layer-no-key-material: .*service-layer\/leaky\.ts -> .*crypto\/primitive\.ts$/,
        ),
        expect.stringMatching(
          /^shared-code-is-zone-free: .*protocol\/uses-zone\.ts -> .*app-server\/keyring\.ts$/,
        ),
        expect.stringMatching(
          /^shared-code-is-zone-free: .*crypto\/primitive\.ts -> .*app-server\/keyring\.ts$/,
        ),
        expect.stringMatching(
          /^patient-side-stays-on-the-patient-side: .*patient-side\/reaches-server\.ts -> .*app-server\/keyring\.ts$/,
        ),
        expect.stringMatching(
          /^clients-use-the-network: .*clients\/reaches-server\.ts -> .*app-server\/keyring\.ts$/,
        ),
        expect.stringMatching(
          /^app-server-uses-the-cse-over-http: .*app-server\/reaches-cse\.ts -> .*service-layer\/leaky\.ts$/,
        ),
      ]),
    );
  });
});
