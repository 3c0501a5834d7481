import { OUTCOMES, type Outcome } from '../outcome.ts';
import type {
  ChangePasswordRequestFrame,
  ChangePasswordResponseFrame,
  ValidateRequestFrame,
  ValidateResponseFrame,
} from './request-frames.ts';
import type { CreditFrame } from './session-frames.ts';

/**
 * Hand-written checks for the frames every sign-in carries: the request and response frames and credit (and, in
 * envelope/fast-claims.ts, the envelope's claims). The zod schemas stay the contract; these only skip zod for input that plainly satisfies them. Each returns
 * exactly what the schema's parse would (the same fields in the same order, unknown ones dropped) or undefined
 * whenever anything is unusual, and the caller then asks zod, which gives the verdict and the error. So a check can
 * only ever be stricter than its schema, never looser (test/fast-checks.test.ts compares both on valid, mutated and
 * random input).
 *
 * Why: at a few hundred sign-ins per second each frame meets cold caches, and zod's generic object and string
 * checks then cost 30-100 us of CPU per sign-in on each side of the channel (perf, docs/PERFORMANCE.md "(a)").
 */

type Obj = Record<string, unknown>;

const REQUEST_ID = /^[A-Za-z0-9._:-]+$/;
const ENVELOPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const USERNAME_DOMAIN = /^[A-Za-z0-9.-]+$/;
const OBJECT_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OUTCOME_SET: ReadonlySet<unknown> = new Set<unknown>(OUTCOMES);
const MAX_EPOCH_MS = 8_640_000_000_000_000;
const MAX_TIMING_MS = 3_600_000;

export function plainObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

export function text(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

export function epochMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_EPOCH_MS;
}

/** An optional field: absent is fine, present-but-undefined is left to zod (it is never in JSON anyway). */
function absent(o: Obj, key: string): boolean {
  return o[key] === undefined && !Object.hasOwn(o, key);
}

function requestFrame<T extends 'validate-request' | 'change-password-request'>(
  type: T,
  o: Obj,
): Extract<ValidateRequestFrame | ChangePasswordRequestFrame, { type: T }> | undefined {
  const { requestId, envelope, expiresAt, usernameDomain } = o;
  if (o.type !== type) return undefined;
  if (!text(requestId, 1, 128) || !REQUEST_ID.test(requestId)) return undefined;
  if (!text(envelope, 20, 16_384) || !ENVELOPE.test(envelope)) return undefined;
  if (!epochMs(expiresAt)) return undefined;
  if (absent(o, 'usernameDomain')) return { type, requestId, envelope, expiresAt } as never;
  if (!text(usernameDomain, 1, 255) || !USERNAME_DOMAIN.test(usernameDomain)) return undefined;
  return { type, requestId, envelope, expiresAt, usernameDomain } as never;
}

/**
 * The optional fields below are read and written by name, not in a loop over key names: computed keys make every
 * load and store a megamorphic lookup, several microseconds per answer in the cloud at a few hundred per second.
 * A field is absent, or present and valid; present as undefined is left to zod (it is never in JSON anyway).
 */
function attributes(value: unknown): ValidateResponseFrame['attributes'] | undefined {
  if (!plainObject(value)) return undefined;
  const { objectGuid, upn, sam, displayName, givenName, sn, mail, groups, dn } = value;
  if (typeof objectGuid !== 'string' || !OBJECT_GUID.test(objectGuid)) return undefined;
  const out: Obj = { objectGuid };
  if (upn !== undefined || Object.hasOwn(value, 'upn')) {
    if (!text(upn, 0, 1024)) return undefined;
    out.upn = upn;
  }
  if (sam !== undefined || Object.hasOwn(value, 'sam')) {
    if (!text(sam, 0, 256)) return undefined;
    out.sam = sam;
  }
  if (displayName !== undefined || Object.hasOwn(value, 'displayName')) {
    if (!text(displayName, 0, 1024)) return undefined;
    out.displayName = displayName;
  }
  if (givenName !== undefined || Object.hasOwn(value, 'givenName')) {
    if (!text(givenName, 0, 1024)) return undefined;
    out.givenName = givenName;
  }
  if (sn !== undefined || Object.hasOwn(value, 'sn')) {
    if (!text(sn, 0, 1024)) return undefined;
    out.sn = sn;
  }
  if (mail !== undefined || Object.hasOwn(value, 'mail')) {
    if (!text(mail, 0, 1024)) return undefined;
    out.mail = mail;
  }
  if (groups !== undefined || Object.hasOwn(value, 'groups')) {
    if (!Array.isArray(groups) || groups.length > 4096) return undefined;
    for (const g of groups) if (!text(g, 0, 1024)) return undefined;
    out.groups = groups.slice();
  }
  if (dn !== undefined || Object.hasOwn(value, 'dn')) {
    if (!text(dn, 0, 4096)) return undefined;
    out.dn = dn;
  }
  return out as ValidateResponseFrame['attributes'];
}

function timingMs(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= MAX_TIMING_MS;
}

function timings(value: unknown): ValidateResponseFrame['timings'] | undefined {
  if (!plainObject(value)) return undefined;
  const { decryptMs, searchMs, bindMs, directoryMs, totalMs } = value;
  const out: Obj = {};
  if (decryptMs !== undefined || Object.hasOwn(value, 'decryptMs')) {
    if (!timingMs(decryptMs)) return undefined;
    out.decryptMs = decryptMs;
  }
  if (searchMs !== undefined || Object.hasOwn(value, 'searchMs')) {
    if (!timingMs(searchMs)) return undefined;
    out.searchMs = searchMs;
  }
  if (bindMs !== undefined || Object.hasOwn(value, 'bindMs')) {
    if (!timingMs(bindMs)) return undefined;
    out.bindMs = bindMs;
  }
  if (directoryMs !== undefined || Object.hasOwn(value, 'directoryMs')) {
    if (!timingMs(directoryMs)) return undefined;
    out.directoryMs = directoryMs;
  }
  if (totalMs !== undefined || Object.hasOwn(value, 'totalMs')) {
    if (!timingMs(totalMs)) return undefined;
    out.totalMs = totalMs;
  }
  return out as ValidateResponseFrame['timings'];
}

function responseFrame<T extends 'validate-response' | 'change-password-response'>(
  type: T,
  o: Obj,
): Extract<ValidateResponseFrame | ChangePasswordResponseFrame, { type: T }> | undefined {
  const { requestId, outcome } = o;
  if (o.type !== type) return undefined;
  if (!text(requestId, 1, 128) || !REQUEST_ID.test(requestId)) return undefined;
  if (!OUTCOME_SET.has(outcome)) return undefined;
  const out: Obj = { type, requestId, outcome: outcome as Outcome };
  if (type === 'validate-response' && !absent(o, 'attributes')) {
    const a = attributes(o.attributes);
    if (a === undefined) return undefined;
    out.attributes = a;
  }
  if (!absent(o, 'dc')) {
    if (!text(o.dc, 0, 256)) return undefined;
    out.dc = o.dc;
  }
  if (!absent(o, 'timings')) {
    const t = timings(o.timings);
    if (t === undefined) return undefined;
    out.timings = t;
  }
  if (!absent(o, 'credits')) {
    if (!credits(o.credits)) return undefined;
    out.credits = o.credits;
  }
  return out as never;
}

function credits(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 10_000;
}

function creditFrame(o: Obj): CreditFrame | undefined {
  if (o.type !== 'credit' || !credits(o.credits)) return undefined;
  return { type: 'credit', credits: o.credits };
}

/** Fast checks by frame type (the frames of every sign-in); parseFrame uses zod for the others. */
export const FAST_FRAME_CHECKS: Readonly<Record<string, ((value: Obj) => unknown) | undefined>> = {
  'validate-request': (o) => requestFrame('validate-request', o),
  'change-password-request': (o) => requestFrame('change-password-request', o),
  'validate-response': (o) => responseFrame('validate-response', o),
  'change-password-response': (o) => responseFrame('change-password-response', o),
  credit: creditFrame,
};
