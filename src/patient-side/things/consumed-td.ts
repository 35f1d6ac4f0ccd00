import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Rsc, TutelaError } from '../../core/errors.js';

/**
 * The part of a TD 1.1 document the consumer relies on, checked strictly;
 * everything else in the TD is allowed and ignored. A TD comes from the
 * network, so it is untrusted input like any other.
 */
const Names = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
]);

/** TD 1.1 §5.3.4.2 Form. */
const Form = Type.Object({
  href: Type.String({ minLength: 1 }),
  op: Type.Optional(Names),
  contentType: Type.Optional(Type.String()),
  subprotocol: Type.Optional(Type.String()),
  security: Type.Optional(Names),
  // HTTP binding vocabulary (TD 1.1 §8.3.1): overrides the default method.
  'htv:methodName': Type.Optional(
    Type.Union(['GET', 'PUT', 'POST', 'PATCH', 'DELETE'].map((m) => Type.Literal(m))),
  ),
});
export type TdForm = Static<typeof Form>;

const Affordance = Type.Object({ forms: Type.Array(Form, { minItems: 1 }) });

/** TD 1.1 §5.3.3 SecurityScheme: the members the consumer reads. */
const SecurityScheme = Type.Object({
  scheme: Type.String({ minLength: 1 }),
  in: Type.Optional(Type.String()),
  name: Type.Optional(Type.String({ minLength: 1 })),
});
export type TdSecurityScheme = Static<typeof SecurityScheme>;

export const ConsumedTdSchema = Type.Object({
  '@context': Type.Union([Type.String(), Type.Array(Type.Unknown(), { minItems: 1 })]),
  id: Type.Optional(Type.String({ minLength: 1 })),
  title: Type.String({ minLength: 1 }),
  base: Type.Optional(Type.String({ minLength: 1 })),
  security: Names,
  securityDefinitions: Type.Record(Type.String(), SecurityScheme),
  properties: Type.Optional(Type.Record(Type.String(), Affordance)),
  actions: Type.Optional(Type.Record(Type.String(), Affordance)),
});
export type ConsumedTd = Static<typeof ConsumedTdSchema>;

/** TD 1.1 §6.3.1 context URIs (1.1, and 1.0 which a 1.1 TD may carry first). */
const TD_CONTEXTS = ['https://www.w3.org/2022/wot/td/v1.1', 'https://www.w3.org/2019/wot/td/v1'];

export const asList = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

const invalid = (msg: string) =>
  new TutelaError('td_invalid', Rsc.BAD_REQUEST, `invalid TD: ${msg}`);

/** Checks a TD's shape and its internal references; returns it typed. */
export function parseTd(td: unknown): ConsumedTd {
  if (!Value.Check(ConsumedTdSchema, td)) {
    const first = Value.Errors(ConsumedTdSchema, td).First();
    throw invalid(`${first?.path || '/'}: ${first?.message ?? 'not a TD'}`);
  }
  const context = asList(td['@context'] as string | string[]).filter((c) => typeof c === 'string');
  if (!context.some((c) => TD_CONTEXTS.includes(c))) throw invalid('@context names no TD version');
  const affordances = [...Object.values(td.properties ?? {}), ...Object.values(td.actions ?? {})];
  const named = [td.security, ...affordances.flatMap((a) => a.forms.map((f) => f.security))];
  for (const name of named.flatMap(asList))
    if (!Object.hasOwn(td.securityDefinitions, name))
      throw invalid(`security "${name}" is not in securityDefinitions`);
  return td;
}
