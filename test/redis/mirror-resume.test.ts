/**
 * The coordinator's mirror of a worker's transcript stream into its local file, across a
 * coordinator killed mid-copy: each line ends up in the file once. A real redis-server; the
 * "kill" is the state a SIGKILL between the append and the cursor write leaves behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StreamToFile } from '../../src/worker-host/tail.js';
import { tempRuntime } from '../support/cli.js';
import { hasRedisServer, useRedisServer } from '../support/redis.js';

const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe.skipIf(!hasRedisServer())('StreamToFile across a killed coordinator', () => {
  const redis = useRedisServer();

  it('cuts off lines appended after the last cursor and copies them once', async () => {
    const dir = tempRuntime('mailroom-mirror-');
    redis.dirs.push(dir);
    const file = path.join(dir, 'transcript.jsonl');
    const stream = 'mailroom:test:w01:transcript';
    for (const l of ['L1', 'L2', 'L3']) await redis.client.xadd(stream, '*', 'line', l);
    await new StreamToFile(redis.client, stream, file).poll();
    expect(lines(file)).toEqual(['L1', 'L2', 'L3']);
    // Two more lines reach the file, and the mirror dies before its cursor says so.
    for (const l of ['L4', 'L5']) await redis.client.xadd(stream, '*', 'line', l);
    fs.appendFileSync(file, 'L4\nL5\n');
    await redis.client.xadd(stream, '*', 'line', 'L6');
    await new StreamToFile(redis.client, stream, file).poll();
    expect(lines(file)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'L6']);
  });

  it('a mirror that died before its first cursor leaves nothing to copy twice', async () => {
    const dir = tempRuntime('mailroom-mirror-');
    redis.dirs.push(dir);
    const file = path.join(dir, 'log.ndjson');
    const stream = 'mailroom:test:w02:log';
    for (const l of ['A', 'B']) await redis.client.xadd(stream, '*', 'line', l);
    fs.writeFileSync(file, 'A\nB\n');
    await new StreamToFile(redis.client, stream, file).poll();
    expect(lines(file)).toEqual(['A', 'B']);
    expect(fs.readFileSync(`${file}.mirror`, 'utf8')).toMatch(/^\d+-\d+ 4$/);
  });
});
