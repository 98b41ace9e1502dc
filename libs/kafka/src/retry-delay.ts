/** Back-off before retrying a hand-over to Kafka: 500 ms, doubling, at most 5 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** Math.min(attempt, 5), 5000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
