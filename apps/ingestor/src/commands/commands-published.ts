/** Told of the commands the broker acknowledged: the main thread counts them in its metrics. */
export abstract class CommandsPublished {
  abstract published(types: string[]): void;
}
