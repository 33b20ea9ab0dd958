/**
 * The V8 heap cap the container images run `relstream run` with. Live data is bounded by configuration
 * (queue pairs and tokens, bytes in flight, staged transaction bytes, fetch size), but V8 lets garbage grow
 * with the heap limit it sees; with this cap, peak RSS stays flat however long the backlog (the benchmark's
 * backlog scenario measures it with the same flag). Sized for the default limits: raise it with them.
 */
export const RUN_HEAP_FLAG = '--max-old-space-size=256';
