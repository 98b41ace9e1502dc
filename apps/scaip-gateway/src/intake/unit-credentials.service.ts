import { Injectable } from '@nestjs/common';
import { ScaipGatewayConfig } from '../scaip-gateway.config';

const CACHE_MS = 30_000;

/**
 * A unit's SIP digest HA1, asked of the registry (which keeps it; it is never on Kafka) and kept
 * here for 30 s, so a rotated or retired secret stops working within that time. Null when the
 * controller id is not an active unit; throws when the registry cannot answer (the unit is then
 * told to try again).
 */
@Injectable()
export class UnitCredentialsService {
  private readonly cache = new Map<string, { ha1: string | null; until: number }>();

  constructor(private readonly config: ScaipGatewayConfig) {}

  async ha1(controllerId: string): Promise<string | null> {
    const cached = this.cache.get(controllerId);
    if (cached && cached.until > Date.now()) return cached.ha1;
    const answer = await fetch(new URL('/api/scaip/digest-credentials', this.config.REGISTRY_URL), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gateway-secret': this.config.SCAIP_GATEWAY_SECRET ?? '' },
      body: JSON.stringify({ controllerId }),
      signal: AbortSignal.timeout(3000),
    });
    if (answer.status !== 200 && answer.status !== 404)
      throw new Error(`registry answered ${answer.status} for digest credentials`);
    const ha1 = answer.status === 200 ? ((await answer.json()) as { ha1: string }).ha1 : null;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(controllerId, { ha1, until: Date.now() + CACHE_MS });
    return ha1;
  }
}
