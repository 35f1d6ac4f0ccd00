import { m2mError } from '../../../core/errors.js';
import { Operation } from '../model/types.js';
import type { CseContext } from './context.js';
import { create } from './create.js';
import { remove } from './delete.js';
import type { M2MRequest, M2MResponse } from './request.js';
import { retrieve } from './retrieve.js';
import { update } from './update.js';

/** Release versions this CSE speaks (TS-0004 §6.4.1, X-M2M-RVI). */
export const SUPPORTED_RELEASES = ['2a', '3', '4'];

/** The one entry point of every binding: a request primitive in, a response primitive out. */
export async function execute(ctx: CseContext, req: M2MRequest): Promise<M2MResponse> {
  switch (req.op) {
    case Operation.CREATE:
      return create(ctx, req);
    case Operation.RETRIEVE:
      return retrieve(ctx, req);
    case Operation.UPDATE:
      return update(ctx, req);
    case Operation.DELETE:
      return remove(ctx, req);
    default:
      throw m2mError.notAllowed(`operation ${req.op} is not supported at this address`);
  }
}
