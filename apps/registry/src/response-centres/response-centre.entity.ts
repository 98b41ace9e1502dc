import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An inter-municipal response centre; it serves one or more municipalities. */
@Entity({ name: 'response_centres' })
export class ResponseCentre {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
