import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DispatchResident } from '@welfare/contracts';

/**
 * What the response centre knows of a resident: the details a nurse needs to get in and help,
 * and the operator sees on the alarm. The registry's residents (registry.residents.v1) are not
 * viewed here yet, so this answers null and dispatch records say `resident: null`, as the
 * contract allows. Wiring the view in means replacing this one method.
 */
@Injectable()
export class ResidentDirectory {
  async find(_manager: EntityManager, _residentId: string | null): Promise<DispatchResident | null> {
    return null;
  }
}
