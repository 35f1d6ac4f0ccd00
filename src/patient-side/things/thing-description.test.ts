import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { THINGS } from './devices.js';
import { describeThing, TD_CONTEXT, type ThingDescription } from './thing-description.js';

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The official W3C TD 1.1 JSON Schema (draft-07), as shipped by the TD playground. */
const schemaFile = createRequire(import.meta.url).resolve(
  '@thing-description-playground/core/td-schema.json',
);
const tdSchema = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
// strict: false, because the W3C schema uses keywords draft-07 does not know
// (prefixItems); ajv would otherwise refuse to compile it.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(tdSchema);

const SERVER = 'https://127.0.0.1:8443';
const tds = THINGS.map((t) => describeThing(t, 'pt-1', SERVER));
const byName = (name: string) => tds[THINGS.findIndex((t) => t.name === name)]!;

describe('Thing Descriptions', () => {
  it('validate against the W3C TD 1.1 JSON Schema, every one', () => {
    expect(tdSchema.title).toBe('Thing Description');
    expect(tdSchema.version).toMatch(/^1\.1/);
    for (const td of tds) {
      const ok = validate(td);
      expect(validate.errors ?? [], td.id).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('a broken TD fails the schema', () => {
    const broken = (mutate: (td: any) => void) => {
      const td = structuredClone(byName('oximeter')) as any;
      mutate(td);
      return validate(td);
    };
    expect(broken(() => undefined)).toBe(true);
    expect(broken((td) => delete td.securityDefinitions)).toBe(false);
    expect(broken((td) => (td['@context'] = 'https://example.org/not-a-td'))).toBe(false);
    expect(broken((td) => (td.properties.spo2.forms[0].op = ['readproperties']))).toBe(false);
    expect(broken((td) => (td.securityDefinitions.bearer_sc.scheme = 'bearer-ish'))).toBe(false);
    expect(broken((td) => (td.properties.spo2.forms = []))).toBe(false);
  });

  it('name the Thing stably, secure it with a bearer token and resolve forms against base', () => {
    const td: ThingDescription = byName('oximeter');
    expect(td['@context']).toBe(TD_CONTEXT);
    expect(td.id).toBe('urn:tutela:thing:pt-1:oximeter');
    expect(describeThing(THINGS[0]!, 'pt-1', 'https://other:1').id).toBe(td.id);
    expect(td.base).toBe(`${SERVER}/things/pt-1/oximeter/`);
    expect(td.security).toEqual(['bearer_sc']);
    expect(td.securityDefinitions.bearer_sc).toMatchObject({
      scheme: 'bearer',
      in: 'header',
      name: 'Authorization',
    });
    expect(new URL(td.properties.spo2!.forms[0]!.href, td.base).href).toBe(
      `${SERVER}/things/pt-1/oximeter/properties/spo2`,
    );
  });

  it('describe properties with types, UCUM units, readOnly, observable and SSE forms', () => {
    const ox = byName('oximeter');
    const spo2 = ox.properties.spo2!;
    expect(spo2).toMatchObject({
      type: 'object',
      readOnly: true,
      observable: true,
      required: ['at'],
      properties: { value: { type: 'integer', unit: '%', minimum: 0, maximum: 100 } },
    });
    expect(spo2.forms).toEqual([
      { href: 'properties/spo2', contentType: 'application/json', op: ['readproperty'] },
      {
        href: 'properties/spo2/observe',
        contentType: 'application/json',
        subprotocol: 'sse',
        op: ['observeproperty', 'unobserveproperty'],
      },
    ]);
    expect(ox.properties.oxygen).toMatchObject({
      readOnly: false,
      properties: { on: { type: 'boolean' }, flowLpm: { type: 'number', unit: 'L/min' } },
    });
    expect(ox.properties.oxygen!.forms[0]!.op).toEqual(['readproperty', 'writeproperty']);
    expect(byName('thermometer').properties.temperature).toMatchObject({
      properties: { value: { type: 'number', unit: 'Cel' } },
    });
    expect(byName('bp-monitor').properties.bloodPressure).toMatchObject({
      properties: { systolic: { unit: 'mm[Hg]' }, diastolic: { unit: 'mm[Hg]' } },
    });
    expect(byName('consciousness').properties.acvpu).toMatchObject({
      readOnly: false,
      properties: {
        value: { type: 'string', enum: ['A', 'C', 'V', 'P', 'U'] },
        at: { readOnly: true },
      },
    });
    for (const td of tds.filter((t) => !t.id.endsWith(':simulator')))
      expect(td.properties.status).toMatchObject({
        properties: {
          battery: { unit: '%' },
          state: { enum: ['ok', 'probe-off', 'low-battery', 'error'] },
        },
      });
    // No TypeBox leftovers (anyOf, additionalProperties) in what consumers read.
    expect(JSON.stringify(tds)).not.toMatch(/anyOf|additionalProperties/);
  });

  it('describe actions with input schemas', () => {
    expect(byName('oximeter').actions.setOxygen).toMatchObject({
      input: { type: 'object', required: ['on', 'flowLpm'] },
      idempotent: true,
      forms: [{ href: 'actions/setOxygen', op: ['invokeaction'] }],
    });
    expect(byName('bp-monitor').actions.measureNow).not.toHaveProperty('input');
    expect(byName('simulator').actions.startEpisode).toMatchObject({
      input: {
        required: ['kind'],
        properties: { kind: { enum: ['sepsis', 'hypoxia', 'hypotension'] } },
      },
    });
  });

  it('describe the infusion pump: rate in mL/h, a bounded setRate, bearer security, never nosec', () => {
    const pump = byName('infusion-pump');
    expect(validate(pump)).toBe(true);
    expect(pump.id).toBe('urn:tutela:thing:pt-1:infusion-pump');
    expect(pump.security).toEqual(['bearer_sc']);
    expect(JSON.stringify(pump)).not.toContain('nosec');
    expect(pump.properties.rate).toMatchObject({
      readOnly: true,
      properties: { value: { type: 'number', unit: 'mL/h', minimum: 0, maximum: 500 } },
    });
    expect(pump.actions.setRate).toMatchObject({
      input: {
        type: 'object',
        required: ['rate'],
        properties: { rate: { type: 'number', unit: 'mL/h', minimum: 0, maximum: 500 } },
      },
      safe: false,
      idempotent: true,
      forms: [{ href: 'actions/setRate', op: ['invokeaction'] }],
    });
  });

  it('give every scheduled sensor setInterval and spotCheck actions', () => {
    for (const name of ['oximeter', 'thermometer', 'bp-monitor', 'respiration']) {
      const td = byName(name);
      expect(td.actions.setInterval, name).toMatchObject({
        input: {
          properties: { minutes: { type: 'integer', unit: 'min', minimum: 1, maximum: 240 } },
        },
        forms: [{ href: 'actions/setInterval', op: ['invokeaction'] }],
      });
      expect(td.actions.spotCheck, name).toMatchObject({ safe: false, output: { type: 'object' } });
      expect(td.actions.spotCheck, name).not.toHaveProperty('input');
      expect(td.properties.measurementInterval, name).toMatchObject({ readOnly: true });
    }
  });
});
