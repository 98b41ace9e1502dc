import { VOCABULARY } from '@welfare/contracts';
import { sharedPageFiles, vocabularyModule } from './shared-page-files';

describe('the browser modules both pages share', () => {
  it('serves the client, the translator and the vocabulary of libs/contracts as JavaScript', () => {
    const files = sharedPageFiles();
    expect(Object.keys(files).sort()).toEqual(['i18n.js', 'live-client.js', 'vocabulary.js']);
    for (const file of Object.values(files)) expect(file.type).toBe('text/javascript; charset=utf-8');
    expect(files['live-client.js'].body.toString()).toContain('export function followStream');
  });

  it('turns the vocabulary into a module that holds exactly the same labels', () => {
    const source = vocabularyModule();
    const json = /Object\.freeze\((.*)\);\n$/s.exec(source)?.[1];
    expect(JSON.parse(json!)).toEqual(JSON.parse(JSON.stringify(VOCABULARY)));
    expect(JSON.parse(json!).triggers['gps.left_safe_zone']).toEqual({
      nb: 'Utenfor trygg sone',
      en: 'Left the safe zones',
    });
  });
});
