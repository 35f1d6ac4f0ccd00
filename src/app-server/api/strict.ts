import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { FastifySchemaCompiler } from 'fastify';

const compiled = new WeakMap<object, TypeCheck<TSchema>>();

/**
 * A validator compiler that refuses what the schema does not allow,
 * unknown properties included. Fastify's default Ajv set-up removes
 * properties that `additionalProperties: false` forbids instead of refusing
 * them (removeAdditional), and coerces types: an API that changes who may
 * read a patient's data should say no to a body it does not understand.
 */
export const strictValidator: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, (check = TypeCompiler.Compile(schema)));
  const c = check;
  return (data: unknown) => {
    if (c.Check(data)) return { value: data };
    const first = c.Errors(data).First();
    const where = first?.path || '/';
    return { error: new Error(`${where}: ${first?.message ?? 'invalid'}`) };
  };
};
