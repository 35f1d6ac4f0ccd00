/**
 * `npx tsx bench/policy-decisions.ts [N]`: rough cost of one policy decision
 * (docs/policies.md, "Cost"): Cedar evaluations that miss the decision
 * cache, answers from the cache, and `readableLevel` (up to six decisions).
 * A note for the docs, not a target: nothing fails on the numbers.
 */
import {
  PolicyEngine,
  type PolicyContext,
  type PolicyPrincipal,
} from '../src/app-server/policy/index.js';

const n = Number(process.argv[2] ?? 5000);
const engine = await PolicyEngine.load({ cacheSize: 1024 });
const nurse: PolicyPrincipal = { id: 'nurse-1', role: 'nurse', al: 'N', mfa: true };
const ctx = (epoch: number): PolicyContext => ({
  participant: { role: 'nurse', al: 'N', history: false, joinedEpoch: 0 },
  purposeOfUse: 'TREAT',
  epoch,
});

function time(label: string, run: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 500); i++) run(i + 1_000_000); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) run(i);
  const us = Number(process.hrtime.bigint() - start) / 1000 / n;
  console.log(`${label.padEnd(40)} ${us.toFixed(1)} µs`);
}

// A new epoch each time: every request is new, so every one reaches Cedar.
time('decision, not cached', (i) => engine.mayReadVersion(nurse, { pt: 'pt-1', rl: 'N' }, ctx(i)));
time('decision, cached', (i) =>
  engine.mayReadVersion(nurse, { pt: 'pt-1', rl: 'N' }, ctx(i % 100)),
);
time('readableLevel, not cached (6 decisions)', (i) =>
  engine.readableLevel(nurse, `pt-${i}`, ctx(0)),
);
