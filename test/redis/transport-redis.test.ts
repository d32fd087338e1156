/** The shared transport suite on the redis transport, against a real redis-server. */
import { nanoid } from 'nanoid';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { RedisTransport } from '../../src/mailbox/redis/transport.js';
import { mailboxStreamKey } from '../../src/mailbox/redis/keys.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis.js';
import { transportSuite } from './transport-suite.js';

let server: TestRedis | undefined;
if (!hasRedisServer()) {
  describe('mailbox transport: redis', () => it.skip('redis-server is not installed (.ci/run installs it)', () => undefined));
} else {
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  transportSuite('redis', () => ({
    async open(agents) {
      const t = RedisTransport.connect(server!.url, `20250101-000000-${nanoid(6).replace(/[^A-Za-z0-9]/g, 'x')}`);
      for (const a of agents) await t.createMailbox(a);
      return t;
    },
    async injectRaw(t, agentId, text) {
      await (t as RedisTransport).client.xadd(mailboxStreamKey(t.sessionId, agentId), '*', 'env', text);
    },
    async cleanup(t) {
      await t.close();
    },
  }));
}
