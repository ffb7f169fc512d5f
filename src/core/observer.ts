/** Hooks the hub calls for metrics. Every method MUST be cheap and MUST NOT throw. */
export interface HubObserver {
  connected(): void;
  disconnected(code: number): void;
  refused(reason: string): void;
  messageIn(): void;
  messageOut(bytes: number): void;
  resumed(recovered: boolean): void;
  slowConsumer(): void;
}
