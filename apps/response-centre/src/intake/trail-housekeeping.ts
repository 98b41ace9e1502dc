import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { PeriodicSweep } from '@welfare/platform';
import { PositionsRepository } from '../resident-rules/positions.repository';

/**
 * Keeps each tracker's trail at its length off the per-event path: the intake notes which
 * devices' trails grew, and every 10 s their oldest positions past the trail's length are
 * dropped in one statement. A restart forgets the notes; such a trail is trimmed the next
 * time it grows.
 */
@Injectable()
export class TrailHousekeeping {
  private readonly logger = new Logger(TrailHousekeeping.name);
  private readonly periodicSweep = new PeriodicSweep(this.logger, 'trail trimming');
  private grown = new Set<string>();

  constructor(private readonly positions: PositionsRepository) {}

  grew(deviceIds: string[]): void {
    for (const deviceId of deviceIds) this.grown.add(deviceId);
  }

  @Interval('trail-trimming', 10_000)
  sweep(): Promise<number> {
    return this.periodicSweep.run(() => this.trim());
  }

  /** Trims the trails that grew since the last time; returns how many positions were dropped. */
  async trim(): Promise<number> {
    const deviceIds = [...this.grown];
    this.grown = new Set();
    try {
      return await this.positions.trimTrails(deviceIds);
    } catch (error) {
      deviceIds.forEach((deviceId) => this.grown.add(deviceId));
      throw error;
    }
  }
}
