/** One domain controller as the agent reaches it. */
export interface DcEndpoint {
  /** Stable label used in logs, metrics and results: the URL. */
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** Name checked against the certificate (and sent as SNI). */
  readonly serverName: string;
  readonly transport: 'ldaps' | 'starttls' | 'plain';
}

export function endpointFromUrl(url: string, transport: DcEndpoint['transport'], serverName?: string): DcEndpoint {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'ldaps:' ? 636 : 389;
  const scheme = transport === 'ldaps' ? 'ldaps' : 'ldap';
  // The label always carries the port, so the same DC configured and discovered is one DC.
  const label = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { label, host, port, serverName: serverName ?? host, transport };
}
