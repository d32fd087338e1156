/**
 * Per-sender order across listings: which files of a listing of new/ may be handled at
 * once, and which must wait for a second listing.
 *
 * A listing is not a snapshot: a file renamed into new/ while readdir runs may be missed
 * while its sender's next file is listed. A file is *settled* (every earlier file of its
 * sender is in the listing, or already handled) when any of these holds:
 * - its ctime (set by the rename) is clearly (SETTLED_SLACK_MS) before the listing began;
 * - a watch event named it before the listing began: its sender renamed its earlier files
 *   before it, so before the listing began;
 * - an earlier listing, which ended before this one began, had it: the same argument.
 * Anything else is handled only after a second listing (MailboxReader's pass).
 */

/**
 * A file whose ctime is less than this before a listing began was in new/, with all its
 * sender's earlier files, when the listing began. The slack covers the kernel's coarse
 * file clock lagging Date.now().
 */
export const SETTLED_SLACK_MS = 100;

/** Watch hints kept between two listings; beyond this, the ctime rule alone decides. */
const MAX_HINTS = 10_000;

/** What the files of one pass are judged against. */
export interface PassContext {
  /** Files with a ctime before this are settled. */
  settledBefore: number;
  /** Settled whatever their ctime: named by an event or an earlier listing before this listing began. */
  settledNames: ReadonlySet<string>;
  /** Senders with an earlier message waiting for a retry: their later files wait too. */
  held: Set<string>;
}

/** The reader's memory of names seen before the current listing. */
export class ArrivalOrder {
  private hints = new Set<string>();
  private lastListing: ReadonlySet<string> = new Set();

  /** A watch event named `name` (added or removed: either way, it was renamed before now). */
  hint(name: string): void {
    if (this.hints.size < MAX_HINTS) this.hints.add(name);
  }

  /**
   * Call just before a listing that starts at `startedAt`: the context for its files. Hints
   * that come in from here on are kept for the next listing.
   */
  begin(startedAt: number): PassContext {
    const named = this.hints;
    this.hints = new Set();
    const before = this.lastListing;
    let settledNames: ReadonlySet<string>;
    if (named.size === 0) settledNames = before;
    else if (before.size === 0) settledNames = named;
    else {
      for (const n of before) named.add(n);
      settledNames = named;
    }
    return { settledBefore: startedAt - SETTLED_SLACK_MS, settledNames, held: new Set() };
  }

  /** A second listing in the same pass: everything the first had is settled now. */
  relisted(ctx: PassContext, firstNames: readonly string[], secondStartedAt: number): void {
    const names = new Set(ctx.settledNames);
    for (const n of firstNames) names.add(n);
    ctx.settledNames = names;
    ctx.settledBefore = secondStartedAt - SETTLED_SLACK_MS;
  }

  /** The pass's last listing has ended: its names are settled for every later listing. */
  listed(names: readonly string[]): void {
    this.lastListing = new Set(names);
  }
}
