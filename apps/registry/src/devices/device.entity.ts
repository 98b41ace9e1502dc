import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeviceKind, DeviceState } from '@welfare/contracts';

/** A device in the registry. Its id is its MQTT username and client id (device contract section 2). */
@Entity({ name: 'devices' })
export class Device {
  @PrimaryColumn({ type: 'varchar' })
  id: string;

  @Column({ name: 'serial_number', type: 'varchar' })
  serialNumber: string;

  @Column({ type: 'varchar' })
  kind: DeviceKind;

  @Column({ type: 'varchar' })
  state: DeviceState;

  /** The municipality that owns the device; its administrators manage it (null only for devices from before tenancy). */
  @Column({ name: 'municipality_id', type: 'uuid', nullable: true })
  municipalityId: string | null;

  @Column({ name: 'resident_id', type: 'uuid', nullable: true })
  residentId: string | null;

  @Column({ name: 'heartbeat_interval_seconds', type: 'integer' })
  heartbeatIntervalSeconds: number;

  /** scrypt hash of the MQTT secret (see device-secret.ts); null unless active. Never leaves the registry. */
  @Column({ name: 'secret_hash', type: 'varchar', nullable: true, select: false })
  secretHash: string | null;

  /** A SCAIP unit's controller id (`cid`); null for a device that speaks the MQTT contract. */
  @Column({ name: 'scaip_controller_id', type: 'varchar', nullable: true })
  scaipControllerId: string | null;

  /** A SCAIP sub-device's id within its unit (`did`); null for the unit itself. */
  @Column({ name: 'scaip_sub_device_id', type: 'varchar', nullable: true })
  scaipSubDeviceId: string | null;

  /**
   * SIP digest HA1 of a SCAIP unit: MD5(cid:realm:secret). Digest cannot verify against the
   * scrypt hash, and HA1 is the least it needs (the secret itself is never kept). It unlocks only
   * this unit in this realm; never selected by default, never on Kafka. Null unless active.
   */
  @Column({ name: 'scaip_digest_ha1', type: 'varchar', nullable: true, select: false })
  scaipDigestHa1: string | null;

  @Column({ name: 'credentials_issued_at', type: 'timestamptz', nullable: true })
  credentialsIssuedAt: Date | null;

  /** Increases with every change that alters the device's Kafka record; 0 until first published (same transaction). */
  @Column({ type: 'integer' })
  revision: number;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
