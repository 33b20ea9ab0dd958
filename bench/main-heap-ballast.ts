/**
 * Ballast for the main isolate's heap: live, pointer-rich objects that each full collection must mark, on the main
 * thread only. What a module the main thread loads costs V8's platform threads per pair is read by running the
 * ceiling with and without it (README, "What the main thread's live heap costs"):
 *
 *   RELSTREAM_BENCH_NODE_FLAGS=--import=$PWD/dist/bench/main-heap-ballast.js npm run bench -- --ceiling ...
 *
 * RELSTREAM_BALLAST_OBJECTS sets how many (110,000 by default: ~17 MB).
 */
import { isMainThread } from 'node:worker_threads';

interface Node { readonly id: number; readonly name: string; readonly next: Node | null; readonly args: number[] }

if (isMainThread) {
  const count = Number(process.env['RELSTREAM_BALLAST_OBJECTS'] ?? 110_000);
  const kept: Node[] = [];
  for (let i = 0; i < count; i++) kept.push({ id: i, name: `fn${i}`, next: kept[i - 1] ?? null, args: [i, i + 1] });
  (globalThis as { relstreamBallast?: Node[] }).relstreamBallast = kept;
}
