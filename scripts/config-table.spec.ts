import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
import { Setting } from '@welfare/platform';
import { CONFIG_SERVICES, configTable, TABLE_END, TABLE_START, withConfigTable } from './config-table';

const root = process.cwd();

describe("README's configuration table", () => {
  it('is what `npm run docs:config` generates from the config classes (run it after changing a setting)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(TABLE_START);
    expect(withConfigTable(readme, configTable())).toBe(readme);
  });

  it("covers every service's config class (apps/<app>/src/*.config.ts)", () => {
    const files = readdirSync(join(root, 'apps')).flatMap((app) =>
      readdirSync(join(root, 'apps', app, 'src'))
        .filter((file) => file.endsWith('.config.ts'))
        .map((file) => `apps/${app}/src/${file}`),
    );
    expect(files.length).toBeGreaterThan(0);
    expect(CONFIG_SERVICES.map((service) => service.source).sort()).toEqual(files.sort());
  });
});

describe('configTable', () => {
  class Base {
    @Setting('how many')
    @IsInt()
    @Min(1)
    @Max(10)
    COUNT: number = 3;

    @Setting('a | b')
    @IsIn(['a|b', 'c'])
    MODE: string = 'c';
  }
  class First extends Base {
    override COUNT = 5;

    @Setting('only sometimes', { requiredWhen: 'with `MODE=c`' })
    @ValidateIf((config: First) => config.MODE === 'c')
    @Matches(/^x+$/)
    SOMETIMES?: string;
  }
  class Second extends Base {
    @Setting('may be left out')
    @IsOptional()
    @Matches(/^y$/)
    OPTIONAL?: string;
  }
  const services = [
    { name: 'first', type: First, source: 'first.ts' },
    { name: 'second', type: Second, source: 'second.ts' },
  ];

  it('has a row per setting: who reads it, defaults per service, validation and meaning, shared ones first', () => {
    expect(configTable(services).split('\n')).toEqual([
      'Read by "all": first, second.',
      '',
      '| variable | read by | default | validation | meaning |',
      '|---|---|---|---|---|',
      '| `COUNT` | all | `5` (first); `3` (second) | integer 1–10 | how many |',
      '| `MODE` | all | `c` | one of `a\\|b`, `c` | a \\| b |',
      '| `SOMETIMES` | first | required with `MODE=c` | matching `/^x+$/` | only sometimes |',
      '| `OPTIONAL` | second | none | matching `/^y$/` | may be left out |',
    ]);
  });

  it('refuses a setting without a meaning, and a conditional one without saying when it is needed', () => {
    class Undocumented {
      @IsInt()
      SILENT: number = 1;
    }
    class Conditional {
      @Setting('sometimes')
      @ValidateIf(() => true)
      @IsInt()
      WHEN?: number;
    }
    expect(() => configTable([{ name: 'x', type: Undocumented, source: 'x.ts' }])).toThrow(/SILENT has no @Setting/);
    expect(() => configTable([{ name: 'x', type: Conditional, source: 'x.ts' }])).toThrow(/WHEN .*requiredWhen/);
  });

  it('replaces only what is between the markers', () => {
    const readme = `before\n${TABLE_START}\nold\n${TABLE_END}\nafter\n`;
    expect(withConfigTable(readme, 'new')).toBe(`before\n${TABLE_START}\nnew\n${TABLE_END}\nafter\n`);
    expect(() => withConfigTable('no markers', 'new')).toThrow(/markers/);
  });
});
