import { writeFileSync } from 'node:fs';
import { renderAttributeDoc } from '../src/service-layer/cse/model/attribute-doc.js';

writeFileSync('docs/cse-attributes.md', renderAttributeDoc());
console.log('wrote docs/cse-attributes.md');
