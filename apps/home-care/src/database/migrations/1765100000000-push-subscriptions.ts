import { MigrationInterface, QueryRunner } from 'typeorm';

/** Nurses' phones that allowed Web Push: a new dispatch for their team rings them. */
export class PushSubscriptions1765100000000 implements MigrationInterface {
  name = 'PushSubscriptions1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE push_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint text NOT NULL UNIQUE,
        p256dh varchar(100) NOT NULL,
        auth varchar(50) NOT NULL,
        home_care_team_id uuid NOT NULL,
        nurse_id varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )
    `);
    // A new dispatch rings every phone of its team.
    await queryRunner.query(`CREATE INDEX push_subscriptions_team ON push_subscriptions (home_care_team_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE push_subscriptions`);
  }
}
