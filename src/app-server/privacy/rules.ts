/**
 * The categorisation rule set (DESIGN.md step 5): a versioned JSON document
 * that gives each element of a record an HL7 v3 Confidentiality code, the
 * DS4P scale U < L < M < N < R < V. Format, defaults and the reasoning behind
 * them: docs/labels.md. How rules combine: ./label.ts.
 *
 * A rule set is checked in full when it is loaded, so a typo (an unknown
 * field, a misspelt LOINC code, an element path that can never match) is
 * refused at start-up instead of silently labelling data too low.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../../core/errors.js';
import { CONFIDENTIALITY, type Confidentiality } from '../../protocol/levels.js';
import defaults from './default-labels.json' with { type: 'json' };

const Label = Type.Union(
  CONFIDENTIALITY.map((c) => Type.Literal(c)),
  { description: 'one of U, L, M, N, R, V (HL7 v3 Confidentiality)' },
);

/** Element names as in an ElementDefinition.path (R4 elementdefinition.html): choice elements as `value[x]`. */
const ElementPath = Type.String({
  pattern: '^[a-z][A-Za-z0-9]*(\\[x\\])?(\\.[a-z][A-Za-z0-9]*(\\[x\\])?)*$',
  description: 'FHIR element names joined by dots, choice elements as name[x] (e.g. "value[x]")',
});

const Match = Type.Object(
  {
    resourceType: Type.Optional(
      Type.String({ pattern: '^[A-Z][A-Za-z]*$', description: 'a FHIR resource type' }),
    ),
    loinc: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,7}-[0-9]$', description: 'a LOINC code such as 8867-4' }),
    ),
    category: Type.Optional(
      Type.String({ pattern: '^\\S+$', description: 'a category code such as vital-signs' }),
    ),
  },
  { additionalProperties: false },
);

const RuleDocument = Type.Object(
  {
    id: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      description: 'a rule id of letters, digits, ".", "_" and "-"',
    }),
    description: Type.Optional(Type.String()),
    match: Match,
    elements: Type.Optional(
      Type.Array(ElementPath, { minItems: 1, description: 'a non-empty list of element paths' }),
    ),
    label: Label,
  },
  { additionalProperties: false },
);

const RuleSetDocument = Type.Object(
  {
    formatVersion: Type.Literal(1, { description: 'format version 1' }),
    version: Type.String({ minLength: 1, description: 'a non-empty version string' }),
    description: Type.Optional(Type.String()),
    default: Label,
    rules: Type.Array(RuleDocument),
  },
  { additionalProperties: false },
);

export type RuleSetDocument = Static<typeof RuleSetDocument>;
export type RuleMatch = Static<typeof Match>;

/** A rule once loaded; element paths are split into element names. */
export interface Rule {
  readonly id: string;
  readonly match: Readonly<RuleMatch>;
  /** Absent: the rule labels the resource itself (its stub level). */
  readonly elements?: readonly (readonly string[])[];
  readonly label: Confidentiality;
}

export interface RuleSet {
  /** The document's own version, recorded in every labelled record (accountability). */
  readonly version: string;
  /** The label of any resource or element no rule matches (deny by default). */
  readonly default: Confidentiality;
  readonly rules: readonly Rule[];
}

/**
 * Loads and checks a rule set: a parsed JSON document, or the path (or file
 * URL) of a JSON file. Throws `invalid_rule_set` listing every problem, each
 * naming the rule and the field.
 */
export function loadRuleSet(source: string | URL | object): RuleSet {
  if (typeof source === 'string' || source instanceof URL) return parseRuleSet(readJson(source));
  return parseRuleSet(source);
}

let defaultSet: RuleSet | undefined;

/** Tutela's default rule set (./default-labels.json, explained in docs/labels.md). */
export function defaultRuleSet(): RuleSet {
  defaultSet ??= loadRuleSet(defaults);
  return defaultSet;
}

function readJson(file: string | URL): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TutelaError(
      'rule_set_unreadable',
      Rsc.INTERNAL_SERVER_ERROR,
      `cannot read rule set file ${String(file)}`,
      { cause: err },
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid([`${String(file)} is not JSON (${(err as Error).message})`]);
  }
}

function parseRuleSet(json: unknown): RuleSet {
  if (!Value.Check(RuleSetDocument, json)) throw invalid(schemaIssues(json));
  const issues = semanticIssues(json);
  if (issues.length > 0) throw invalid(issues);
  return Object.freeze({
    version: json.version,
    default: json.default,
    rules: Object.freeze(
      json.rules.map((r): Rule => {
        const rule: Rule = { id: r.id, match: Object.freeze({ ...r.match }), label: r.label };
        if (r.elements === undefined) return Object.freeze(rule);
        const elements = r.elements.map((e) => Object.freeze(e.split('.')));
        return Object.freeze({ ...rule, elements: Object.freeze(elements) });
      }),
    ),
  });
}

function invalid(issues: readonly string[]): TutelaError {
  return new TutelaError(
    'invalid_rule_set',
    Rsc.BAD_REQUEST,
    `invalid rule set: ${issues.join('; ')}`,
  );
}

/** Checks the schema cannot express. */
function semanticIssues(doc: RuleSetDocument): string[] {
  const issues: string[] = [];
  const seen = new Set<string>();
  doc.rules.forEach((rule, i) => {
    const where = `rules[${i}] "${rule.id}"`;
    if (seen.has(rule.id)) issues.push(`${where}.id: duplicate rule id`);
    seen.add(rule.id);
    const { resourceType, loinc, category } = rule.match;
    if (resourceType === undefined && loinc === undefined && category === undefined) {
      issues.push(`${where}.match: name at least one of resourceType, loinc, category`);
    }
    if (loinc !== undefined && !loincCheckDigitOk(loinc)) {
      issues.push(`${where}.match.loinc: "${loinc}" fails the LOINC check digit`);
    }
    rule.elements?.forEach((path, j) => {
      const first = path.split('.')[0];
      if (first === 'resourceType' || first === 'id') {
        issues.push(
          `${where}.elements[${j}]: "${path}" always carries the resource's own label ` +
            '(it is part of the stub); label the resource with a rule without elements',
        );
      }
    });
  });
  return issues;
}

/**
 * LOINC's mod-10 check digit (LOINC Users' Guide, Appendix: calculating
 * check digits): double the number formed by the digits in odd positions
 * from the right, append the others, sum all digits.
 */
function loincCheckDigitOk(code: string): boolean {
  const [body = '', check] = code.split('-');
  const fromRight = [...body].reverse();
  const odd = fromRight.filter((_, i) => i % 2 === 0).reverse();
  const even = fromRight.filter((_, i) => i % 2 === 1).reverse();
  const digits = even.join('') + String(Number(odd.join('')) * 2);
  const sum = [...digits].reduce((s, d) => s + Number(d), 0);
  return (10 - (sum % 10)) % 10 === Number(check);
}

/** TypeBox errors rewritten to name the rule (by index and id) and the field. */
function schemaIssues(json: unknown): string[] {
  const issues: string[] = [];
  const reported = new Set<string>();
  for (const error of Value.Errors(RuleSetDocument, json)) {
    // A missing field is also reported as the wrong type: keep the first.
    if (reported.has(error.path)) continue;
    reported.add(error.path);
    issues.push(`${where(json, error.path)}: ${what(error)}`);
  }
  return issues;
}

function where(json: unknown, pointer: string): string {
  const segments = pointer.split('/').slice(1);
  if (segments.length === 0) return 'document';
  let text = '';
  segments.forEach((segment, i) => {
    text += /^\d+$/.test(segment) ? `[${segment}]` : text === '' ? segment : `.${segment}`;
    if (i === 1 && segments[0] === 'rules') {
      const id = ruleId(json, Number(segment));
      if (id !== undefined) text += ` "${id}"`;
    }
  });
  return text;
}

function ruleId(json: unknown, index: number): string | undefined {
  const rules = (json as { rules?: unknown }).rules;
  const rule = Array.isArray(rules) ? (rules[index] as { id?: unknown }) : undefined;
  return typeof rule?.id === 'string' ? rule.id : undefined;
}

function what(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectRequiredProperty) return 'is missing';
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const allowed = Object.keys((error.schema as { properties?: object }).properties ?? {});
    return `unknown field (allowed: ${allowed.join(', ')})`;
  }
  const description = (error.schema as TSchema).description;
  const expected =
    description === undefined ? error.message.toLowerCase() : `expected ${description}`;
  return `${expected}, got ${shown(error.value)}`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
