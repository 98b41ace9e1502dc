import type { MunicipalityAlarmRuleDefaults } from '@welfare/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A municipality (kommune), served by exactly one response centre. */
@Entity({ name: 'municipalities' })
export class Municipality {
  @PrimaryColumn('uuid')
  id: string;

  /** The official four-digit municipality number (kommunenummer), e.g. 0301; unique. */
  @Column({ type: 'varchar' })
  number: string;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ name: 'response_centre_id', type: 'uuid' })
  responseCentreId: string;

  /** Raised with every published record, so consumers keep the newest. */
  @Column({ type: 'integer', default: 1 })
  revision: number;

  /** Alarm rules for its residents unless a resident has their own. */
  @Column({ name: 'alarm_rule_defaults', type: 'jsonb', default: {} })
  alarmRuleDefaults: MunicipalityAlarmRuleDefaults;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
