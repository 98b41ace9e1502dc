import { Injectable } from '@nestjs/common';
import {
  effectiveAlarmRules,
  municipalityAlarmRuleDefaultsProblem,
  residentAlarmRulesProblem,
} from '@welfare/contracts';
import type { MunicipalityAlarmRuleDefaults, ResidentAlarmRules } from '@welfare/contracts';
import { DomainError } from '@welfare/platform';
import { Municipality } from '../municipalities/municipality.entity';
import { requireMunicipality } from '../municipalities/municipalities.service';
import { RegistryChanges } from '../outbox/registry-changes';
import { RegistryRecordOutbox } from '../outbox/registry-record-outbox';
import { Resident } from '../residents/resident.entity';
import { requireResident } from '../residents/residents.service';
import { administeredMunicipality, residentsWhere, Tenancy } from '../access/tenancy';
import { AlarmRuleDefaultsDto, ResidentAlarmRulesDto, ResidentAlarmRulesViewDto } from './dto/alarm-rules.dto';

/**
 * A municipality's administrators set alarm rules: defaults for the municipality and a
 * resident's own. A change is published on the registry's topics in its transaction; the
 * response centre applies it from the next event on, without a restart.
 */
@Injectable()
export class AlarmRulesService {
  constructor(
    private readonly changes: RegistryChanges,
    private readonly records: RegistryRecordOutbox,
  ) {}

  async residentRules(tenancy: Tenancy, residentId: string): Promise<ResidentAlarmRulesViewDto> {
    const resident = await requireResident(this.changes.manager, residentId, residentsWhere(tenancy));
    const municipality = await requireMunicipality(this.changes.manager, resident.municipalityId);
    return view(resident, municipality);
  }

  setResidentRules(
    tenancy: Tenancy,
    residentId: string,
    input: ResidentAlarmRulesDto,
  ): Promise<ResidentAlarmRulesViewDto> {
    const rules = checked(plain(input) as ResidentAlarmRules, residentAlarmRulesProblem);
    return this.changes.run(async (manager, at) => {
      await requireResident(manager, residentId, { municipalityId: administeredMunicipality(tenancy) });
      await manager.update(Resident, { id: residentId }, { alarmRules: rules, updatedAt: at });
      await this.records.publishResident(manager, residentId, at);
      const resident = await requireResident(manager, residentId);
      return view(resident, await requireMunicipality(manager, resident.municipalityId));
    });
  }

  async municipalityDefaults(tenancy: Tenancy, municipalityId: string): Promise<AlarmRuleDefaultsDto> {
    return (await requireMunicipality(this.changes.manager, municipalityId, { id: administeredMunicipality(tenancy) }))
      .alarmRuleDefaults;
  }

  setMunicipalityDefaults(
    tenancy: Tenancy,
    municipalityId: string,
    input: AlarmRuleDefaultsDto,
  ): Promise<AlarmRuleDefaultsDto> {
    const defaults = checked(plain(input) as MunicipalityAlarmRuleDefaults, municipalityAlarmRuleDefaultsProblem);
    return this.changes.run(async (manager, at) => {
      await requireMunicipality(manager, municipalityId, { id: administeredMunicipality(tenancy) });
      await manager.update(Municipality, { id: municipalityId }, { alarmRuleDefaults: defaults, updatedAt: at });
      await this.records.publishMunicipality(manager, municipalityId, at);
      return defaults;
    });
  }
}

function view(resident: Resident, municipality: Municipality): ResidentAlarmRulesViewDto {
  return {
    own: resident.alarmRules,
    municipalityDefaults: municipality.alarmRuleDefaults,
    effective: effectiveAlarmRules(resident.alarmRules, municipality.alarmRuleDefaults),
  };
}

/** The DTO as plain JSON: what the response centre will decode (fields left out stay out; null stays null). */
function plain(input: object): unknown {
  return JSON.parse(JSON.stringify(input)) as unknown;
}

/** The same check the response centre applies when it reads the record: never publish what it would refuse. */
function checked<T>(rules: T, problemOf: (value: unknown) => string | null): T {
  const problem = problemOf(rules);
  if (problem) throw new DomainError('invalid', 'invalid_alarm_rules', problem, {});
  return rules;
}
