import type { DeviceState, RegistryDeviceRecord } from '@welfare/contracts';

export interface ScaipDevice {
  deviceId: string;
  state: DeviceState;
  revision: number;
}

export type UnitVerdict =
  | { trusted: true; deviceId: string }
  | {
      trusted: false;
      reason: 'unknown_controller' | 'device_in_stock' | 'device_retired';
      detail: string;
      deviceId: string | null;
    };

/**
 * The SCAIP devices of the registry (records with `scaip`), by controller id and sub-device id.
 * A record replaces the one held for its device only when its revision is higher. A message
 * from a sub-device the registry does not list goes to the unit itself (its `did` kept on the
 * event): an alarm is never refused for a sub-device nobody registered.
 */
export class ScaipUnits {
  private readonly byDevice = new Map<string, { record: ScaipDevice; cid: string; did: string | null }>();
  private readonly byController = new Map<string, Map<string, ScaipDevice>>();

  apply(record: Pick<RegistryDeviceRecord, 'deviceId' | 'revision' | 'state' | 'scaip'>): void {
    const held = this.byDevice.get(record.deviceId);
    if (held && held.record.revision >= record.revision) return;
    if (held) this.byController.get(held.cid)?.delete(held.did ?? '');
    if (!record.scaip) {
      this.byDevice.delete(record.deviceId);
      return;
    }
    const device = { deviceId: record.deviceId, state: record.state, revision: record.revision };
    const { controllerId: cid, subDeviceId: did } = record.scaip;
    this.byDevice.set(record.deviceId, { record: device, cid, did });
    if (!this.byController.has(cid)) this.byController.set(cid, new Map());
    this.byController.get(cid)!.set(did ?? '', device);
  }

  verdict(cid: string, did: string | null): UnitVerdict {
    const unit = this.byController.get(cid);
    const device = (did !== null ? unit?.get(did) : undefined) ?? unit?.get('');
    if (!device)
      return {
        trusted: false,
        reason: 'unknown_controller',
        detail: `controller id ${cid} is not in the registry`,
        deviceId: null,
      };
    if (device.state === 'active') return { trusted: true, deviceId: device.deviceId };
    const reason = device.state === 'retired' ? 'device_retired' : 'device_in_stock';
    return {
      trusted: false,
      reason,
      detail: `controller id ${cid} belongs to device "${device.deviceId}", which is ${device.state.replace('_', ' ')}`,
      deviceId: device.deviceId,
    };
  }

  get size(): number {
    return this.byDevice.size;
  }
}
