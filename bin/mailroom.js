#!/usr/bin/env node
// The `mailroom` command for `npm link` / `npx mailroom`: loads the TypeScript CLI through
// tsx's loader, the same way `npm start` does.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
