import { sortableId } from '../../../core/ids.js';
import { parseDuration } from '../model/time.js';
import { TYPE_NAMES, type Resource } from '../model/types.js';
import { wrap } from '../procedures/representation.js';
import type { NewOutboxRow } from './outbox.js';

/** notificationEventType (TS-0004 m2m:notificationEventType). */
export const Net = { UPDATE: 1, DELETE: 2, CREATE_CHILD: 3, DELETE_CHILD: 4 } as const;
export type Net = (typeof Net)[keyof typeof Net];

export interface ResourceEvent {
  net: Net;
  /** The resource the event is about (the new child for CREATE_CHILD). */
  resource: Resource;
  /** For UPDATE: the attributes the request changed. */
  modified?: Record<string, unknown>;
}

export interface SubscriptionAttrs {
  enc?: { net?: number[] };
  nu: string[];
  nct?: number;
  nec?: number;
  exc?: number;
  bn?: { num?: number; dur?: string };
  su?: string;
  cr?: string;
}

/** The subscription's address in notifications: SP-relative, so it is unambiguous. */
export function subscriptionAddress(cseId: string, sub: Pick<Resource, 'path'>): string {
  return `${cseId}/${sub.path}`;
}

/** Does this subscription want this event (eventNotificationCriteria net, default "update")? */
export function wants(sub: Resource, net: Net): boolean {
  const nets = (sub.attrs as unknown as SubscriptionAttrs).enc?.net ?? [Net.UPDATE];
  return nets.includes(net);
}

/** The m2m:sgn for an event, shaped by notificationContentType (TS-0004 §7.5.1.2.2). */
function notificationFor(
  cseId: string,
  sub: Resource,
  event: ResourceEvent,
): Record<string, unknown> {
  const attrs = sub.attrs as unknown as SubscriptionAttrs;
  const nct = attrs.nct ?? 1;
  let rep: unknown;
  if (nct === 3) rep = event.resource.ri;
  else if (nct === 2 && event.modified) rep = { [TYPE_NAMES[event.resource.ty]]: event.modified };
  else rep = wrap(event.resource);
  const sgn: Record<string, unknown> = {
    nev: { rep, net: event.net },
    sur: subscriptionAddress(cseId, sub),
  };
  if (attrs.cr) sgn.cr = attrs.cr;
  return { 'm2m:sgn': sgn };
}

/** The deletion notification a subscription's targets get when it goes (TS-0004 §7.5.1.2.3). */
export function deletionNotice(cseId: string, sub: Resource): Record<string, unknown> {
  return { 'm2m:sgn': { sud: true, sur: subscriptionAddress(cseId, sub) } };
}

/** Outbox rows, one per notification target, for one notification. */
export function rowsFor(
  sub: Resource,
  body: Record<string, unknown>,
  now: number,
  batched: boolean,
): NewOutboxRow[] {
  const attrs = sub.attrs as unknown as SubscriptionAttrs;
  const immediate = attrs.nec === 2;
  const bn = batched && !immediate ? attrs.bn : undefined;
  const payload = JSON.stringify(body);
  const targets = [
    ...attrs.nu,
    ...(attrs.su && !attrs.nu.includes(attrs.su) && 'sud' in (body['m2m:sgn'] as object)
      ? [attrs.su]
      : []),
  ];
  return targets.map((target) => ({
    id: sortableId(12),
    sub_ri: sub.ri,
    target,
    payload,
    immediate: immediate ? 1 : 0,
    batch: bn ? sub.ri : null,
    batch_num: bn?.num ?? null,
    batch_ms: bn?.dur ? (parseDuration(bn.dur) ?? null) : null,
    status: 'pending',
    attempts: 0,
    next_at: now,
    created_at: now,
    delivered_at: null,
  }));
}

/** Rows for an event on one subscription. */
export function eventRows(
  cseId: string,
  sub: Resource,
  event: ResourceEvent,
  now: number,
): NewOutboxRow[] {
  return rowsFor(sub, notificationFor(cseId, sub, event), now, true);
}
