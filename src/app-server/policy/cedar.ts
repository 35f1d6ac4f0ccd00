import { setFlagsFromString } from 'node:v8';

/**
 * The one door to Cedar (`@cedar-policy/cedar-wasm`, its Node.js build).
 *
 * V8 may inline a call from optimised JavaScript into WebAssembly. On Node 20
 * (V8 11.3) a lazy deoptimisation of such a caller while the call returns
 * aborts the whole process ("Fatal error ... unreachable code", in
 * Deoptimizer::DoComputeBuiltinContinuation): measured here, one run in two
 * of the authorization matrix died that way. Turning that inlining off before
 * any caller is optimised removes the crash (tested in engine.test.ts, in a
 * fresh process); the cost is a plain call instead of an inlined one.
 */
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

export {
  checkParseSchema,
  policySetTextToParts,
  policyToJson,
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
  validate,
  type CedarValueJson,
  type Context,
  type DetailedError,
  type EntityJson,
  type EntityUidJson,
} from '@cedar-policy/cedar-wasm/nodejs';
