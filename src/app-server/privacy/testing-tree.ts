/**
 * Reading a record by the paths the labeller gives (`entry[2].resource.code`),
 * for the tests: an independent reading, so that the tests do not trust the
 * walk they check.
 */
import type { Json } from './fhir.js';
import { isChoiceOf, isObject } from './tree.js';

export function get(root: Json | undefined, path: string): Json | undefined {
  let node = root;
  for (const [, key, index] of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (index !== undefined) node = Array.isArray(node) ? node[Number(index)] : undefined;
    else node = isObject(node) && Object.hasOwn(node, key!) ? node[key!] : undefined;
  }
  return node;
}

export const parentOf = (path: string) => path.replace(/(^|\.)[^.[\]]+$|\[\d+\]$/, '');
export const lastKey = (path: string) => /([^.[\]]+)$/.exec(path)?.[1] ?? '';
export const at = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** Whether `path` is `root` or inside it. */
export function within(path: string, root: string): boolean {
  return root === '' || path === root || path.startsWith(`${root}.`) || path.startsWith(`${root}[`);
}

/** The record's resources: the bundle and each Bundle.entry.resource, recursively. */
export function resourcePaths(node: Json, path = ''): string[] {
  if (!isObject(node) || node.resourceType !== 'Bundle' || !Array.isArray(node.entry)) {
    return [path];
  }
  return [
    path,
    ...node.entry.flatMap((e, i) =>
      isObject(e) && isObject(e.resource)
        ? resourcePaths(e.resource, at(path, `entry[${i}].resource`))
        : [],
    ),
  ];
}

/** The element paths of every resource of a record, as rules name them (`value[x]`). */
export function elementPaths(
  node: Json,
  names: string[] = [],
  out = new Set<string>(),
): Set<string> {
  if (Array.isArray(node)) node.forEach((v) => elementPaths(v, names, out));
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'resource') elementPaths(value, [], out);
      else if (names.length > 0 || (key !== 'resourceType' && key !== 'id')) {
        const name = key.replace(/^_/, '');
        const choice = ['value', 'effective'].find((base) => isChoiceOf(base, name));
        const path = [...names, choice === undefined ? name : `${choice}[x]`];
        out.add(path.join('.'));
        elementPaths(value, path, out);
      }
    }
  }
  return out;
}

/** Every primitive, with its path. */
export function* leaves(node: Json, path = ''): Generator<[string, Json]> {
  if (Array.isArray(node)) for (const [i, v] of node.entries()) yield* leaves(v, `${path}[${i}]`);
  else if (isObject(node)) for (const [k, v] of Object.entries(node)) yield* leaves(v, at(path, k));
  else yield [path, node];
}

/** Every object and array. */
export function* objects(node: Json): Generator<object> {
  if (typeof node !== 'object' || node === null) return;
  yield node;
  for (const v of Object.values(node)) yield* objects(v);
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
