import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

/** What the page's backend holds for a signed-in browser; never sent to the page. */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
}

export interface StoredSession {
  subject: string;
  tokens: SessionTokens;
  accessExpiresAt: Date;
  endsAt: Date;
}

/** The browser_session table: one row per signed-in browser, found by the hash of its cookie id. */
@Injectable()
export class BrowserSessionStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(id: Buffer, session: StoredSession, now: Date): Promise<void> {
    // Ended sessions go when new ones come: the table stays as small as the people signed in.
    await this.dataSource.query(`DELETE FROM browser_session WHERE ends_at < $1`, [now]);
    await this.dataSource.query(
      `INSERT INTO browser_session (id_hash, subject, sealed_tokens, access_expires_at, ends_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [idHash(id), session.subject, seal(id, session.tokens), session.accessExpiresAt, session.endsAt, now],
    );
  }

  async find(id: Buffer, now: Date): Promise<StoredSession | null> {
    const rows = (await this.dataSource.query(
      `SELECT subject, sealed_tokens, access_expires_at, ends_at FROM browser_session WHERE id_hash = $1 AND ends_at > $2`,
      [idHash(id), now],
    )) as { subject: string; sealed_tokens: Buffer; access_expires_at: Date; ends_at: Date }[];
    const row = rows[0];
    if (!row) return null;
    return {
      subject: row.subject,
      tokens: unseal(id, row.sealed_tokens),
      accessExpiresAt: new Date(row.access_expires_at),
      endsAt: new Date(row.ends_at),
    };
  }

  async renewTokens(id: Buffer, tokens: SessionTokens, accessExpiresAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE browser_session SET sealed_tokens = $2, access_expires_at = $3 WHERE id_hash = $1`,
      [idHash(id), seal(id, tokens), accessExpiresAt],
    );
  }

  async delete(id: Buffer): Promise<void> {
    await this.dataSource.query(`DELETE FROM browser_session WHERE id_hash = $1`, [idHash(id)]);
  }
}

function idHash(id: Buffer): Buffer {
  return createHash('sha256').update('welfare-session-id').update(id).digest();
}

function sealingKey(id: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', id, 'welfare-session', 'tokens', 32));
}

/** AES-256-GCM: nonce, tag, then the ciphertext. */
function seal(id: Buffer, tokens: SessionTokens): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(id), nonce);
  const body = Buffer.concat([cipher.update(JSON.stringify(tokens), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

function unseal(id: Buffer, sealed: Buffer): SessionTokens {
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(id), sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8'));
}
