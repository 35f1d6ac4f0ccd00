import { ATTRIBUTES } from './attributes.js';
import { TYPE_NAMES, type Ty } from './types.js';

const TITLES: Record<string, string> = {
  'm2m:cb': 'CSEBase (ty=5)',
  'm2m:ae': 'AE, application entity (ty=2)',
  'm2m:cnt': 'container (ty=3)',
  'm2m:cin': 'contentInstance (ty=4)',
  'm2m:sub': 'subscription (ty=23)',
  'm2m:acp': 'accessControlPolicy (ty=1)',
};

/** Renders docs/cse-attributes.md from the same tables that validate requests. */
export function renderAttributeDoc(): string {
  const out = [
    '# CSE resource attributes',
    '',
    'Generated from `src/service-layer/cse/model/attributes.ts` by `npm run docs`; a test fails when it is out of date.',
    'M: mandatory, O: optional, NP: not permitted (read-only, set by the CSE). Anything not listed is refused with 4000.',
    '',
  ];
  for (const [ty, attrs] of Object.entries(ATTRIBUTES)) {
    const name = TYPE_NAMES[Number(ty) as Ty];
    out.push(
      `## ${TITLES[name]} \`${name}\``,
      '',
      '| attribute | create | update | schema |',
      '| --- | --- | --- | --- |',
    );
    for (const [attr, def] of Object.entries(attrs)) {
      const schema = JSON.stringify(def.schema).replace(/\|/g, '\\|');
      out.push(
        `| \`${attr}\` | ${def.create} | ${def.update} | \`${schema.length > 160 ? `${schema.slice(0, 157)}...` : schema}\` |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
