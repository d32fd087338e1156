/**
 * Issue 18, item 4: on the redis transport, shared artifacts live in Redis hashes with a
 * TTL, so whatever machine stores one, any other machine of the session reads it. First the
 * store itself on a real redis-server (two session folders standing for two machines),
 * then a real session: a worker on a worker host stores an artifact, its dependent reads
 * it with get_artifact, and the coordinator's machine reads it too; no artifact file is
 * written on either side.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nanoid } from 'nanoid';
import { describe, expect, it } from 'vitest';
import { ArtifactStore } from '../../src/artifacts/store.js';
import { ARTIFACT_RETENTION_MS, artifactKey } from '../../src/artifacts/redis-store.js';
import { SESSION_REDIS_FILE, useSessionRedis, writeSessionRedisFile } from '../../src/mailbox/session-redis.js';
import { onlySession, startCli, tempRuntime } from '../support/cli.js';
import { journalOf, planReply, textReply, toolReply, waitFor, writeScript } from '../support/script.js';
import { hasRedisServer, useRedisServer } from '../support/redis.js';
import { waitFor as waitUntil } from '../mailbox/helpers.js';

const newSession = () => `20250101-000000-${nanoid(6).toLowerCase().replace(/[^0-9a-z]/g, 'x')}`;

describe.skipIf(!hasRedisServer())('artifacts in Redis (redis transport)', { timeout: 240_000 }, () => {
  const redis = useRedisServer({ password: 'art secret' });
  const dirs = redis.dirs;

  function sessionFolder(sid: string): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-art-'));
    dirs.push(root);
    const dir = path.join(root, 'sessions', sid);
    fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
    return dir;
  }

  it('one machine stores, another reads and lists; each artifact is a hash with a TTL; expiry and unknown names are told apart', async () => {
    const sid = newSession();
    const coordDir = sessionFolder(sid);
    const hostDir = sessionFolder(sid);
    const off = useSessionRedis(coordDir, redis.server.url);
    try {
      await writeSessionRedisFile(hostDir, redis.server.url);
      // The URL holds a password: the file is the owner's only.
      expect(fs.statSync(path.join(hostDir, SESSION_REDIS_FILE)).mode & 0o777).toBe(0o600);
      const coord = new ArtifactStore(coordDir);
      const host = new ArtifactStore(hostDir);
      expect([coord.kind, host.kind]).toEqual(['redis', 'redis']);

      const put = await host.put('findings.md', 'FOUND IT', 'w01-research', { description: 'what w01 found' });
      expect(put).toMatchObject({ name: 'findings.md', bytes: 8, storedBy: 'w01-research', file: artifactKey(sid, 'findings.md') });
      const got = await coord.get('findings.md');
      expect(got.content).toBe('FOUND IT');
      expect(got.entry).toMatchObject({ storedBy: 'w01-research', description: 'what w01 found' });
      expect(await redis.client.type(artifactKey(sid, 'findings.md'))).toBe('hash');
      const pttl = await redis.client.pttl(artifactKey(sid, 'findings.md'));
      expect(pttl).toBeGreaterThan(ARTIFACT_RETENTION_MS - 60_000);
      expect(pttl).toBeLessThanOrEqual(ARTIFACT_RETENTION_MS);

      await coord.put('brief.md', 'SHORT-LIVED', 'coordinator', { ttlMs: 400 });
      const ttl = await redis.client.pttl(artifactKey(sid, 'brief.md'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(400);
      expect((await host.list()).map((e) => e.name)).toEqual(['brief.md', 'findings.md']);
      expect((await host.get('brief.md')).entry.expiresAt).toBeDefined();
      await waitUntil(async () => (await redis.client.exists(artifactKey(sid, 'brief.md'))) === 0, 'Redis to expire the short-lived artifact');
      await expect(host.get('brief.md')).rejects.toMatchObject({ code: 'E_ARTIFACT_EXPIRED' });
      expect((await coord.list()).map((e) => e.name)).toEqual(['findings.md']);
      await expect(coord.get('nothing.md')).rejects.toMatchObject({ code: 'E_ARTIFACT_NOT_FOUND', message: 'no artifact "nothing.md"; known: findings.md' });
      await expect(coord.put('../escape', 'x', 'coordinator')).rejects.toThrow(/artifact names are letters/);

      // Nothing on either machine's disk.
      expect(fs.readdirSync(path.join(coordDir, 'artifacts'))).toEqual([]);
      expect(fs.readdirSync(path.join(hostDir, 'artifacts'))).toEqual([]);
    } finally {
      off();
    }
    // Unregistered, the coordinator's folder is an fs store again.
    expect(new ArtifactStore(coordDir).kind).toBe('fs');
  });

  it('a session on a worker host: a worker stores an artifact, its dependent reads it, the coordinator\'s machine too; no file on either side', async () => {
    const coordRt = tempRuntime('mailroom-art-coord-');
    const hostRt = tempRuntime('mailroom-art-host-');
    dirs.push(coordRt, hostRt);
    const plan = {
      subtasks: [
        { id: 's1', role: 'research' as const, description: 'Find it and store it', dependsOn: [] },
        { id: 's2', role: 'research' as const, description: 'Read what s1 stored', dependsOn: ['s1'] },
      ],
      failurePolicy: 'all' as const,
    };
    const script = writeScript(coordRt, {
      agents: {
        coordinator: [planReply(plan), textReply('SYNTHESIS')],
        'w01-research': [toolReply('store_artifact', { name: 'shared-notes.md', content: 'NOTES-FROM-S1', ttl_seconds: 3600 }), textReply('stored')],
        'w02-research': [toolReply('get_artifact', { name: 'shared-notes.md' }), textReply('read it')],
      } as never,
    });
    const host = startCli(['worker-host', '--redis', redis.server.url, '--slots', '2', '--name', 'art1', '--runtime-dir', hostRt]);
    await waitFor(() => host.stderr().includes('worker host art1'), 60_000, 'the host to start');
    const run = await startCli(['--runtime-dir', coordRt, '--script', script, '--no-live', '--transport', 'redis', '--redis', redis.server.url, 'task']).done;
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(coordRt);
    const sid = path.basename(dir);
    expect(journalOf(dir).filter((e) => e.type === 'spawn').map((e) => e.host)).toEqual(['art1', 'art1']);
    // The dependent's get_artifact returned the content (its transcript is mirrored here).
    const transcript = fs.readFileSync(path.join(dir, 'agents', 'w02-research', 'transcript.jsonl'), 'utf8');
    const toolResults = transcript.split('\n').filter((l) => l.includes('"tool_result"'));
    expect(toolResults.some((l) => l.includes('NOTES-FROM-S1') && !l.includes('is_error":true'))).toBe(true);
    // The coordinator's machine reads it from Redis through the same store.
    const off = useSessionRedis(dir, redis.server.url);
    try {
      const got = await new ArtifactStore(dir).get('shared-notes.md');
      expect(got.content).toBe('NOTES-FROM-S1');
      expect(got.entry.storedBy).toBe('w01-research');
    } finally {
      off();
    }
    const pttl = await redis.client.pttl(artifactKey(sid, 'shared-notes.md'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(3600_000);
    const hostCopy = path.join(hostRt, 'hosts', 'art1', 'sessions', sid);
    expect(fs.readdirSync(path.join(hostCopy, 'artifacts'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'artifacts')).filter((n) => n !== 'decisions.jsonl')).toEqual([]);
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });
});
