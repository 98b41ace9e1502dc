import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SCAIP alarm units: a device may carry the controller id (`cid`) its unit sends and, for a
 * sub-device, its `did`. One device per (cid, did) pair, the unit itself having no did; the
 * SCAIP gateway maps messages to devices by them (published on registry.devices.v1 as `scaip`).
 * A unit's SIP digest HA1 is kept beside its MQTT secret's scrypt hash, for the gateway only.
 */
export class ScaipUnits1764700000000 implements MigrationInterface {
  name = 'ScaipUnits1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE devices ADD COLUMN scaip_controller_id varchar NULL
      CHECK (scaip_controller_id ~ '^[0-9]{1,16}$')`);
    await queryRunner.query(`ALTER TABLE devices ADD COLUMN scaip_sub_device_id varchar NULL
      CHECK (scaip_sub_device_id IS NULL OR (scaip_sub_device_id ~ '^[A-Za-z0-9]{1,8}$' AND scaip_controller_id IS NOT NULL))`);
    // HA1 = MD5(cid:realm:secret), what SIP digest needs to verify a unit (the protocol gives no
    // slower hash); never selected by default, never published.
    await queryRunner.query(`ALTER TABLE devices ADD COLUMN scaip_digest_ha1 varchar NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX devices_scaip_identity_unique
      ON devices (scaip_controller_id, coalesce(scaip_sub_device_id, '')) WHERE scaip_controller_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX devices_scaip_identity_unique`);
    await queryRunner.query(`ALTER TABLE devices DROP COLUMN scaip_digest_ha1`);
    await queryRunner.query(`ALTER TABLE devices DROP COLUMN scaip_sub_device_id`);
    await queryRunner.query(`ALTER TABLE devices DROP COLUMN scaip_controller_id`);
  }
}
