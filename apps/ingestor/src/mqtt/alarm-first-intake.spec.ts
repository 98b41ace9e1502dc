import { AlarmFirstIntake, mayBeAlarmTraffic, TELEMETRY_SLICE } from './alarm-first-intake';

interface Message {
  id: string;
  payload: Buffer;
}

const message = (id: string, type: string): Message => ({
  id,
  payload: Buffer.from(JSON.stringify({ id, type, ts: '2026-12-06T17:00:00Z' })),
});
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AlarmFirstIntake', () => {
  it('hands an alarm on the moment it is read, ahead of the telemetry read before it', async () => {
    const handed: string[] = [];
    const intake = new AlarmFirstIntake<Message>((taken) => handed.push(taken.id));
    for (let i = 0; i < 1000; i++) intake.take(message(`hb-${i}`, 'heartbeat'));
    intake.take(message('press', 'alarm.button'));
    intake.take(message('cancel', 'alarm.cancelled'));

    expect(handed).toEqual(['press', 'cancel']);
    expect(intake.waiting).toBe(1000);
    await nextTurn();
    expect(handed).toHaveLength(2 + TELEMETRY_SLICE);
    intake.take(message('fall', 'fall.detected'));
    expect(handed.at(-1)).toBe('fall');
    while (intake.waiting > 0) await nextTurn();
    const telemetry = handed.filter((id) => id.startsWith('hb-'));
    expect(telemetry).toEqual(Array.from({ length: 1000 }, (_, i) => `hb-${i}`));
  });

  it('hands nothing more on once stopped: what waits stays with the broker', async () => {
    const handed: string[] = [];
    const intake = new AlarmFirstIntake<Message>((taken) => handed.push(taken.id));
    intake.take(message('hb-1', 'heartbeat'));
    intake.stop();
    intake.take(message('press', 'alarm.button'));
    await nextTurn();
    expect(handed).toEqual([]);
    expect(intake.waiting).toBe(0);
  });

  it('takes for alarm traffic what names an alarm-lane type, and telemetry and garbage for telemetry', () => {
    for (const type of ['alarm.button', 'fall.detected', 'alarm.cancelled'])
      expect(mayBeAlarmTraffic(message('a', type).payload)).toBe(true);
    for (const type of ['heartbeat', 'gps.position', 'door.opened', 'technical.fault'])
      expect(mayBeAlarmTraffic(message('t', type).payload)).toBe(false);
    expect(mayBeAlarmTraffic(Buffer.from([0xc3, 0x28, 0xff]))).toBe(false);
  });
});
