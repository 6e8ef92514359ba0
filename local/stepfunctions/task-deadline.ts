import { LongTimer } from './long-timer';

export interface TaskLimits {
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

export type TimeoutKind = 'States.Timeout' | 'States.HeartbeatTimeout';

/**
 * The overall timeout and the heartbeat window of one task attempt, both counted from the moment
 * the task started. A heartbeat restarts the heartbeat window only.
 */
export class TaskDeadline {
  private readonly overall?: LongTimer;
  private heartbeatTimer?: LongTimer;
  private expired = false;

  constructor(
    private readonly limits: TaskLimits,
    private readonly onExpire: (kind: TimeoutKind) => void,
  ) {
    if (limits.timeoutSeconds !== undefined) this.overall = new LongTimer(limits.timeoutSeconds * 1000, () => this.expire('States.Timeout'));
    this.armHeartbeat();
  }

  heartbeat(): void {
    if (this.expired) return;
    this.heartbeatTimer?.cancel();
    this.armHeartbeat();
  }

  cancel(): void {
    this.overall?.cancel();
    this.heartbeatTimer?.cancel();
  }

  private armHeartbeat(): void {
    if (this.limits.heartbeatSeconds === undefined) return;
    this.heartbeatTimer = new LongTimer(this.limits.heartbeatSeconds * 1000, () => this.expire('States.HeartbeatTimeout'));
  }

  private expire(kind: TimeoutKind): void {
    if (this.expired) return;
    this.expired = true;
    this.cancel();
    this.onExpire(kind);
  }
}
