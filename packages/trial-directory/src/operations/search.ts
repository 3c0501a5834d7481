/**
 * SearchRequest (RFC 4511 4.5). Anonymous connections may read only the root DSE, as in AD; every other search
 * needs a bound user (operationsError otherwise).
 */
import { BIND_REQUIRED, noSuchObjectMessage } from '../directory/ad-messages.ts';
import { normalizeDn } from '../directory/dn.ts';
import type { Attribute } from '../directory/entry-attributes.ts';
import { attributesOf } from '../directory/entry-attributes.ts';
import { filterAttributes, matchesFilter } from '../directory/filter-match.ts';
import type { DirectoryRecord } from '../directory/model.ts';
import { TrialDirectoryError } from '../errors.ts';
import type { LdapRequest, ResultCode } from '../ldap/index.ts';
import { encodeResult, encodeSearchEntry, RESPONSE_TAG, RESULT } from '../ldap/index.ts';
import type { PageRequest } from './paged-results.ts';
import { pageResponseControl, readPageRequest } from './paged-results.ts';
import { ROOT_DSE_CONSTRUCTED, rootDseAttributes } from './root-dse.ts';
import type { OperationContext, OperationResult, Response } from './types.ts';

type SearchRequest = Extract<LdapRequest, { op: 'search' }>;

export function handleSearch(request: SearchRequest, ctx: OperationContext): OperationResult {
  if (request.baseDn === '' && request.scope === 'base') {
    const wanted = filterAttributes(request.filter, new Set(request.attributes.map((a) => a.toLowerCase())));
    const attributes = new Map(rootDseAttributes(ctx, wanted).map((a) => [a.type.toLowerCase(), a]));
    const matched = matchesFilter(request.filter, { record: undefined, attributes, directory: ctx.directory });
    const entries = matched ? [entry('', [...attributes.values()], request, ROOT_DSE_CONSTRUCTED)] : [];
    return { responses: [...entries, done(RESULT.success, '')] };
  }
  if (!ctx.session.user) return { responses: [done(RESULT.operationsError, BIND_REQUIRED)] };

  let page: PageRequest | undefined;
  try {
    page = readPageRequest(ctx.controls);
  } catch (error) {
    if (error instanceof TrialDirectoryError) return { responses: [done(RESULT.protocolError, error.message)] };
    throw error;
  }

  const candidates = scopeCandidates(request, ctx);
  if ('missing' in candidates) {
    return { responses: [done(RESULT.noSuchObject, noSuchObjectMessage(candidates.bestMatch), candidates.bestMatch)] };
  }
  // The filter is evaluated on just the attributes it names; the returned entries get theirs afterwards.
  const filterNames = filterAttributes(request.filter);
  const matches: DirectoryRecord[] = [];
  for (const record of candidates.records) {
    const attributes = attributesOf(record, ctx.directory, filterNames);
    const byName = new Map(attributes.map((a) => [a.type.toLowerCase(), a]));
    if (matchesFilter(request.filter, { record, attributes: byName, directory: ctx.directory })) {
      matches.push(record);
    }
  }

  let selected = matches;
  let code: ResultCode = RESULT.success;
  const limit = request.sizeLimit;
  if (limit > 0 && selected.length > limit) {
    selected = selected.slice(0, limit);
    code = RESULT.sizeLimitExceeded;
  }
  const controls = [];
  if (page) {
    // A page size of 0 abandons the paged search (RFC 2696 3).
    const end = page.size === 0 ? page.offset : page.offset + page.size;
    const pageEntries = selected.slice(page.offset, end);
    const next = end < selected.length ? end : undefined;
    controls.push(pageResponseControl(page.size === 0 ? undefined : next));
    if (next !== undefined) code = RESULT.success;
    selected = pageEntries;
  }
  const returned = returnedAttributes(request.attributes);
  const responses: Response[] = selected.map((record) =>
    entry(record.dn, attributesOf(record, ctx.directory, returned), request),
  );
  responses.push({ ...done(code, ''), controls });
  return { responses };
}

/**
 * An equality term on an indexed attribute that the whole filter requires (the filter itself or a term of its
 * top-level AND): only the users it names can match, the filter still decides.
 */
function indexedTerm(
  filter: SearchRequest['filter'],
): { attribute: 'userprincipalname' | 'mail'; value: string } | undefined {
  const terms = filter.type === 'and' ? filter.filters : [filter];
  for (const t of terms) {
    if (t.type !== 'equality') continue;
    const attribute = t.attribute.toLowerCase();
    if (attribute === 'userprincipalname' || attribute === 'mail')
      return { attribute, value: t.value.toString('utf8') };
  }
  return undefined;
}

function scopeCandidates(
  request: SearchRequest,
  ctx: OperationContext,
): { records: DirectoryRecord[] } | { missing: true; bestMatch: string } {
  const term = indexedTerm(request.filter);
  const all: DirectoryRecord[] = term
    ? [...ctx.directory.usersWith(term.attribute, term.value)]
    : [...ctx.directory.entries.values()];
  if (request.baseDn === '') return { records: all };
  const baseKey = normalizeDn(request.baseDn);
  const base = baseKey === undefined ? undefined : ctx.directory.get(baseKey);
  if (!base || baseKey === undefined) return { missing: true, bestMatch: bestMatch(request.baseDn, ctx) };
  switch (request.scope) {
    case 'base':
      return { records: [base] };
    case 'one':
      return { records: all.filter((r) => r.parentKey === baseKey) };
    case 'sub':
      return { records: all.filter((r) => r.key === baseKey || r.key.endsWith(`,${baseKey}`)) };
  }
}

/** The deepest existing ancestor of a missing base DN (AD reports it as matchedDN). */
function bestMatch(dn: string, ctx: OperationContext): string {
  const key = normalizeDn(dn);
  if (key === undefined) return '';
  let best = '';
  for (const record of ctx.directory.entries.values()) {
    if ((key.endsWith(`,${record.key}`) || key === record.key) && record.dn.length > best.length) best = record.dn;
  }
  return best;
}

function entry(
  dn: string,
  attributes: readonly Attribute[],
  request: SearchRequest,
  constructed?: ReadonlySet<string>,
): Response {
  const selected = selectAttributes(attributes, request.attributes, constructed);
  const values = request.typesOnly ? selected.map((a) => ({ type: a.type, values: [] })) : selected;
  return { protocolOp: encodeSearchEntry(dn, values) };
}

/** The lower-case names a search returns; undefined for all (no list, or `*`). */
function returnedAttributes(requested: readonly string[]): ReadonlySet<string> | undefined {
  if (requested.length === 0 || requested.includes('*')) return undefined;
  return new Set(requested.map((r) => r.toLowerCase()));
}

/**
 * RFC 4511 4.5.1.8: no list or `*` means all user attributes; `1.1` alone means none; names are case-insensitive.
 * Constructed attributes (lower-case names) come only when named, also next to `*`.
 */
function selectAttributes(
  attributes: readonly Attribute[],
  requested: readonly string[],
  constructed: ReadonlySet<string> = new Set(),
): readonly Attribute[] {
  const wanted = new Set(requested.map((r) => r.toLowerCase()));
  const all = requested.length === 0 || wanted.has('*');
  return attributes.filter((a) => {
    const name = a.type.toLowerCase();
    return wanted.has(name) || (all && !constructed.has(name));
  });
}

function done(code: ResultCode, message: string, matchedDn = ''): Response {
  return { protocolOp: encodeResult(RESPONSE_TAG.searchDone, { code, message, matchedDn }) };
}
