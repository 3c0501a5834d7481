/**
 * Group names for a user from the `memberOf` values of the user's own entry (read in the same search as the other
 * attributes), expanded through nesting with a cache of the group graph (group DN -> name and its own memberOf).
 *
 * Why not LDAP_MATCHING_RULE_IN_CHAIN on every sign-in: on the test bed that search costs several times a bind (it
 * walks every group under the base), and the group graph changes rarely. A user's direct memberships are always
 * fresh (they come with the user entry); a change to how groups nest is seen within `ttlMs`. Like the in-chain rule
 * on `member`, this does not include the primary group (primaryGroupID, usually Domain Users).
 * `attributes.groups: nested-in-chain` keeps the exact per-sign-in search for those who prefer it.
 */
import type { DirectoryConnection } from './connection.ts';
import { textValues } from './entry-values.ts';

interface GroupNode {
  readonly name: string | undefined;
  readonly parents: readonly string[];
  readonly at: number;
}

/** Depth limit for nesting (AD has no limit; cycles are possible and are cut by the visited set). */
const MAX_GROUPS = 4096;

export class GroupGraph {
  readonly #ttlMs: number;
  readonly #nameAttribute: string;
  readonly #nodes = new Map<string, GroupNode>();

  constructor(ttlMs: number, nameAttribute: string) {
    this.#ttlMs = ttlMs;
    this.#nameAttribute = nameAttribute;
  }

  /** Reads one group (base search), or the cached copy when fresh. */
  async #node(c: DirectoryConnection, dn: string, signal?: AbortSignal): Promise<GroupNode> {
    const key = dn.toLowerCase();
    const cached = this.#nodes.get(key);
    if (cached && Date.now() - cached.at < this.#ttlMs) return cached;
    let node: GroupNode;
    try {
      const [entry] = await c.search(dn, { scope: 'base', attributes: [this.#nameAttribute, 'memberOf'] }, signal);
      node = entry
        ? { name: textValues(entry, this.#nameAttribute)[0], parents: textValues(entry, 'memberOf'), at: Date.now() }
        : { name: undefined, parents: [], at: Date.now() };
    } catch (error) {
      // noSuchObject (32): a dangling memberOf value; anything else is a real failure.
      if ((error as { code?: unknown }).code !== 32) throw error;
      node = { name: undefined, parents: [], at: Date.now() };
    }
    this.#nodes.set(key, node);
    return node;
  }

  /** Names of the given groups and, when `nested`, of every group they are nested in; sorted. */
  async names(
    c: DirectoryConnection,
    direct: readonly string[],
    nested: boolean,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const seen = new Set<string>();
    const names = new Set<string>();
    let frontier = [...direct];
    while (frontier.length > 0 && seen.size < MAX_GROUPS) {
      const next: string[] = [];
      const fresh = frontier.filter((dn) => !seen.has(dn.toLowerCase()));
      for (const dn of fresh) seen.add(dn.toLowerCase());
      const nodes = await Promise.all(fresh.map((dn) => this.#node(c, dn, signal)));
      for (const node of nodes) {
        if (node.name !== undefined) names.add(node.name);
        if (nested) next.push(...node.parents);
      }
      frontier = next;
    }
    return [...names].sort();
  }

  clear(): void {
    this.#nodes.clear();
  }
}
