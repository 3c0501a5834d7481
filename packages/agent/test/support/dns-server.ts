/**
 * A minimal authoritative DNS server over UDP on loopback (RFC 1035 wire format) answering SRV (RFC 2782) and A
 * queries from a fixed table, so SRV discovery is tested with node:dns against a real socket.
 */
import dgram from 'node:dgram';

export interface SrvAnswer {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

export interface DnsZone {
  readonly srv?: Record<string, readonly SrvAnswer[]>;
  readonly a?: Record<string, string>;
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.');
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])),
    Buffer.from([0]),
  ]);
}

function readQuestion(msg: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let i = 12;
  while (msg[i] !== 0) {
    const len = msg[i]!;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += len + 1;
  }
  i++;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i), end: i + 4 };
}

function answer(type: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // pointer to the question name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

export async function startDnsServer(
  zone: DnsZone,
): Promise<{ server: string; queries: string[]; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const q = readQuestion(msg);
    queries.push(`${q.type === 33 ? 'SRV' : q.type === 1 ? 'A' : q.type} ${q.name}`);
    const answers: Buffer[] = [];
    if (q.type === 33) {
      for (const r of zone.srv?.[q.name] ?? []) {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(r.priority, 0);
        fixed.writeUInt16BE(r.weight, 2);
        fixed.writeUInt16BE(r.port, 4);
        answers.push(answer(33, Buffer.concat([fixed, encodeName(r.target)])));
      }
    } else if (q.type === 1 && zone.a?.[q.name]) {
      answers.push(answer(1, Buffer.from(zone.a[q.name]!.split('.').map(Number))));
    }
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(answers.length > 0 ? 0x8580 : 0x8583, 2); // QR AA RD RA; NXDOMAIN when empty
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([header, msg.subarray(12, q.end), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
