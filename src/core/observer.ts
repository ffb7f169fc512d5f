/** Hooks the hub calls for metrics. Every method MUST be cheap and MUST NOT throw. */
export interface HubObserver {
  connected(): void;
  disconnected(code: number): void;
  refused(reason: string): void;
  messageIn(): void;
  /** `frames` frames of `bytes` bytes in all went to one connection. */
  messageOut(bytes: number, frames: number): void;
  resumed(recovered: boolean): void;
  slowConsumer(): void;
}
