/**
 * The layering rules, checked by `npm test` (test/engine/layering.test.ts) so that CI keeps
 * them true: no import cycles between files or between folders, and src/contracts/ (the
 * schemas and types shared across folders) depends on nothing of the project but errors.
 * Type-only imports count: a cycle through types is still a cycle in the design.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      comment: 'Files must not import each other in a cycle.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders must not import each other in a cycle.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'contracts-depend-on-nothing',
      comment: 'src/contracts/ may import only itself, src/errors.ts and packages.',
      severity: 'error',
      from: { path: '^src/contracts/' },
      to: { path: '^src/', pathNot: ['^src/contracts/', '^src/errors\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.mjs$' },
  },
};
