/**
 * The node flags the container images run `relstream run` with, and the benchmark with them.
 *
 * - `--max-old-space-size=256`: live data is bounded by configuration (queue pairs and tokens, bytes in flight,
 *   staged transaction bytes, fetch size), but V8 lets garbage grow with the heap limit it sees; with this cap,
 *   peak RSS stays flat however long the backlog (the benchmark's backlog scenario measures it with these flags).
 *   Sized for the default limits: raise it with them.
 * - `--heap-growing-percent=150`: under a cap that small V8 takes the machine for a small device and lets the old
 *   generation grow to only ~1.3x what the last full collection left. The main thread's live heap at the ceiling
 *   (~50 MB: code, the consumer's fetched records, pairs in flight) was then marked every ~0.45 s, and marking was
 *   most of the ~19 µs per pair V8's platform threads spent. At 2.5x the cap still holds.
 * - `--max-semi-space-size=16`: V8 also starts a full collection early whenever the old generation's room is less
 *   than a young generation's worth, and it grew the main thread's young generation to 64 MB, above that room.
 *   At 8 MB the main thread paused longer for its more frequent scavenges (4.1-4.6 µs per pair against 2.3-3.2).
 */
export const RUN_NODE_FLAGS: readonly string[] = ['--max-old-space-size=256', '--heap-growing-percent=150', '--max-semi-space-size=16'];
