/**
 * Privacy services of the application server: the categorisation rule set
 * (DESIGN.md step 5) and the redaction engine (step 7). docs/labels.md.
 */
export { defaultRuleSet, loadRuleSet } from './rules.js';
export type { Rule, RuleMatch, RuleSet, RuleSetDocument } from './rules.js';
export { label } from './label.js';
export type { LabelledRecord } from './label.js';
export { redact, versions } from './redact.js';
export type { FhirBundle, FhirBundleEntry, FhirResource } from './fhir.js';
