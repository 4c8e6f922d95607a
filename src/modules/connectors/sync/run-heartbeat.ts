/** What a running sync's heartbeat does on each beat. */
export interface HeartbeatTarget {
  /** Extends the run's lease; false when another instance holds it now. */
  renew(): Promise<boolean>;
  /** Writes the live counts (and `heartbeatAt`) onto the run record. */
  progress(): Promise<void>;
  /** Called once the lease turns out lost. */
  lost(): void;
}

/**
 * Keeps a run's lease and live counts fresh every `intervalMs` while it runs. A beat never rejects: a
 * failed renewal or progress write is logged and the next beat tries again (an unhandled rejection would
 * end the process on Node 20). Beats don't overlap; once the lease is lost, beating stops.
 */
export class RunHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private isLost = false;

  constructor(
    private readonly target: HeartbeatTarget,
    private readonly intervalMs: number,
    private readonly logger: { warn(message: string): void },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async beat(): Promise<void> {
    if (this.inFlight || this.isLost) return;
    this.inFlight = true;
    try {
      if (!(await this.target.renew())) {
        this.isLost = true;
        this.target.lost();
        return;
      }
      await this.target.progress();
    } catch (error) {
      this.logger.warn(`sync heartbeat failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.inFlight = false;
    }
  }
}
