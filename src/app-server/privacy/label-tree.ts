/**
 * The labels of a record as the redactor reads them: one node per JSON node
 * of the labelled copy, in the copy's own order, holding ranks (0 = U …
 * 5 = V) and what the redactor decides from them (from which level each
 * property is shown, the highest label below). The redactor makes six
 * versions from it without building a path or looking one up.
 *
 * Paths (`entry[2].resource.valueQuantity`) remain the labels' public form,
 * `LabelledRecord.labels`: a LabelMap builds them only when asked (tests,
 * tools), never in the pipeline.
 */
import { Rsc, TutelaError } from '../../core/errors.js';
import { CONFIDENTIALITY, rank, type Confidentiality } from '../../protocol/levels.js';
import type { FhirBundle, Json } from './fhir.js';
import { childPath, isObject, itemPath } from './tree.js';

export interface LabelNode {
  /** The rank of the node's own label. */
  readonly rank: number;
  /** The highest rank in the subtree, the node's own included. */
  readonly top: number;
  /** An object's properties (in `keys` order) or an array's items; none for a primitive. */
  readonly kids?: readonly LabelNode[];
  /** An object's own keys, in order. */
  readonly keys?: readonly string[];
  /**
   * An object's: the lowest level showing each property. An array is shown
   * only whole (masking some items would tell how many there were) and `_x`
   * only with `x` (R4 json.html: one element).
   */
  readonly shownFrom?: readonly number[];
}

const LEAVES: readonly LabelNode[] = CONFIDENTIALITY.map((_, r) =>
  Object.freeze({ rank: r, top: r }),
);

export function leafNode(r: number): LabelNode {
  return LEAVES[r] as LabelNode;
}

export function arrayNode(r: number, kids: LabelNode[]): LabelNode {
  let top = r;
  for (const kid of kids) if (kid.top > top) top = kid.top;
  return { rank: r, top, kids };
}

export function objectNode(r: number, keys: string[], kids: LabelNode[]): LabelNode {
  let top = r;
  const shownFrom: number[] = [];
  for (const kid of kids) {
    if (kid.top > top) top = kid.top;
    let from = kid.rank;
    // An array's node has items (kids) and no keys.
    if (kid.kids !== undefined && kid.keys === undefined)
      for (const item of kid.kids) if (item.rank > from) from = item.rank;
    shownFrom.push(from);
  }
  for (let i = 0; i < keys.length; i++) {
    if ((keys[i] as string).startsWith('_')) shownFrom[i] = withBase(keys, shownFrom, i);
  }
  return { rank: r, top, kids, keys, shownFrom };
}

/** `_x` is shown only when `x` is (and `__x` only when `_x` is). */
function withBase(keys: readonly string[], from: readonly number[], i: number): number {
  const key = keys[i] as string;
  const own = from[i] as number;
  if (!key.startsWith('_')) return own;
  const b = keys.indexOf(key.slice(1));
  return b < 0 ? own : Math.max(own, withBase(keys, from, b));
}

/** The labels of a record made by label(), as paths, built on first use. */
export class LabelMap implements ReadonlyMap<string, Confidentiality> {
  readonly #bundle: FhirBundle;
  readonly #tree: LabelNode;
  #paths: Map<string, Confidentiality> | undefined;

  /** `tree` describes `bundle`, a frozen copy, node for node. */
  constructor(bundle: FhirBundle, tree: LabelNode) {
    this.#bundle = bundle;
    this.#tree = tree;
  }

  /** The tree, if these are the labels of this very bundle. */
  treeFor(bundle: FhirBundle): LabelNode | undefined {
    return bundle === this.#bundle ? this.#tree : undefined;
  }

  private get paths(): Map<string, Confidentiality> {
    this.#paths ??= pathsOf(this.#bundle as unknown as Json, this.#tree);
    return this.#paths;
  }

  get size(): number {
    return this.paths.size;
  }
  get(path: string): Confidentiality | undefined {
    return this.paths.get(path);
  }
  has(path: string): boolean {
    return this.paths.has(path);
  }
  forEach(
    fn: (value: Confidentiality, key: string, map: ReadonlyMap<string, Confidentiality>) => void,
    thisArg?: unknown,
  ): void {
    this.paths.forEach((value, key) => fn.call(thisArg, value, key, this));
  }
  entries(): MapIterator<[string, Confidentiality]> {
    return this.paths.entries();
  }
  keys(): MapIterator<string> {
    return this.paths.keys();
  }
  values(): MapIterator<Confidentiality> {
    return this.paths.values();
  }
  [Symbol.iterator](): MapIterator<[string, Confidentiality]> {
    return this.paths.entries();
  }
}

/** Every node's path and label, in the order label() meets them (parents first). */
function pathsOf(root: Json, tree: LabelNode): Map<string, Confidentiality> {
  const paths = new Map<string, Confidentiality>();
  const visit = (node: LabelNode, value: Json, path: string): void => {
    paths.set(path, CONFIDENTIALITY[node.rank] as Confidentiality);
    const kids = node.kids ?? [];
    if (node.keys) {
      const object = value as Record<string, Json>;
      node.keys.forEach((key, i) =>
        visit(kids[i] as LabelNode, object[key] as Json, childPath(path, key)),
      );
    } else {
      kids.forEach((kid, i) => visit(kid, (value as Json[])[i] as Json, itemPath(path, i)));
    }
  };
  visit(tree, root, '');
  return paths;
}

/**
 * The label tree of a record: label()'s own, or, for labels made elsewhere
 * (a plain Map, or labels not made for this very bundle), one read from the
 * paths. Every element must then have a label.
 */
export function treeOf(
  bundle: FhirBundle,
  labels: ReadonlyMap<string, Confidentiality>,
): LabelNode {
  const own = labels instanceof LabelMap ? labels.treeFor(bundle) : undefined;
  if (own) return own;
  const read = (value: Json, path: string): LabelNode => {
    const l = labels.get(path);
    if (l === undefined) {
      throw new TutelaError(
        'unlabelled_element',
        Rsc.INTERNAL_SERVER_ERROR,
        `no label for element "${path}": redact only records made by label()`,
      );
    }
    const r = rank(l);
    if (Array.isArray(value)) {
      const kids: LabelNode[] = [];
      for (let i = 0; i < value.length; i++) kids.push(read(value[i] as Json, itemPath(path, i)));
      return arrayNode(r, kids);
    }
    if (!isObject(value)) return leafNode(r);
    const keys = Object.keys(value);
    return objectNode(
      r,
      keys,
      keys.map((key) => read(value[key] as Json, childPath(path, key))),
    );
  };
  return read(bundle as unknown as Json, '');
}
