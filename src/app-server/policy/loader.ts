import {
  checkParseSchema,
  policySetTextToParts,
  policyToJson,
  validate,
  type DetailedError,
} from './cedar.js';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rsc, TutelaError } from '../../core/errors.js';

/**
 * Finds, reads and checks the versioned policy files (docs/policies.md):
 * `policies/CURRENT` names the active version, `policies/<version>/` holds
 * `schema.cedarschema` and the `*.cedar` files. Every policy must carry a
 * unique `@id("...")`, which is what decisions report as their reasons, and
 * the whole set must validate against the schema in Cedar's strict mode.
 * Anything wrong and loading fails with `policy_invalid`: the application
 * server does not start on policies it cannot trust.
 */

export interface PolicyFiles {
  /** The version named by CURRENT, e.g. "v1". */
  version: string;
  /** Cedar schema text. */
  schema: string;
  /** Policy text by its `@id`. */
  policies: Record<string, string>;
  /** Which file each policy came from (for messages). */
  files: Record<string, string>;
}

const invalid = (message: string, cause?: unknown) =>
  new TutelaError('policy_invalid', Rsc.INTERNAL_SERVER_ERROR, message, { cause });

const messages = (errors: readonly DetailedError[]) =>
  errors.map((e) => e.message + (e.help ? ` (${e.help})` : '')).join('; ');

/**
 * The package root: the nearest folder above `from` with a package.json. The
 * same walk works from src/ (tests, tsx) and from dist/src/ (the build).
 */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw invalid(`no package.json above ${from}`);
  }
}

/** Where the policies live when no folder is given: `<package root>/policies`. */
export function defaultPoliciesDir(): string {
  return join(packageRoot(), 'policies');
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw invalid(`cannot read ${path}`, err);
  }
}

/** Splits one .cedar file into its policies, keyed by their `@id`. */
function splitFile(file: string, text: string, out: PolicyFiles): void {
  const parts = policySetTextToParts(text);
  if (parts.type === 'failure') throw invalid(`${file}: ${messages(parts.errors)}`);
  if (parts.policy_templates.length > 0) throw invalid(`${file}: templates are not used`);
  for (const policy of parts.policies) {
    const json = policyToJson(policy);
    if (json.type === 'failure') throw invalid(`${file}: ${messages(json.errors)}`);
    const id = json.json.annotations?.id;
    if (!id) throw invalid(`${file}: a policy has no @id("...") annotation`);
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(id)) throw invalid(`${file}: bad policy id "${id}"`);
    if (Object.hasOwn(out.policies, id)) {
      throw invalid(`${file}: policy id "${id}" is also used in ${out.files[id]}`);
    }
    out.policies[id] = policy;
    out.files[id] = file;
  }
}

/** Reads the active version of the policies from `dir` (default: the package's `policies/`). */
export async function readPolicyFiles(dir = defaultPoliciesDir()): Promise<PolicyFiles> {
  const version = (await readText(join(dir, 'CURRENT'))).trim();
  if (!/^v[0-9]+$/.test(version)) throw invalid(`policies/CURRENT must name a version like v1`);
  const vdir = join(dir, version);
  const out: PolicyFiles = {
    version,
    schema: await readText(join(vdir, 'schema.cedarschema')),
    policies: {},
    files: {},
  };
  const names = (await readdir(vdir)).filter((f) => f.endsWith('.cedar')).sort();
  if (names.length === 0) throw invalid(`${vdir} holds no .cedar file`);
  for (const name of names) splitFile(name, await readText(join(vdir, name)), out);
  return out;
}

/** Validates the policies against the schema, strictly; throws policy_invalid on any finding. */
export function checkPolicyFiles(files: PolicyFiles): void {
  const schema = checkParseSchema(files.schema);
  if (schema.type === 'failure') throw invalid(`schema: ${messages(schema.errors)}`);
  const answer = validate({
    schema: files.schema,
    policies: { staticPolicies: files.policies },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') throw invalid(messages(answer.errors));
  // Warnings count too (e.g. a policy that can never apply): a policy that
  // does not do what it says is as wrong as one that does not parse.
  const findings = [...answer.validationErrors, ...answer.validationWarnings];
  if (findings.length > 0) {
    throw invalid(
      findings
        .map((f) => `${files.files[f.policyId] ?? '?'} ${f.policyId}: ${f.error.message}`)
        .join('; '),
    );
  }
}
