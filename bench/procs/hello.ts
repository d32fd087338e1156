// Spawn floor under tsx: the same as hello.mjs, loaded through tsx's loader.
const word: string = 'ready';
process.stdout.write(`${word}\n`);
setInterval(() => undefined, 1 << 30);
