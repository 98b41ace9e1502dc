import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A home-care team of one municipality (e.g. one per district); its name is unique there. */
@Entity({ name: 'home_care_teams' })
export class HomeCareTeam {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'municipality_id', type: 'uuid' })
  municipalityId: string;

  @Column({ type: 'varchar' })
  name: string;

  /** Raised with every published record, so consumers keep the newest. */
  @Column({ type: 'integer', default: 1 })
  revision: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
