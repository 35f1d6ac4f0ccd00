import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { m2mError } from '../../../core/errors.js';
import { Ty, TYPE_NAMES } from './types.js';
import { parseDuration, parseM2MTime } from './time.js';

/**
 * The attributes each resource type accepts, with their multiplicity per
 * operation as TS-0001 §9.6 gives it: M mandatory, O optional, NP not
 * permitted (read-only, set by the CSE). These tables drive request
 * validation and the API documentation (docs/cse.md).
 */
type Use = 'M' | 'O' | 'NP';
interface AttributeDef {
  schema: TSchema;
  create: Use;
  update: Use;
  /** Extra check beyond the schema; returns a message when the value is wrong. */
  check?: (v: unknown) => string | undefined;
}

const NameSchema = Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._~-]+$' });
const Timestamp = Type.String({ maxLength: 32 });
const StringList = Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 256 });
const NonNegInt = Type.Integer({ minimum: 0 });
const Uri = Type.String({ minLength: 1, maxLength: 2048 });
const AccessControlRule = Type.Object(
  {
    acor: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1024 }),
    acop: Type.Integer({ minimum: 1, maximum: 63 }),
    acco: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 64 })),
  },
  { additionalProperties: false },
);
const SetOfAcrs = Type.Object(
  { acr: Type.Array(AccessControlRule, { maxItems: 256 }) },
  { additionalProperties: false },
);

const readOnly = (schema: TSchema = Type.Unknown()): AttributeDef => ({
  schema,
  create: 'NP',
  update: 'NP',
});
const timestampCheck = (v: unknown) =>
  parseM2MTime(v as string) === undefined
    ? 'is not a oneM2M timestamp (YYYYMMDDTHHMMSS)'
    : undefined;

/** Attributes every resource type has (TS-0001 §9.6.1.3, universal and common). */
const UNIVERSAL: Record<string, AttributeDef> = {
  ty: readOnly(),
  ri: readOnly(),
  pi: readOnly(),
  ct: readOnly(),
  lt: readOnly(),
  rn: { schema: NameSchema, create: 'O', update: 'NP' },
  et: { schema: Timestamp, create: 'O', update: 'O', check: timestampCheck },
  lbl: { schema: StringList, create: 'O', update: 'O' },
};
const ACPI: Record<string, AttributeDef> = {
  acpi: {
    schema: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 64 }),
    create: 'O',
    update: 'O',
  },
};
// cr: the client asks for its id to be recorded by sending null (TS-0004 §9.6.1.3.3).
const CREATOR: AttributeDef = { schema: Type.Null(), create: 'O', update: 'NP' };

export const ATTRIBUTES: Record<Ty, Record<string, AttributeDef>> = {
  [Ty.CSEBASE]: {
    ...UNIVERSAL,
    ...ACPI,
    csi: readOnly(),
    cst: readOnly(),
    srt: readOnly(),
    srv: readOnly(),
    poa: readOnly(),
    csz: readOnly(),
  },
  [Ty.AE]: {
    ...UNIVERSAL,
    ...ACPI,
    // App-ID: 'R' registered, 'N' non-registered (TS-0001 §7.1.8).
    api: {
      schema: Type.String({ minLength: 2, maxLength: 256, pattern: '^[RN]' }),
      create: 'M',
      update: 'NP',
    },
    apn: { schema: Type.String({ maxLength: 256 }), create: 'O', update: 'O' },
    aei: readOnly(),
    poa: { schema: Type.Array(Uri, { maxItems: 16 }), create: 'O', update: 'O', check: checkPoa },
    rr: { schema: Type.Boolean(), create: 'M', update: 'O' },
    srv: {
      schema: Type.Array(Type.Union(['2a', '3', '4', '5'].map((v) => Type.Literal(v))), {
        minItems: 1,
        maxItems: 8,
      }),
      create: 'M',
      update: 'O',
    },
    nl: { schema: Uri, create: 'O', update: 'O' },
    csz: { schema: StringList, create: 'O', update: 'O' },
    or: { schema: Uri, create: 'O', update: 'O' },
  },
  [Ty.CNT]: {
    ...UNIVERSAL,
    ...ACPI,
    cr: CREATOR,
    mni: { schema: NonNegInt, create: 'O', update: 'O' },
    mbs: { schema: NonNegInt, create: 'O', update: 'O' },
    mia: { schema: NonNegInt, create: 'O', update: 'O' },
    cni: readOnly(),
    cbs: readOnly(),
    st: readOnly(),
    or: { schema: Uri, create: 'O', update: 'O' },
  },
  [Ty.CIN]: {
    ...UNIVERSAL,
    cr: CREATOR,
    // contentInfo: a MIME type, optionally ":<encoding>" (TS-0004 §6.3.5.x m2m:contentInfo).
    cnf: {
      schema: Type.String({ maxLength: 256, pattern: '^[^\\s:]+/[^\\s:]+(:[0-9])?$' }),
      create: 'O',
      update: 'NP',
    },
    cs: readOnly(),
    st: readOnly(),
    con: {
      schema: Type.Union([
        Type.String(),
        Type.Number(),
        Type.Boolean(),
        Type.Object({}),
        Type.Array(Type.Unknown()),
      ]),
      create: 'M',
      update: 'NP',
    },
    or: { schema: Uri, create: 'O', update: 'NP' },
  },
  [Ty.SUB]: {
    ...UNIVERSAL,
    ...ACPI,
    cr: CREATOR,
    enc: {
      schema: Type.Object(
        {
          net: Type.Optional(
            Type.Array(Type.Integer({ minimum: 1, maximum: 4 }), { minItems: 1, maxItems: 4 }),
          ),
        },
        { additionalProperties: false },
      ),
      create: 'O',
      update: 'O',
    },
    exc: { schema: Type.Integer({ minimum: 1 }), create: 'O', update: 'O' },
    nu: {
      schema: Type.Array(Uri, { minItems: 1, maxItems: 16 }),
      create: 'M',
      update: 'O',
      check: checkPoa,
    },
    // 1 all attributes, 2 modified attributes, 3 resource id (TS-0004 m2m:notificationContentType).
    nct: { schema: Type.Integer({ minimum: 1, maximum: 3 }), create: 'O', update: 'O' },
    // 2 immediate, 3 best effort, 4 latest (TS-0004 m2m:stdEventCats).
    nec: { schema: Type.Integer({ minimum: 2, maximum: 4 }), create: 'O', update: 'O' },
    bn: {
      schema: Type.Object(
        {
          num: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          dur: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      create: 'O',
      update: 'O',
      check: (v) => {
        const bn = v as { num?: number; dur?: string };
        if (bn.num === undefined && bn.dur === undefined) return 'needs num, dur or both';
        if (bn.dur !== undefined && !parseDuration(bn.dur))
          return 'dur is not an ISO 8601 duration such as "PT5S"';
        return undefined;
      },
    },
    su: { schema: Uri, create: 'O', update: 'O' },
    ln: { schema: Type.Boolean(), create: 'O', update: 'O' },
  },
  [Ty.ACP]: {
    ...UNIVERSAL,
    pv: { schema: SetOfAcrs, create: 'M', update: 'O' },
    pvs: { schema: SetOfAcrs, create: 'M', update: 'O' },
  },
};

/** Notification targets: http(s) URLs or the id of a registered AE. */
function checkPoa(v: unknown): string | undefined {
  for (const u of v as string[]) {
    if (/^https?:\/\//.test(u)) {
      try {
        new URL(u);
      } catch {
        return `"${u}" is not a valid URL`;
      }
    } else if (!/^[CS][A-Za-z0-9._-]*$/.test(u) && !u.startsWith('/')) {
      return `"${u}" is neither an http(s) URL nor an AE-ID`;
    }
  }
  return undefined;
}

const compiled = new Map<TSchema, TypeCheck<TSchema>>();
function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) compiled.set(schema, (c = TypeCompiler.Compile(schema)));
  return c;
}

/**
 * Checks a request's attributes for `ty` under `operation`. Throws a 4000
 * BAD_REQUEST naming the first offending attribute and what is wrong with it.
 */
export function validateAttributes(
  ty: Ty,
  operation: 'create' | 'update',
  attrs: Record<string, unknown>,
): void {
  const defs = ATTRIBUTES[ty];
  const typeName = TYPE_NAMES[ty];
  for (const [name, value] of Object.entries(attrs)) {
    const def = defs[name];
    if (!def) throw m2mError.badRequest(`attribute "${name}" is not defined for ${typeName}`);
    if (def[operation] === 'NP') {
      throw m2mError.badRequest(
        `attribute "${name}" of ${typeName} cannot be set on ${operation} (it is read-only or fixed)`,
      );
    }
    // null on update deletes an optional attribute (TS-0004 §7.3.3.2), except where it means "record me" (cr).
    if (value === null && operation === 'update') continue;
    const check = checker(def.schema);
    if (!check.Check(value)) {
      const first = check.Errors(value).First();
      const where = first && first.path ? ` at ${first.path}` : '';
      throw m2mError.badRequest(
        `attribute "${name}" of ${typeName} is invalid${where}: ${first?.message ?? 'wrong type'}`,
      );
    }
    const problem = def.check?.(value);
    if (problem) throw m2mError.badRequest(`attribute "${name}" of ${typeName} ${problem}`);
  }
  if (operation === 'create') {
    for (const [name, def] of Object.entries(defs)) {
      if (def.create === 'M' && attrs[name] === undefined) {
        throw m2mError.badRequest(`mandatory attribute "${name}" of ${typeName} is missing`);
      }
    }
  }
}
