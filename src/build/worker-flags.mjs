// Plain JavaScript on purpose: the build (scripts/build-snapshot.mjs) makes the workers'
// startup snapshot under these flags, and spawnWorker starts every worker with them.

/**
 * V8 flags of every worker, each measured on an idle worker's RSS (bench 4) and on
 * CPU-bound tool work (indexing and searching a source tree as search_files does):
 * - --optimize-for-size: smaller heap growth and code; RSS about a tenth lower.
 * - --interrupt-budget=1000000 (about 7× V8's default): a function must run that much
 *   longer before TurboFan optimizes it. Start-up's briefly hot functions (schema
 *   parsers, the module loader) no longer reach it, so an idle worker never touches the
 *   optimizing compiler's code (about 4 MB of RSS); a tool's long hot loop still does, and
 *   ran as fast.
 * - --single-threaded-gc: no GC helper threads (about 1.4 MB less RSS). On a machine where
 *   many workers share a few cores, helpers only add CPU time; tool work used less CPU.
 * Not used: --no-opt saves the same memory as the interrupt budget but made the tool work
 * 1.8× slower; --max-semi-space-size changed nothing measurable.
 */
export const WORKER_NODE_FLAGS = ['--optimize-for-size', '--interrupt-budget=1000000', '--single-threaded-gc'];
