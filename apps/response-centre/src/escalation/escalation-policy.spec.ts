import { loadConfig } from '@welfare/platform';
import { ResponseCentreConfig } from '../response-centre.config';
import { EscalationPolicy, parseEscalationLimits } from './escalation-policy';

const REQUIRED = {
  DATABASE_URL: 'postgres://localhost/x',
  AUTH_ISSUER: 'http://127.0.0.1:1',
  AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks',
};

describe('escalation limits', () => {
  it('escalates each priority after its own limit, and again each limit after that', () => {
    const policy = new EscalationPolicy(parseEscalationLimits('60,300,1800'));
    const opened = new Date('2026-11-23T10:00:00Z');
    expect(policy.firstDueAt(1, opened).toISOString()).toBe('2026-11-23T10:01:00.000Z');
    expect(policy.firstDueAt(3, opened).toISOString()).toBe('2026-11-23T10:30:00.000Z');
    expect(policy.nextDueAt(2, new Date('2026-11-23T10:05:00Z')).toISOString()).toBe('2026-11-23T10:10:00.000Z');
  });

  it.each(['60,300', '60;300;1800', '0,300,1800', '4,300,1800', '60,300,-1', 'a,b,c'])(
    'refuses ESCALATION_LIMITS_SECONDS=%s at start-up with a clear message',
    (value) => {
      expect(() => loadConfig(ResponseCentreConfig, { ...REQUIRED, ESCALATION_LIMITS_SECONDS: value })).toThrow(
        /ESCALATION_LIMITS_SECONDS/,
      );
    },
  );

  it('takes a valid setting', () => {
    expect(
      loadConfig(ResponseCentreConfig, { ...REQUIRED, ESCALATION_LIMITS_SECONDS: '5,120,900' })
        .ESCALATION_LIMITS_SECONDS,
    ).toBe('5,120,900');
  });
});
