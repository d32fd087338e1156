/**
 * The `fs` transport: today's Maildir code (MailboxSender, MailboxReader, inspect) behind
 * the MailboxTransport interface, as a thin wrapper that changes none of it.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { countMailbox, listMailbox } from './inspect.js';
import { createMailbox, mailboxDir, type MaildirFolder } from './maildir.js';
import { MailboxReader } from './reader.js';
import { MailboxSender } from './send.js';
import type { MailboxTransport, TransportReader, TransportReaderOptions, TransportSender, TransportSenderOptions } from './transport.js';

/** Extra fs-only reader options (the Maildir reader's tuning knobs). */
export interface FsReaderExtras {
  watch?: boolean;
  watchPauseAbove?: number;
  lockStaleMs?: number;
}

export class FsTransport implements MailboxTransport {
  readonly kind = 'fs' as const;

  constructor(
    readonly sessionDir: string,
    readonly sessionId: string,
    private readonly readerExtras: FsReaderExtras = {},
  ) {}

  async createMailbox(agentId: string): Promise<void> {
    await createMailbox(this.sessionDir, agentId);
  }

  async hasMailbox(agentId: string): Promise<boolean> {
    const st = await fsp.stat(path.join(mailboxDir(this.sessionDir, agentId), 'new')).catch(() => undefined);
    return st?.isDirectory() ?? false;
  }

  sender(opts: TransportSenderOptions): TransportSender {
    return new MailboxSender({ sessionDir: this.sessionDir, sessionId: this.sessionId, ...opts });
  }

  reader(opts: TransportReaderOptions): TransportReader {
    return new MailboxReader({
      sessionDir: this.sessionDir,
      sessionId: this.sessionId,
      ...this.readerExtras,
      ...opts,
      handler: (env, file) => opts.handler(env, { name: file.name, path: file.path }),
    });
  }

  list(agentId: string, folders?: MaildirFolder[]) {
    return listMailbox(this.sessionDir, agentId, folders);
  }

  count(agentId: string) {
    return countMailbox(this.sessionDir, agentId);
  }

  async close(): Promise<void> {
    // Nothing held: every call opens and closes its own files.
  }
}
