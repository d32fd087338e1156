// Spawn diagnostic: imports each package named on the command line, in order, in this
// fresh process, and prints how long each import took (JSON on stdout). A package's
// shared dependencies are charged to the first one that loads them.
const out = [];
for (const name of process.argv.slice(2)) {
  const t0 = performance.now();
  try {
    await import(name);
    out.push({ name, ms: performance.now() - t0 });
  } catch (err) {
    out.push({ name, ms: performance.now() - t0, error: String(err?.message ?? err).slice(0, 200) });
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
