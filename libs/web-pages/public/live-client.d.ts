// Types of the pages' shared browser client (live-client.js), for the TypeScript that tests it.
export declare const SILENCE_LIMIT_MS: number;
export interface StreamEvent {
  type: string;
  id: string | null;
  data: string;
}
export declare function configureClient(options?: {
  bearer?: () => string | null;
  extraHeaders?: (method: string) => Record<string, string>;
  unauthorized?: (message: string | null) => void;
}): void;
export declare function setHeaderSource(source: (method: string) => Record<string, string>): void;
export declare function headersFor(method: string, extra?: Record<string, string>): Record<string, string>;
export declare function request(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; json: unknown }>;
export declare function api(method: string, path: string, body?: unknown): Promise<unknown>;
export declare function messageOf(json: unknown): string | null;
export declare function parseEvent(block: string): StreamEvent;
export declare function followStream(
  path: string,
  options?: {
    cursor?: string | null;
    silenceMs?: number;
    onOpen?: () => void;
    onEvent?: (event: StreamEvent) => void;
    onLost?: (reason: string, delayMs: number) => void;
    onRefused?: (status: number, message: string | null) => void;
    onCursorRefused?: () => void;
  },
): { readonly cursor: string | null; reconnect(): void; stop(): void };
