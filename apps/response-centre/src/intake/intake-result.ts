/** What the intake made of one device event (the metric's outcome label, and the tests' view). */
export type IntakeResult =
  | { outcome: 'alarm_opened'; alarmId: string }
  | { outcome: 'alarm_repeated'; alarmId: string }
  | { outcome: 'logged_on_alarm'; alarmId: string }
  | { outcome: 'stored' }
  | { outcome: 'duplicate'; alarmId: string | null };

export function openedOrRepeated(result: { alarmId: string; opened: boolean }): IntakeResult {
  return { outcome: result.opened ? 'alarm_opened' : 'alarm_repeated', alarmId: result.alarmId };
}
