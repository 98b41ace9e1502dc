import { DeviceStates } from './device-states';

describe('DeviceStates', () => {
  it('keeps the record with the highest revision, whatever order they come in', () => {
    const states = new DeviceStates();
    expect(states.apply({ deviceId: 'd-1', revision: 2, state: 'active' })).toBe(true);
    expect(states.apply({ deviceId: 'd-1', revision: 1, state: 'in_stock' })).toBe(false);
    expect(states.apply({ deviceId: 'd-1', revision: 2, state: 'retired' })).toBe(false);
    expect(states.get('d-1')).toEqual({ state: 'active', revision: 2 });
    expect(states.apply({ deviceId: 'd-1', revision: 3, state: 'retired' })).toBe(true);
    expect(states.get('d-1')).toEqual({ state: 'retired', revision: 3 });
    expect(states.get('d-2')).toBeUndefined();
    expect(states.size).toBe(1);
  });
});
