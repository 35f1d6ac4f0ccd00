import type { TSchema } from '@sinclair/typebox';
import type { ActionSpec, PropertySpec, ThingSpec } from './devices.js';

/** TD 1.1 §6.3.1: the context URI that marks a TD 1.1 document. */
export const TD_CONTEXT = 'https://www.w3.org/2022/wot/td/v1.1';
export const SECURITY_NAME = 'bearer_sc';
const JSON_TYPE = 'application/json';

export type DataSchema = Record<string, unknown>;

export interface Form {
  href: string;
  contentType: string;
  op: string[];
  subprotocol?: string;
}

export interface ThingDescription {
  '@context': string;
  id: string;
  title: string;
  description: string;
  base: string;
  securityDefinitions: Record<string, Record<string, string>>;
  security: string[];
  properties: Record<string, DataSchema & { forms: Form[] }>;
  actions: Record<string, Record<string, unknown> & { forms: Form[] }>;
}

/** A stable id (TD 1.1 §5.3.1.1 `id` is a URI): same patient and device, same id, whatever the server's address. */
export const thingId = (patient: string, device: string) => `urn:tutela:thing:${patient}:${device}`;

/** Where the server hosts a Thing, relative to its root. */
export const thingPath = (patient: string, device: string) =>
  `/things/${encodeURIComponent(patient)}/${encodeURIComponent(device)}`;

/** The terms of TD 1.1 §5.3.2 (DataSchema and its subclasses) kept from a TypeBox schema. */
const TD_TERMS = [
  'title',
  'description',
  'type',
  'unit',
  'const',
  'default',
  'enum',
  'format',
  'pattern',
  'readOnly',
  'writeOnly',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'required',
];

/**
 * A TypeBox schema as a TD data schema: only TD terms, nested schemas
 * converted too, and a union of string literals (TypeBox's anyOf, which TD
 * does not have) as `enum`. TypeBox's own markers are symbols and vanish.
 */
export function toDataSchema(schema: TSchema): DataSchema {
  const out: DataSchema = {};
  for (const term of TD_TERMS) if (schema[term] !== undefined) out[term] = schema[term];
  const anyOf = schema.anyOf as TSchema[] | undefined;
  if (anyOf?.every((s) => typeof s.const === 'string')) {
    out.type = 'string';
    out.enum = anyOf.map((s) => s.const as string);
  }
  if (schema.properties) {
    const props = schema.properties as Record<string, TSchema>;
    out.properties = Object.fromEntries(
      Object.entries(props).map(([k, v]) => [k, toDataSchema(v)]),
    );
  }
  if (schema.items) out.items = toDataSchema(schema.items as TSchema);
  return out;
}

function propertyAffordance(name: string, spec: PropertySpec): DataSchema & { forms: Form[] } {
  const writable = spec.write !== undefined;
  const schema = toDataSchema(spec.schema);
  return {
    ...schema,
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    readOnly: !writable,
    writeOnly: false,
    observable: true,
    forms: [
      {
        href: `properties/${name}`,
        contentType: JSON_TYPE,
        op: writable ? ['readproperty', 'writeproperty'] : ['readproperty'],
      },
      // Observation over Server-Sent Events (TD 1.1 §5.3.4.2 `subprotocol`,
      // "sse"); unobserving is closing the stream.
      {
        href: `properties/${name}/observe`,
        contentType: JSON_TYPE,
        subprotocol: 'sse',
        op: ['observeproperty', 'unobserveproperty'],
      },
    ],
  };
}

function actionAffordance(
  name: string,
  spec: ActionSpec,
): Record<string, unknown> & { forms: Form[] } {
  return {
    title: spec.title,
    description: spec.description,
    ...(spec.input ? { input: toDataSchema(spec.input) } : {}),
    output: toDataSchema(spec.output),
    safe: spec.safe,
    idempotent: spec.idempotent,
    synchronous: true,
    forms: [{ href: `actions/${name}`, contentType: JSON_TYPE, op: ['invokeaction'] }],
  };
}

/**
 * The TD of one Thing of one patient, served by the server at `serverUrl`.
 * `base` (TD 1.1 §5.3.1.1) is the Thing's absolute root, so the forms'
 * relative hrefs resolve against the server's real address. Methods are
 * the HTTP binding's defaults (TD 1.1 §8.3.1): GET to read and observe, PUT
 * to write, POST to invoke.
 */
export function describeThing(
  spec: ThingSpec,
  patient: string,
  serverUrl: string,
): ThingDescription {
  return {
    '@context': TD_CONTEXT,
    id: thingId(patient, spec.name),
    title: spec.title,
    description: `${spec.description}. Units are UCUM case-sensitive codes.`,
    base: `${serverUrl}${thingPath(patient, spec.name)}/`,
    // TD 1.1 §5.3.3 BearerSecurityScheme. The tokens are opaque shared
    // secrets, not the JWTs the scheme's default `format` would promise.
    securityDefinitions: {
      [SECURITY_NAME]: { scheme: 'bearer', in: 'header', name: 'Authorization', format: 'opaque' },
    },
    security: [SECURITY_NAME],
    properties: Object.fromEntries(
      Object.entries(spec.properties).map(([n, p]) => [n, propertyAffordance(n, p)]),
    ),
    actions: Object.fromEntries(
      Object.entries(spec.actions).map(([n, a]) => [n, actionAffordance(n, a)]),
    ),
  };
}
