/**
 * health(): probes every known DC within connect + operation timeout: a service-account connection and a RootDSE
 * read (RFC 4512 5.1), or, without a service account, a new TLS connection. Reports pool statistics too.
 */
import { DirectoryConnection } from './connection.ts';
import type { DirectoryContext } from './context.ts';
import type { DcEndpoint } from './endpoint.ts';
import type { DcHealth, DirectoryHealth } from './types.ts';

async function probe(ctx: DirectoryContext, dc: DcEndpoint, signal: AbortSignal): Promise<void> {
  const service = ctx.poolsFor(dc).service;
  if (!service) {
    const c = await DirectoryConnection.open(dc, ctx.connectionSettings, signal);
    await c.close();
    return;
  }
  const c = await service.acquire(signal);
  try {
    await c.search('', { scope: 'base', attributes: ['dnsHostName'] }, signal);
    service.release(c, true);
  } catch (error) {
    service.release(c, false);
    throw error;
  }
}

export async function directoryHealth(ctx: DirectoryContext): Promise<DirectoryHealth> {
  await ctx.dcSet.refresh();
  const report = await Promise.all(
    ctx.dcSet.all.map(async (dc): Promise<DcHealth> => {
      let reachable = false;
      let error: string | undefined;
      const timeout = AbortSignal.timeout(ctx.config.timeouts.connectMs + ctx.config.timeouts.operationMs);
      try {
        await probe(ctx, dc, timeout);
        reachable = true;
      } catch (e) {
        error = (e as Error).message;
      }
      const p = ctx.poolsFor(dc);
      return {
        dc: dc.label,
        markedDown: ctx.dcSet.isDown(dc.label),
        reachable,
        ...(error ? { error } : {}),
        pools: { user: p.user.stats, ...(p.service ? { service: p.service.stats } : {}) },
      };
    }),
  );
  const up = report.filter((r) => r.reachable).length;
  return { status: up === report.length && up > 0 ? 'ok' : up > 0 ? 'degraded' : 'down', dcs: report };
}
