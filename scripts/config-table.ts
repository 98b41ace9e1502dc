import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { settingDoc } from '@welfare/platform';
import { HomeCareConfig } from '../apps/home-care/src/home-care.config';
import { IngestorConfig } from '../apps/ingestor/src/ingestor.config';
import { RegistryConfig } from '../apps/registry/src/registry.config';
import { ResponseCentreConfig } from '../apps/response-centre/src/response-centre.config';
import { ScaipGatewayConfig } from '../apps/scaip-gateway/src/scaip-gateway.config';

/**
 * The README's configuration table, generated from the services' config classes: every setting
 * they validate at start-up, with its validation (class-validator's decorators), its default
 * (the class's initial value), the services that read it and its meaning (@Setting). Written
 * into README.md by `npm run docs:config`; scripts/config-table.spec.ts fails when the README
 * differs from what this generates.
 */

type ConfigClass = new () => object;

export interface ConfigService {
  /** As the README names the service. */
  name: string;
  type: ConfigClass;
  /** The file the class is in (the spec checks that every apps/<app>/src/*.config.ts is here). */
  source: string;
}

export const CONFIG_SERVICES: readonly ConfigService[] = [
  { name: 'ingestor', type: IngestorConfig, source: 'apps/ingestor/src/ingestor.config.ts' },
  {
    name: 'response centre',
    type: ResponseCentreConfig,
    source: 'apps/response-centre/src/response-centre.config.ts',
  },
  { name: 'registry', type: RegistryConfig, source: 'apps/registry/src/registry.config.ts' },
  { name: 'home care', type: HomeCareConfig, source: 'apps/home-care/src/home-care.config.ts' },
  { name: 'SCAIP gateway', type: ScaipGatewayConfig, source: 'apps/scaip-gateway/src/scaip-gateway.config.ts' },
];

export const TABLE_START =
  '<!-- config-table:start (generated from the config classes by `npm run docs:config`; edit the classes, not this table) -->';
export const TABLE_END = '<!-- config-table:end -->';

/** One setting as one service has it. */
interface SettingOfService {
  service: string;
  name: string;
  default: string;
  validation: string;
  meaning: string;
}

/** The markdown table of every setting of the given services. */
export function configTable(services: readonly ConfigService[] = CONFIG_SERVICES): string {
  const settings = services.flatMap(settingsOf);
  const names = [...new Set(settings.map((setting) => setting.name))];
  // Settings every service reads first, then by where they first appear (base classes first).
  const readers = (name: string) => settings.filter((setting) => setting.name === name);
  names.sort((x, y) => readers(y).length - readers(x).length || names.indexOf(x) - names.indexOf(y));
  const rows = names.flatMap((name) => rowsOf(readers(name), services));
  return [
    `Read by "all": ${services.map((service) => service.name).join(', ')}.`,
    '',
    '| variable | read by | default | validation | meaning |',
    '|---|---|---|---|---|',
    ...rows.map((cells) => `| ${cells.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The README with the table between its markers replaced by `table`. */
export function withConfigTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README.md has no "${TABLE_START}" ... "${TABLE_END}" markers for the configuration table`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}

/**
 * Services that read a setting alike share a row; the default may differ between them (shown per
 * service). A service with its own meaning or validation of it gets a row of its own.
 */
function rowsOf(readers: SettingOfService[], services: readonly ConfigService[]): string[][] {
  const groups = new Map<string, SettingOfService[]>();
  for (const reader of readers) {
    const key = JSON.stringify([reader.validation, reader.meaning]);
    groups.set(key, [...(groups.get(key) ?? []), reader]);
  }
  return [...groups.values()].map((group) => [
    `\`${group[0].name}\``,
    group.length === services.length ? 'all' : group.map((reader) => reader.service).join(', '),
    defaults(group),
    group[0].validation,
    group[0].meaning,
  ]);
}

function defaults(group: SettingOfService[]): string {
  const byValue = new Map<string, string[]>();
  for (const reader of group) byValue.set(reader.default, [...(byValue.get(reader.default) ?? []), reader.service]);
  if (byValue.size === 1) return group[0].default;
  return [...byValue.entries()].map(([value, readers]) => `${value} (${readers.join(', ')})`).join('; ');
}

function settingsOf(service: ConfigService): SettingOfService[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(service.type, '', true, false);
  const byName = new Map<string, ValidationMetadata[]>();
  // Base classes' settings first, each class's in the order it declares them.
  const depth = (target: ValidationMetadata['target']) => {
    let steps = 0;
    for (let type = target as ConfigClass; type && type !== Function.prototype; type = Object.getPrototypeOf(type))
      steps++;
    return steps;
  };
  const ordered = metadata
    .map((entry, index) => ({ entry, index }))
    .sort((x, y) => depth(x.entry.target) - depth(y.entry.target) || x.index - y.index);
  // Decorators apply bottom-up: a setting's rules come last-written first; shown as written.
  for (const { entry } of ordered) byName.set(entry.propertyName, [entry, ...(byName.get(entry.propertyName) ?? [])]);
  const instance = new service.type() as Record<string, unknown>;
  return [...byName.entries()].map(([name, rules]) => {
    const doc = settingDoc(service.type, name);
    if (!doc)
      throw new Error(`${service.source}: setting ${name} has no @Setting('...') saying what it means (README table)`);
    const conditional = rules.some((rule) => rule.type === 'conditionalValidation' && rule.name !== 'isOptional');
    if (conditional && !doc.requiredWhen)
      throw new Error(
        `${service.source}: setting ${name} is validated under @ValidateIf: say when in @Setting's requiredWhen`,
      );
    const value = instance[name];
    const optional = rules.some((rule) => rule.name === 'isOptional');
    return {
      service: service.name,
      name,
      default:
        value !== undefined
          ? code(shown(value))
          : doc.requiredWhen
            ? `required ${doc.requiredWhen}`
            : optional
              ? 'none'
              : 'required',
      validation: validationOf(rules),
      meaning: doc.meaning,
    };
  });
}

/** class-validator's rules in words; a rule not known here is shown by its name. */
function validationOf(rules: ValidationMetadata[]): string {
  const named = (name: string) => rules.filter((rule) => rule.name === name);
  const bound = (name: string) => named(name)[0]?.constraints[0] as number | undefined;
  const [min, max] = [bound('min'), bound('max')];
  const range =
    min !== undefined && max !== undefined
      ? ` ${number(min)}–${number(max)}`
      : min !== undefined
        ? ` ≥ ${number(min)}`
        : max !== undefined
          ? ` ≤ ${number(max)}`
          : '';
  const parts: string[] = [];
  for (const rule of rules) {
    if (rule.type === 'conditionalValidation') continue;
    const each = rule.each ? 'each ' : '';
    switch (rule.name) {
      case 'isInt':
        parts.push(`integer${range}`);
        break;
      case 'isNumber':
        parts.push(`number${range}`);
        break;
      case 'min':
      case 'max':
        if (!rules.some((other) => other.name === 'isInt' || other.name === 'isNumber'))
          parts.push(`${rule.name}${range}`);
        break;
      case 'isString':
        // Said by the other rules when there are any.
        if (rules.filter((other) => other.type !== 'conditionalValidation').length === 1) parts.push('text');
        break;
      case 'isBoolean':
        parts.push('boolean');
        break;
      case 'isIn':
        parts.push(`one of ${(rule.constraints[0] as unknown[]).map((value) => code(String(value))).join(', ')}`);
        break;
      case 'matches':
        parts.push(`${each}matching ${code(String(rule.constraints[0]))}`);
        break;
      case 'isUrl':
        parts.push(`${(rule.constraints[0] as { protocols?: string[] }).protocols?.join('/') ?? 'a'} URL`);
        break;
      case 'minLength':
        parts.push(`at least ${rule.constraints[0]} character${rule.constraints[0] === 1 ? '' : 's'}`);
        break;
      case 'arrayNotEmpty':
        parts.push('a non-empty comma-separated list');
        break;
      default:
        parts.push(
          `${each}${rule.name ?? rule.type}${rule.constraints?.length ? ` ${rule.constraints.map(String).join(', ')}` : ''}`,
        );
    }
  }
  return [...new Set(parts)].join('; ');
}

function shown(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

function number(value: number): string {
  return String(value);
}

function code(text: string): string {
  return `\`${text}\``;
}

/** A table cell: a `|` would end it, a line break would end the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}
