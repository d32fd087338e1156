/** Child process for the artifact-store race test: stores N artifacts under a prefix. */
import { ArtifactStore } from '../../src/artifacts/store.js';

const [sessionDir, prefix, count] = process.argv.slice(2);
const store = new ArtifactStore(sessionDir!);
for (let i = 0; i < Number(count); i++) {
  await store.put(`${prefix}-${i}.txt`, `${prefix} ${i}`, prefix!);
}
