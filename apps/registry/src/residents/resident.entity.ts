import type { ResidentAlarmRules, ResidentContact } from '@welfare/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A person living at home with welfare technology. */
@Entity({ name: 'residents' })
export class Resident {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ type: 'varchar' })
  address: string;

  @Column({ name: 'municipality_id', type: 'uuid' })
  municipalityId: string;

  /** Must belong to the resident's municipality (the database enforces it). */
  @Column({ name: 'home_care_team_id', type: 'uuid', nullable: true })
  homeCareTeamId: string | null;

  /** Where the key box is, for home care and emergency services. */
  @Column({ name: 'key_box', type: 'varchar', nullable: true })
  keyBox: string | null;

  /** A hint only, never the code itself. */
  @Column({ name: 'door_code_hint', type: 'varchar', nullable: true })
  doorCodeHint: string | null;

  @Column({ name: 'access_note', type: 'varchar', nullable: true })
  accessNote: string | null;

  /** Contacts and next of kin in call order. */
  @Column({ type: 'jsonb' })
  contacts: ResidentContact[];

  @Column({ name: 'care_note', type: 'varchar', nullable: true })
  careNote: string | null;

  /** Raised with every published record, so consumers keep the newest. */
  @Column({ type: 'integer', default: 1 })
  revision: number;

  /** The resident's own alarm rules; what is left out comes from the municipality's defaults. */
  @Column({ name: 'alarm_rules', type: 'jsonb', default: {} })
  alarmRules: ResidentAlarmRules;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
