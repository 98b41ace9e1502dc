import 'reflect-metadata';

const SETTING_DOC = 'welfare:setting-doc';

/** What a setting of a config class means to whoever deploys the service. */
export interface SettingDoc {
  /** One or two sentences: what it does, in what unit, and why one would change it. */
  meaning: string;
  /**
   * For a setting with no default that is needed only in some cases (validated under
   * @ValidateIf): when, in words, e.g. "with BROKER_ACCESS=mosquitto-dynsec".
   */
  requiredWhen?: string;
}

/**
 * Documents a setting of a config class, next to its validation and default. The README's
 * configuration table is generated from these (npm run docs:config, scripts/config-table.ts);
 * a setting without one stops the generator. A subclass may document an inherited setting anew
 * (its own meaning for that service) by redeclaring it with @Setting.
 */
export function Setting(meaning: string, options: Omit<SettingDoc, 'meaning'> = {}): PropertyDecorator {
  return (target, property) => Reflect.defineMetadata(SETTING_DOC, { meaning, ...options }, target, property);
}

/** The documentation of a setting as the config class has it (its own, or the nearest base class's). */
export function settingDoc(type: abstract new () => object, property: string): SettingDoc | undefined {
  return Reflect.getMetadata(SETTING_DOC, type.prototype, property) as SettingDoc | undefined;
}
