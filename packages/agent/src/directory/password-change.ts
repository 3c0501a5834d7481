/**
 * A password change for a user whose bind says password_expired (532) or password_must_change (773): a modify of
 * unicodePwd with a delete of the old value and an add of the new one, on a service-account connection over TLS.
 * That is a CHANGE, checked by the DC against the old password and the policy (not an administrative reset), and any
 * authenticated account may send it (active-directory.md). It carries the old password: never retried elsewhere.
 */
import type { Outcome } from '@openpta/protocol';
import { Attribute, Change } from 'ldapts';
import type { DirectoryContext } from './context.ts';
import { DirectoryTransportError } from './errors.ts';
import { outcomeFromPasswordChangeError } from './outcome-map.ts';
import { serviceStep } from './service-step.ts';
import type { AttemptResult } from './types.ts';
import { type AcceptedInput, lookupEntry } from './user-entry.ts';

/** MS-ADTS 3.1.1.3.1.5: a unicodePwd value is the password in double quotes, UTF-16LE. */
export function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

export function passwordChangeModification(oldPassword: string, newPassword: string): Change[] {
  return [
    new Change({
      operation: 'delete',
      modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(oldPassword)] }),
    }),
    new Change({
      operation: 'add',
      modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(newPassword)] }),
    }),
  ];
}

export async function changePasswordAttempt(
  ctx: DirectoryContext,
  check: AcceptedInput,
  oldPassword: string,
  newPassword: string,
  signal: AbortSignal,
): Promise<AttemptResult> {
  if (!ctx.service) return { outcome: 'directory_error', reason: 'password change needs directory.serviceAccount' };
  if (ctx.transport === 'plain') return { outcome: 'directory_error', reason: 'password change needs TLS' };
  const dcs = await ctx.dcSet.candidates();
  if (dcs.length === 0) return { outcome: 'directory_unavailable', reason: 'no DC configured or discovered' };
  const matches = check.target.kind === 'search' ? check.target.matches : [check.target.lookup];
  const step = await serviceStep(ctx, dcs, signal, async (c, dc): Promise<AttemptResult> => {
    const entries = await lookupEntry(ctx, c, matches, signal);
    if (entries.length !== 1) return { outcome: 'invalid_credentials', reason: 'no single user' };
    ctx.metrics.userBinds.inc({ dc: dc.label });
    try {
      await c.modify(entries[0]!.dn, passwordChangeModification(oldPassword, newPassword), signal);
      return { outcome: 'ok' as Outcome };
    } catch (error) {
      if (error instanceof DirectoryTransportError) throw error;
      return { outcome: outcomeFromPasswordChangeError(error), reason: (error as Error).message };
    }
  });
  if (!step.ok) return { outcome: step.outcome, dc: step.dc?.label, reason: step.error?.message };
  return { ...step.value, dc: step.dc.label };
}
