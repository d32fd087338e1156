/**
 * Where research paths point. A research worker reads two places: the read-only source
 * folder (`settings.sourceRoot`) and the session workspace. A path that starts with
 * `workspace/` means the workspace; any other relative path means the source folder.
 * Private paths in the source folder (see private.ts) are refused unless the session opts in.
 */
import { ToolError } from '../../errors.js';
import { resolveInRoot } from '../paths.js';
import type { JailedPath } from '../paths.js';
import type { ToolContext } from '../types.js';
import { privateReason } from './private.js';

/** The prefix that selects the session workspace in research paths. */
export const WORKSPACE_PREFIX = 'workspace/';

export interface LocatedPath extends JailedPath {
  /** The label shown to the model: `workspace/x.md` or the source-relative path. */
  display: string;
}

/** Resolves a research path through the jail of the folder it names. */
export async function locateResearchPath(ctx: ToolContext, userPath: string): Promise<LocatedPath> {
  if (userPath === 'workspace' || userPath.startsWith(WORKSPACE_PREFIX)) {
    const rest = userPath === 'workspace' ? '.' : userPath.slice(WORKSPACE_PREFIX.length) || '.';
    const jailed = await resolveInRoot(ctx.workspaceDir, rest, { rootName: 'workspace' });
    return { ...jailed, display: jailed.rel === '.' ? 'workspace' : `${WORKSPACE_PREFIX}${jailed.rel}` };
  }
  const jailed = await resolveInRoot(ctx.settings.sourceRoot, userPath, { rootName: 'source folder' });
  if (!ctx.settings.includePrivateFiles) {
    const why = await privateReason(jailed.root, jailed.rel);
    if (why) {
      throw new ToolError(`${why}; research tools leave it out (the session option --include-private-files lets them in)`, {
        code: 'E_PATH_PRIVATE',
      });
    }
  }
  return { ...jailed, display: jailed.rel };
}
