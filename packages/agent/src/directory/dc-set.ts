/**
 * Which DCs to try, in which order. Configured DCs come first, in their order; then DCs found by DNS SRV
 * (`_ldap._tcp.dc._msdcs.<domain>`), ordered by priority (lowest first) and, within a priority, by a weighted random
 * draw (RFC 2782). A DC that failed at the transport level is skipped for `dcDownMs`; when every DC is marked down,
 * only the one whose mark ends first is tried, so "all down" answers within one connect timeout.
 */
import type { SrvRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { type DcEndpoint, endpointFromUrl } from './endpoint.ts';

export type SrvLookup = (name: string) => Promise<SrvRecord[]>;

export interface DcSetOptions {
  readonly static: readonly DcEndpoint[];
  readonly transport: DcEndpoint['transport'];
  readonly srvDomain?: string;
  readonly dnsServers?: readonly string[];
  readonly refreshMs: number;
  readonly downMs: number;
  readonly resolveSrv?: SrvLookup;
  readonly onSrvError?: (error: Error) => void;
  readonly random?: () => number;
}

/** RFC 2782 ordering: ascending priority; within one priority, repeated weighted random selection. */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const r of records) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r]);
  const out: SrvRecord[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    // Zero-weight records first in the list, as RFC 2782 asks, so they get a small chance when others exist.
    const group = [...byPriority.get(priority)!].sort((a, b) => a.weight - b.weight);
    while (group.length > 0) {
      const total = group.reduce((sum, r) => sum + r.weight, 0);
      let pick = 0;
      if (total > 0) {
        const target = random() * total;
        let running = 0;
        pick = group.findIndex((r) => {
          running += r.weight;
          return running > target;
        });
        if (pick === -1) pick = group.length - 1;
      }
      out.push(group.splice(pick, 1)[0]!);
    }
  }
  return out;
}

export class DcSet {
  readonly #options: DcSetOptions;
  readonly #downUntil = new Map<string, number>();
  #discovered: DcEndpoint[] = [];
  #discoveredAt = 0;
  #refreshing: Promise<void> | undefined;
  readonly #lookup: SrvLookup | undefined;
  /** With dedicated DNS servers (AD's DNS), SRV targets are resolved there too; the certificate is checked
   * against the target name. */
  readonly #resolveHost: ((name: string) => Promise<string[]>) | undefined;

  constructor(options: DcSetOptions) {
    this.#options = options;
    if (options.srvDomain) {
      if (options.resolveSrv) this.#lookup = options.resolveSrv;
      else {
        const resolver = new Resolver({ timeout: 2000, tries: 2 });
        if (options.dnsServers?.length) {
          resolver.setServers([...options.dnsServers]);
          this.#resolveHost = (name) => resolver.resolve4(name);
        }
        this.#lookup = (name) => resolver.resolveSrv(name);
      }
    }
  }

  /** Looks the SRV records up again when they are older than refreshMs. Keeps the old list on failure. */
  async refresh(force = false): Promise<void> {
    if (!this.#lookup || !this.#options.srvDomain) return;
    if (!force && Date.now() - this.#discoveredAt < this.#options.refreshMs && this.#discoveredAt > 0) return;
    this.#refreshing ??= (async () => {
      try {
        const records = await this.#lookup!(`_ldap._tcp.dc._msdcs.${this.#options.srvDomain}`);
        const ldaps = this.#options.transport === 'ldaps';
        const ordered = orderSrv(records, this.#options.random);
        this.#discovered = await Promise.all(
          ordered.map(async (r) => {
            // SRV publishes the LDAP port (389); LDAPS is the same DC on 636.
            const port = ldaps ? 636 : r.port;
            const address = this.#resolveHost
              ? ((await this.#resolveHost(r.name).catch(() => []))[0] ?? r.name)
              : r.name;
            return endpointFromUrl(`${ldaps ? 'ldaps' : 'ldap'}://${address}:${port}`, this.#options.transport, r.name);
          }),
        );
      } catch (error) {
        this.#options.onSrvError?.(error as Error);
      } finally {
        this.#discoveredAt = Date.now();
        this.#refreshing = undefined;
      }
    })();
    await this.#refreshing;
  }

  get all(): DcEndpoint[] {
    const seen = new Set<string>();
    return [...this.#options.static, ...this.#discovered].filter((d) => !seen.has(d.label) && seen.add(d.label));
  }

  /** DCs to try for one attempt, in order. */
  async candidates(now = Date.now()): Promise<DcEndpoint[]> {
    // Only the very first lookup is waited for; later refreshes run in the background on the known list.
    if (this.#discoveredAt === 0) await this.refresh();
    else void this.refresh();
    const all = this.all;
    const healthy = all.filter((d) => (this.#downUntil.get(d.label) ?? 0) <= now);
    if (healthy.length > 0 || all.length === 0) return healthy;
    const soonest = all.reduce((a, b) =>
      (this.#downUntil.get(a.label) ?? 0) <= (this.#downUntil.get(b.label) ?? 0) ? a : b,
    );
    return [soonest];
  }

  markDown(label: string, now = Date.now()): void {
    this.#downUntil.set(label, now + this.#options.downMs);
  }

  markUp(label: string): void {
    this.#downUntil.delete(label);
  }

  isDown(label: string, now = Date.now()): boolean {
    return (this.#downUntil.get(label) ?? 0) > now;
  }
}
