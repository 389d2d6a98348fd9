/**
 * A schedule expression or time zone that cannot be used, with the reason.
 * The timer manager turns it into a 400 `BadRequest`.
 */
export class ScheduleError extends Error {
  constructor(
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`invalid schedule "${expression}": ${reason}`);
    this.name = 'ScheduleError';
  }
}
