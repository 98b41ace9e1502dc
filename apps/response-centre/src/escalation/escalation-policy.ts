import { Inject, Injectable } from '@nestjs/common';
import type { AlarmPriority } from '../alarms/alarm-rules';

export const ESCALATION_LIMITS = Symbol('ESCALATION_LIMITS');

/** Seconds an alarm of each priority may wait unacknowledged before it escalates (again). */
export type EscalationLimits = Record<AlarmPriority, number>;

/** Parses ESCALATION_LIMITS_SECONDS: "60,300,1800" for priorities 1, 2 and 3. */
export function parseEscalationLimits(setting: string): EscalationLimits {
  const [p1, p2, p3] = setting.split(',').map(Number);
  return { 1: p1, 2: p2, 3: p3 };
}

/** When an alarm escalates: its priority's limit after it opened, and again each limit after that. */
@Injectable()
export class EscalationPolicy {
  constructor(@Inject(ESCALATION_LIMITS) private readonly limits: EscalationLimits) {}

  firstDueAt(priority: AlarmPriority, openedAt: Date): Date {
    return this.after(priority, openedAt);
  }

  nextDueAt(priority: AlarmPriority, escalatedAt: Date): Date {
    return this.after(priority, escalatedAt);
  }

  private after(priority: AlarmPriority, from: Date): Date {
    return new Date(from.getTime() + this.limits[priority] * 1000);
  }
}
