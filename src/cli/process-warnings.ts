/**
 * Node's process warnings as the CLI prints them, less one known to be harmless: kafkajs 2.2.4 arms its
 * request-queue timer with a negative delay whenever it is not throttled (throttledUntil is -1), which Node
 * ≥ 23 reports as TimeoutNegativeWarning on every run while clamping the delay to 1 ms exactly as older Node
 * did silently. Every other warning is printed as before.
 */
export function quietKnownWarnings(): void {
  const previous = process.listeners('warning');
  if (previous.length === 0) return;
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning' && warning.stack?.includes('kafkajs') === true) return;
    for (const listener of previous) listener(warning);
  });
}
