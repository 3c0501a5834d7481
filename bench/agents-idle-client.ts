/**
 * Child process of agents-idle.bench.ts: opens N idle agent connections (mutual TLS WebSocket, hello, credit, pong
 * to pings: exactly what an idle agent does), reports when all are welcomed, and closes them on request.
 */
import WebSocket from 'ws';

interface Start {
  readonly url: string;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly count: number;
  readonly batch: number;
}

const sockets: WebSocket[] = [];

function open(s: Start): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(s.url, { cert: s.cert, key: s.key, ca: s.ca, perMessageDeflate: false });
    sockets.push(ws);
    ws.once('error', reject);
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'hello', versions: [1], agentVersion: 'idle-bench', hostname: 'idle' })),
    );
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; id?: string; sentAt?: number };
      if (frame.type === 'welcome') {
        ws.send(JSON.stringify({ type: 'credit', credits: 64 }));
        resolve();
      } else if (frame.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong', id: frame.id, sentAt: frame.sentAt }));
      }
    });
  });
}

process.on('message', async (m: ({ cmd: 'start' } & Start) | { cmd: 'stop' }) => {
  if (m.cmd === 'start') {
    try {
      for (let i = 0; i < m.count; i += m.batch) {
        await Promise.all(Array.from({ length: Math.min(m.batch, m.count - i) }, () => open(m)));
      }
      process.send?.({ ok: true, open: sockets.length });
    } catch (error) {
      process.send?.({ ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  } else {
    for (const ws of sockets) ws.terminate();
    setImmediate(() => process.exit(0));
  }
});
