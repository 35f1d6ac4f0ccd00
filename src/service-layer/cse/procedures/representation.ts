import { Ty, TYPE_NAMES, type Resource } from '../model/types.js';

/** A resource's attributes as sent on the wire (JSON short names, TS-0004 §8.2). */
export function attributesOf(r: Resource): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ty: r.ty,
    ri: r.ri,
    rn: r.rn,
    pi: r.pi ?? '',
    ct: r.ct,
    lt: r.lt,
  };
  if (r.et) out.et = r.et;
  if (r.lbl.length > 0) out.lbl = r.lbl;
  if (r.acpi.length > 0) out.acpi = r.acpi;
  Object.assign(out, r.attrs);
  if (r.ty === Ty.CNT) Object.assign(out, { cni: r.cni, cbs: r.cbs, st: r.st });
  if (r.ty === Ty.CIN) out.st = r.st;
  return out;
}

/** `{"m2m:cnt": {...}}` */
export function wrap(r: Resource): Record<string, unknown> {
  return { [TYPE_NAMES[r.ty]]: attributesOf(r) };
}

/** Child resource reference (TS-0004 m2m:childResourceRef). */
export function childRef(r: Resource): { nm: string; typ: number; val: string } {
  return { nm: r.rn, typ: r.ty, val: r.path };
}

/** Adds children to a representation grouped by type name, as rcn=4 and rcn=8 return them. */
export function groupChildren(children: Resource[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const c of children) (out[TYPE_NAMES[c.ty]] ??= []).push(attributesOf(c));
  return out;
}
