// Spawn floor: a bare Node process that says it is up, then idles until killed.
process.stdout.write('ready\n');
setInterval(() => undefined, 1 << 30);
