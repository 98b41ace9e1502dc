import type { DeviceState, RegistryDeviceRecord } from '@welfare/contracts';

export interface KnownDevice {
  state: DeviceState;
  revision: number;
}

/**
 * The ingestor's in-memory view of registry.devices.v1: device id -> state and revision.
 * A record replaces the one held only when its revision is higher, so a record read twice or
 * out of order (a rebalance, a replay) never undoes a later change.
 */
export class DeviceStates {
  private readonly devices = new Map<string, KnownDevice>();

  apply(record: Pick<RegistryDeviceRecord, 'deviceId' | 'revision' | 'state'>): boolean {
    const held = this.devices.get(record.deviceId);
    if (held && held.revision >= record.revision) return false;
    this.devices.set(record.deviceId, { state: record.state, revision: record.revision });
    return true;
  }

  get(deviceId: string): KnownDevice | undefined {
    return this.devices.get(deviceId);
  }

  get size(): number {
    return this.devices.size;
  }
}
