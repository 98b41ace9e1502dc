import { Injectable } from '@nestjs/common';
import { EntityManager, FindOptionsWhere } from 'typeorm';
import { administeredMunicipality, devicesWhere, idWithin, Tenancy } from '../access/tenancy';
import type { DeviceState } from '@welfare/contracts';
import { BrokerAccessService } from '../broker-access/broker-access.service';
import { conflict, notFound } from '../common/registry-errors';
import { RegistryChanges } from '../outbox/registry-changes';
import { RegistryRecordOutbox } from '../outbox/registry-record-outbox';
import { requireResident } from '../residents/residents.service';
import { Device } from './device.entity';
import { IssuedSecret, issueDeviceSecret, scaipDigestHa1 } from './device-secret';
import { RegistryConfig } from '../registry.config';
import {
  CreateDeviceDto,
  DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
  DeviceWithSecretDto,
  ListDevicesQueryDto,
} from './dto/device.dto';

/**
 * A device's life: registered (in stock), onboarded to a resident (active, with a secret),
 * its secret rotated, retired (shut out for good). Every change publishes the device's record.
 */
/** The device and its new secret: what onboarding and rotation answer (the controller adds the QR code). */
export type DeviceSecret = Omit<DeviceWithSecretDto, 'provisioningQrSvg'>;

@Injectable()
export class DevicesService {
  constructor(
    private readonly changes: RegistryChanges,
    private readonly records: RegistryRecordOutbox,
    private readonly broker: BrokerAccessService,
    private readonly config: RegistryConfig,
  ) {}

  /** What is stored of a newly issued secret: its scrypt hash, and a SCAIP unit's digest HA1. */
  private stored(device: Pick<Device, 'scaipControllerId'>, issued: IssuedSecret) {
    const { scaipControllerId: cid } = device;
    const scaipDigestHa1Value = cid ? scaipDigestHa1(cid, this.config.SCAIP_DIGEST_REALM, issued.secret) : null;
    return { secretHash: issued.hash, scaipDigestHa1: scaipDigestHa1Value };
  }

  list(tenancy: Tenancy, query: ListDevicesQueryDto): Promise<Device[]> {
    const filters = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined));
    return this.changes.manager.find(Device, { where: { ...filters, ...devicesWhere(tenancy) }, order: { id: 'ASC' } });
  }

  get(tenancy: Tenancy, id: string): Promise<Device> {
    return requireDevice(this.changes.manager, id, false, devicesWhere(tenancy));
  }

  /** In stock, owned by the caller's municipality (naming another one reads as not found). */
  create(tenancy: Tenancy, input: CreateDeviceDto): Promise<Device> {
    const municipalityId = administeredMunicipality(tenancy);
    if (input.municipalityId !== undefined && input.municipalityId !== municipalityId)
      throw notFound('municipality', input.municipalityId);
    return this.changes.run(async (manager, at) => {
      await this.insertIn(
        manager,
        input,
        {
          municipalityId,
          state: 'in_stock',
          residentId: null,
          secretHash: null,
          scaipDigestHa1: null,
          credentialsIssuedAt: null,
        },
        at,
      );
      return requireDevice(manager, input.id);
    });
  }

  /** Gives an in-stock device to a resident of its municipality and issues its secret: the one time it is shown. */
  async onboard(tenancy: Tenancy, id: string, residentId: string): Promise<DeviceSecret> {
    const issued = await issueDeviceSecret();
    const device = await this.changes.run(async (manager, at) => {
      const current = await requireDevice(manager, id, true, devicesWhere(tenancy));
      if (current.state !== 'in_stock')
        throw refusedIn(
          current,
          'onboard',
          'only a device in stock can be onboarded; rotate the secret of an active one',
        );
      await requireResident(manager, residentId, { municipalityId: current.municipalityId ?? undefined });
      this.broker.grant(manager, id, issued.secret);
      return this.save(
        manager,
        id,
        { state: 'active', residentId, ...this.stored(current, issued), credentialsIssuedAt: at },
        at,
      );
    });
    return { device, secret: issued.secret };
  }

  /** A new secret replaces the old one at once: the old one never verifies again. */
  async rotateSecret(tenancy: Tenancy, id: string): Promise<DeviceSecret> {
    const issued = await issueDeviceSecret();
    const device = await this.changes.run(async (manager, at) => {
      const current = await requireDevice(manager, id, true, devicesWhere(tenancy));
      if (current.state !== 'active')
        throw refusedIn(current, 'rotate', 'only an active device has a secret to rotate');
      this.broker.grant(manager, id, issued.secret);
      return this.save(manager, id, { ...this.stored(current, issued), credentialsIssuedAt: at }, at);
    });
    return { device, secret: issued.secret };
  }

  /** Shuts the device out for good: its secret is erased. Retiring it again changes nothing. */
  retire(tenancy: Tenancy, id: string): Promise<Device> {
    return this.changes.run(async (manager, at) => {
      const current = await requireDevice(manager, id, true, devicesWhere(tenancy));
      if (current.state === 'retired') return current;
      this.broker.revoke(manager, id);
      return this.save(
        manager,
        id,
        { state: 'retired', secretHash: null, scaipDigestHa1: null, credentialsIssuedAt: null, retiredAt: at },
        at,
      );
    });
  }

  setHeartbeatInterval(tenancy: Tenancy, id: string, heartbeatIntervalSeconds: number): Promise<Device> {
    return this.changes.run(async (manager, at) => {
      const current = await requireDevice(manager, id, true, devicesWhere(tenancy));
      if (current.state === 'retired') throw refusedIn(current, 'change', 'a retired device does not change');
      return this.save(manager, id, { heartbeatIntervalSeconds }, at);
    });
  }

  /** Registers and onboards in one step, inside the caller's transaction (the bulk import). */
  async createActiveIn(
    manager: EntityManager,
    input: CreateDeviceDto,
    resident: { id: string; municipalityId: string },
    issued: IssuedSecret,
    at: Date,
  ): Promise<Device> {
    await this.insertIn(
      manager,
      input,
      {
        municipalityId: resident.municipalityId,
        state: 'active',
        residentId: resident.id,
        ...this.stored({ scaipControllerId: input.scaipControllerId ?? null }, issued),
        credentialsIssuedAt: at,
      },
      at,
    );
    this.broker.grant(manager, input.id, issued.secret);
    return requireDevice(manager, input.id);
  }

  private async insertIn(
    manager: EntityManager,
    input: CreateDeviceDto,
    life: Pick<
      Device,
      'municipalityId' | 'state' | 'residentId' | 'secretHash' | 'scaipDigestHa1' | 'credentialsIssuedAt'
    >,
    at: Date,
  ): Promise<void> {
    const heartbeatIntervalSeconds = input.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS;
    await manager.insert(Device, {
      id: input.id,
      serialNumber: input.serialNumber,
      kind: input.kind,
      heartbeatIntervalSeconds,
      scaipControllerId: input.scaipControllerId ?? null,
      scaipSubDeviceId: input.scaipSubDeviceId ?? null,
      ...life,
      revision: 0,
      retiredAt: null,
      createdAt: at,
      updatedAt: at,
    });
    await this.records.publishDevices(manager, [input.id], at);
  }

  private async save(manager: EntityManager, id: string, changes: Partial<Device>, at: Date): Promise<Device> {
    await manager.update(Device, { id }, { ...changes, updatedAt: at });
    await this.records.publishDevices(manager, [id], at);
    return requireDevice(manager, id);
  }
}

/** `where`: the caller's tenancy; a device outside it is not found. */
export async function requireDevice(
  manager: EntityManager,
  id: string,
  lock = false,
  where: FindOptionsWhere<Device> = {},
): Promise<Device> {
  const device = await manager.findOne(Device, {
    where: idWithin(where, id),
    ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  if (!device) throw notFound('device', id);
  return device;
}

function refusedIn(device: Device, action: string, why: string) {
  const state: DeviceState = device.state;
  return conflict(`device_${state}`, `cannot ${action} device ${device.id} in state ${state}: ${why}`, {
    deviceId: device.id,
    state,
  });
}
