import { AgentIdentityError } from './errors.ts';
import { type AgentIdentity, loadAgentIdentity } from './load-agent-identity.ts';
import { renewAgent } from './renew-agent.ts';

/** setTimeout's longest delay (about 24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Cloud answers after which retrying cannot help: the agent must be re-registered. */
const TERMINAL_REASONS = new Set(['AGENT_REVOKED', 'AGENT_UNKNOWN', 'CERT_EXPIRED', 'CERT_INVALID', 'CERT_SUPERSEDED']);

export interface RenewalLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RenewalScheduleOptions {
  stateDir: string;
  logger: RenewalLogger;
  /** Called with the reloaded identity after each renewal (reconnect with the new certificate, swap keys). */
  onRenewed?: (identity: AgentIdentity) => void;
  /** Called once when renewal can no longer succeed (revoked, expired): the agent must be re-registered. */
  onTerminal?: (error: Error) => void;
  now?: () => number;
  /** Retry after a failed attempt: doubles from min to max, never past the certificate's expiry. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** http://proxy:port; undefined = from HTTPS_PROXY/NO_PROXY; null = never (like the channel's cloud.proxy). */
  proxyUrl?: string | null | undefined;
}

export interface RenewalSchedule {
  /** Renews now (also resets the schedule). */
  renewNow(): Promise<AgentIdentity>;
  close(): void;
}

/**
 * Renews the certificate and encryption key automatically at `renewAfter` (2/3 of the validity by default), with
 * retries, until the certificate expires. The timer is unref'd: it never keeps the process alive alone.
 */
export function scheduleRenewal(options: RenewalScheduleOptions): RenewalSchedule {
  const now = options.now ?? Date.now;
  const retryMin = options.retryMinMs ?? 60_000;
  const retryMax = options.retryMaxMs ?? 3_600_000;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let retryDelay = retryMin;

  const arm = (at: number) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(tick, Math.min(Math.max(0, at - now()), MAX_TIMER_MS));
    timer.unref();
  };

  const renewNow = async (): Promise<AgentIdentity> => {
    await renewAgent({ stateDir: options.stateDir, now, proxyUrl: options.proxyUrl });
    const identity = loadAgentIdentity(options.stateDir, now());
    retryDelay = retryMin;
    options.logger.info(
      { agentId: identity.agentId, certificateNotAfter: new Date(identity.certificateNotAfter).toISOString() },
      'agent certificate and encryption key renewed',
    );
    options.onRenewed?.(identity);
    arm(identity.renewAfter);
    return identity;
  };

  async function tick(): Promise<void> {
    timer = undefined;
    if (closed) return;
    let identity: AgentIdentity;
    try {
      identity = loadAgentIdentity(options.stateDir, now());
    } catch (error) {
      options.logger.error({ err: error }, 'cannot read the agent state directory for renewal');
      options.onTerminal?.(error as Error);
      return;
    }
    if (now() < identity.renewAfter) return arm(identity.renewAfter);
    try {
      await renewNow();
    } catch (error) {
      const reason = error instanceof AgentIdentityError ? (error.reason ?? error.code) : undefined;
      if (reason === 'CERT_SUPERSEDED' && renewedElsewhere(identity)) return;
      const expired = now() >= identity.certificateNotAfter;
      if (expired || (reason !== undefined && TERMINAL_REASONS.has(reason)) || reason === 'CERTIFICATE_EXPIRED') {
        options.logger.error(
          { err: error, reason },
          'certificate renewal is no longer possible: re-register the agent',
        );
        options.onTerminal?.(error as Error);
        return;
      }
      const retryAt = Math.min(now() + retryDelay, identity.certificateNotAfter - 1);
      options.logger.warn(
        { err: error, reason, retryAt: new Date(retryAt).toISOString() },
        'certificate renewal failed; will retry',
      );
      retryDelay = Math.min(retryDelay * 2, retryMax);
      arm(retryAt);
    }
  }

  /** Another process (`openpta agent renew`) renewed first: take its certificate and schedule from it. */
  function renewedElsewhere(used: AgentIdentity): boolean {
    let fresh: AgentIdentity;
    try {
      fresh = loadAgentIdentity(options.stateDir, now());
    } catch {
      return false;
    }
    if (fresh.certificatePem === used.certificatePem) return false;
    options.logger.info({ agentId: fresh.agentId }, 'the certificate was renewed by another process');
    options.onRenewed?.(fresh);
    arm(fresh.renewAfter);
    return true;
  }

  try {
    arm(loadAgentIdentity(options.stateDir, now()).renewAfter);
  } catch (error) {
    options.logger.error({ err: error }, 'cannot schedule certificate renewal');
  }

  return {
    renewNow,
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
