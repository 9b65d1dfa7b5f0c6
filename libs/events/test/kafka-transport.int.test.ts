/** The Kafka transport's edges that need no broker, or a broker that is not there. */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createKafkaTransport } from '../src/index.js';

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('createKafkaTransport', () => {
  it('fails with BROKER_UNAVAILABLE within its connect timeout when no broker answers', async () => {
    const port = await closedPort();
    const started = Date.now();
    await expect(createKafkaTransport({ brokers: `127.0.0.1:${port}`, connectTimeoutMs: 3_000 })).rejects.toMatchObject(
      { code: 'BROKER_UNAVAILABLE' },
    );
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('refuses an empty broker list with CONFIG_INVALID', async () => {
    await expect(createKafkaTransport({ brokers: ' , ' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
