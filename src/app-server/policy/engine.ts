import { preparsePolicySet, preparseSchema, statefulIsAuthorized } from './cedar.js';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Rsc, TutelaError } from '../../core/errors.js';
import { CONFIDENTIALITY, type Confidentiality } from '../../protocol/levels.js';
import { toCedarRequest } from './cedar-request.js';
import { DecisionCache } from './decision-cache.js';
import { checkPolicyFiles, readPolicyFiles } from './loader.js';
import {
  RequestSchema,
  type Command,
  type PolicyContext,
  type PolicyDecision,
  type PolicyPrincipal,
  type PolicyRequest,
  type PolicyRole,
  type PurposeOfUse,
} from './model.js';

const checkRequest = TypeCompiler.Compile(RequestSchema);

/** Preparsed policy sets live in the Cedar module, per id: one id per loaded engine. */
let loaded = 0;

export interface LoadOptions {
  /** Folder holding CURRENT and the version folders (default: `<package root>/policies`). */
  dir?: string;
  /** Decisions kept (default 4096). */
  cacheSize?: number;
}

/**
 * The application server's policy engine: Cedar policies, versioned in
 * `policies/`, decide every access (docs/policies.md). Deny by default: a
 * request is allowed only when a policy permits it, no policy forbids it and
 * nothing failed while evaluating it. Decisions are synchronous and cached.
 */
export class PolicyEngine {
  private readonly cache: DecisionCache<PolicyDecision>;

  private constructor(
    /** The policy version in force (policies/CURRENT). */
    readonly version: string,
    /** The `@id` of every policy in force. */
    readonly policyIds: readonly string[],
    private readonly key: string,
    cacheSize: number,
  ) {
    this.cache = new DecisionCache(cacheSize);
  }

  /** Reads, validates (strictly) and preparses the active policies; fails with policy_invalid. */
  static async load(options: LoadOptions = {}): Promise<PolicyEngine> {
    const files = await readPolicyFiles(options.dir);
    checkPolicyFiles(files);
    const key = `tutela-${files.version}-${++loaded}`;
    const schema = preparseSchema(key, files.schema);
    const set = preparsePolicySet(key, { staticPolicies: files.policies });
    for (const answer of [schema, set]) {
      if (answer.type === 'failure') {
        throw new TutelaError(
          'policy_invalid',
          Rsc.INTERNAL_SERVER_ERROR,
          answer.errors.map((e) => e.message).join('; '),
        );
      }
    }
    return new PolicyEngine(
      files.version,
      Object.keys(files.policies),
      key,
      options.cacheSize ?? 4096,
    );
  }

  /**
   * Decides one request. A malformed request is refused with bad_request
   * (400); a request Cedar cannot evaluate (e.g. a purpose of use missing
   * where the action needs one) is denied, with the errors.
   */
  authorize(request: PolicyRequest): PolicyDecision {
    if (!checkRequest.Check(request)) {
      const first = checkRequest.Errors(request).First();
      throw new TutelaError(
        'bad_request',
        Rsc.BAD_REQUEST,
        `policy request: ${first ? `${first.path || '/'} ${first.message}` : 'malformed'}`,
      );
    }
    const cacheKey = JSON.stringify(request);
    const hit = this.cache.get(cacheKey);
    if (hit) return hit;
    const decision = this.evaluate(request);
    this.cache.set(cacheKey, decision);
    return decision;
  }

  private evaluate(request: PolicyRequest): PolicyDecision {
    const answer = statefulIsAuthorized({
      ...toCedarRequest(request),
      preparsedSchemaName: this.key,
      preparsedPolicySetId: this.key,
      validateRequest: true,
    });
    if (answer.type === 'failure') {
      return Object.freeze({
        allowed: false,
        reasons: Object.freeze([]),
        errors: Object.freeze(answer.errors.map((e) => e.message)),
      });
    }
    const { decision, diagnostics } = answer.response;
    const errors = diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`);
    // Cedar skips a policy whose evaluation fails; a skipped forbid could let
    // a request through, so any error denies.
    return Object.freeze({
      allowed: decision === 'allow' && errors.length === 0,
      reasons: Object.freeze([...diagnostics.reason].sort()),
      errors: Object.freeze(errors),
    });
  }

  private allows(request: PolicyRequest): boolean {
    return this.authorize(request).allowed;
  }

  /** May read the version of patient `pt` at redaction level `rl` (epoch in context, if any). */
  mayReadVersion(
    principal: PolicyPrincipal,
    version: { pt: string; rl: Confidentiality },
    context: PolicyContext,
  ): boolean {
    return this.allows({
      principal,
      action: 'readVersion',
      resource: { kind: 'version', pt: version.pt, rl: version.rl },
      context,
    });
  }

  /** The highest RL whose version of `pt` the caller may read in this context, or undefined. */
  readableLevel(
    principal: PolicyPrincipal,
    pt: string,
    context: PolicyContext,
  ): Confidentiality | undefined {
    for (let i = CONFIDENTIALITY.length - 1; i >= 0; i--) {
      const rl = CONFIDENTIALITY[i] as Confidentiality;
      if (this.mayReadVersion(principal, { pt, rl }, context)) return rl;
    }
    return undefined;
  }

  /** May be given the data key of (`pt`, `rl`, `epoch`): the same rules as reading that version. */
  mayReleaseKey(
    principal: PolicyPrincipal,
    key: { pt: string; rl: Confidentiality; epoch: number },
    context: PolicyContext,
  ): boolean {
    return this.allows({
      principal,
      action: 'releaseKey',
      resource: { kind: 'version', pt: key.pt, rl: key.rl },
      context: { ...context, epoch: key.epoch },
    });
  }

  /** May read the alerts of patient `pt`. */
  mayReadAlerts(principal: PolicyPrincipal, pt: string, context: PolicyContext): boolean {
    return this.allows({
      principal,
      action: 'readAlerts',
      resource: { kind: 'alerts', pt },
      context,
    });
  }

  /** May send `command` to a gateway of patient `pt`. */
  mayIssueCommand(
    principal: PolicyPrincipal,
    command: Command,
    device: { pt: string; dev?: string },
    context: PolicyContext,
  ): boolean {
    return this.allows({
      principal,
      action: command,
      resource: { kind: 'device', ...device },
      context,
    });
  }

  /** May confirm a dose change proposed by `order.proposedBy` (a different clinician). */
  mayConfirmDose(
    principal: PolicyPrincipal,
    order: { pt: string; id?: string; proposedBy: string },
    context: PolicyContext,
  ): boolean {
    return this.allows({
      principal,
      action: 'confirmDose',
      resource: { kind: 'doseOrder', ...order },
      context,
    });
  }

  /** May invite `target` into the episode of `pt` with that role and AL. */
  mayInvite(
    principal: PolicyPrincipal,
    pt: string,
    target: { user: string; role: PolicyRole; al: Confidentiality },
    context: PolicyContext,
  ): boolean {
    return this.allows({
      principal,
      action: 'invite',
      resource: { kind: 'episode', pt },
      context: { ...context, target },
    });
  }

  /** May remove participant `target` from the episode of `pt`. */
  mayRemove(
    principal: PolicyPrincipal,
    pt: string,
    target: { user: string; role: PolicyRole },
    context: PolicyContext,
  ): boolean {
    return this.allows({
      principal,
      action: 'remove',
      resource: { kind: 'episode', pt },
      context: { ...context, target },
    });
  }

  /** May see the episode of `pt` and who is in it. */
  mayViewEpisode(principal: PolicyPrincipal, pt: string, context: PolicyContext): boolean {
    return this.allows({
      principal,
      action: 'viewEpisode',
      resource: { kind: 'episode', pt },
      context,
    });
  }

  /** May open emergency access to `pt` for `reason` (mandatory, non-blank). */
  mayBreakGlass(
    principal: PolicyPrincipal,
    pt: string,
    reason: string,
    context: PolicyContext,
  ): boolean {
    return this.allows({
      principal,
      action: 'breakGlass',
      resource: { kind: 'episode', pt },
      context: { ...context, reason },
    });
  }

  /** May export research data made from the versions at `rl`. */
  mayExportResearch(
    principal: PolicyPrincipal,
    rl: Confidentiality,
    purposeOfUse: PurposeOfUse,
  ): boolean {
    return this.allows({
      principal,
      action: 'exportResearch',
      resource: { kind: 'researchExport', rl },
      context: { purposeOfUse },
    });
  }

  /** May read the audit log. */
  mayReadAudit(principal: PolicyPrincipal): boolean {
    return this.allows({ principal, action: 'readAudit', resource: { kind: 'auditLog' } });
  }
}
