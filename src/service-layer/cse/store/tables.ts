import type { Generated } from 'kysely';

/** The CSE's tables. It stores `con` and notification payloads exactly as given: sealed, opaque. */
export interface CseTables {
  resources: {
    seq: Generated<number>;
    ri: string;
    ty: number;
    rn: string;
    pi: string | null;
    path: string;
    creator: string;
    ct: string;
    lt: string;
    et: string | null;
    lbl: string;
    acpi: string;
    st: number;
    cni: Generated<number>;
    cbs: Generated<number>;
    /** How many subscriptions the resource has (kept with them, read by the hot path). */
    nsub: Generated<number>;
    /** A container's maxInstanceAge in seconds, duplicated from attrs so the sweeper can index it. */
    mia: number | null;
    attrs: string;
  };
  labels: { ri: string; lbl: string };
  notifications: {
    seq: Generated<number>;
    id: string;
    sub_ri: string;
    /** An http(s) URL, or the AE-ID the notification is for. */
    target: string;
    payload: string;
    /** 1 when the subscription's nec is immediate: never batched, sent first. */
    immediate: number;
    /** Subscription ri when the subscription batches notifications (bn), else null. */
    batch: string | null;
    /** The subscription's batchNotify: how many to gather, and for at most how long. */
    batch_num: number | null;
    batch_ms: number | null;
    status: 'pending' | 'delivered' | 'failed';
    attempts: number;
    next_at: number;
    created_at: number;
    delivered_at: number | null;
  };
}
