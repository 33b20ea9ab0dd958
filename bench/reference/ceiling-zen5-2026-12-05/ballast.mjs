// 11 MB of live, pointer-rich objects on the main isolate only: what the modules main need not load weigh.
import { isMainThread } from 'node:worker_threads';
if (isMainThread) {
  const keep = [];
  for (let i = 0; i < 110_000; i++) keep.push({ id: i, name: `fn${i}`, next: keep[i - 1] ?? null, args: [i, i + 1] });
  globalThis.__ballast = keep;
}
