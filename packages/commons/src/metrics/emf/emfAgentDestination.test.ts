import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { emfAgentDestination } from './emfAgentDestination.js';

describe('emfAgentDestination', () => {
  it('sends lines to the agent over TCP, keeping lines written before the connection is up', async () => {
    // Prepare
    let received = '';
    const server = net.createServer((socket) => socket.on('data', (chunk) => (received += chunk.toString())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const destination = emfAgentDestination({ endpoint: `tcp://127.0.0.1:${port}` });

    // Act
    destination.write('{"a":1}\n');
    destination.write('{"a":2}\n');
    const deadline = Date.now() + 5_000;
    while (received.split('\n').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    destination.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));

    // Assess
    expect(received).toBe('{"a":1}\n{"a":2}\n');
  });

  it('an unreachable agent never throws; the buffer stays bounded and counts what it drops', () => {
    const destination = emfAgentDestination({ endpoint: 'tcp://127.0.0.1:1', maxBufferedLines: 10 });
    for (let i = 0; i < 25; i++) expect(destination.write(`{"i":${i}}\n`)).toBe(true);
    expect(destination.dropped).toBe(15);
    destination.close();
  });
});
