/** The shared transport suite on the fs (Maildir) transport. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { FsTransport } from '../../src/mailbox/fs-transport.js';
import { mailboxDir } from '../../src/mailbox/maildir.js';
import { makeSession, removeSession } from '../mailbox/helpers.js';
import { transportSuite } from './transport-suite.js';

let seq = 0;
transportSuite('fs', () => ({
  async open(agents) {
    const s = await makeSession(agents);
    return new FsTransport(s.dir, s.id);
  },
  async injectRaw(t, agentId, text) {
    const dir = mailboxDir((t as FsTransport).sessionDir, agentId);
    // A valid name, so the file is judged by its content.
    const name = `${String(Date.now()).padStart(13, '0')}-${String(seq++).padStart(8, '0')}-raw${seq}.json`;
    await fs.writeFile(path.join(dir, 'tmp', name), text);
    await fs.rename(path.join(dir, 'tmp', name), path.join(dir, 'new', name));
  },
  async cleanup(t) {
    const ft = t as FsTransport;
    await removeSession({ dir: ft.sessionDir, id: ft.sessionId });
  },
}));
