import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../infra/src/repo-root';

/**
 * The two pages' message files against the pages: both languages have the same keys, and every key the
 * HTML (data-i18n) or the script (t('…')) names exists, so no text shows up as a raw key.
 */
const PAGES = [
  { dir: 'apps/response-centre/src/console/public', scripts: ['console.js'] },
  { dir: 'apps/home-care/public', scripts: ['app.js', 'push.js'] },
  { dir: 'apps/response-centre/src/wallboard/public', scripts: ['wallboard.js'] },
  { dir: 'apps/registry/src/admin-pages/public', scripts: ['admin.js'] },
];

describe.each(PAGES)('messages of $dir', ({ dir, scripts }) => {
  const read = (name: string) => readFileSync(join(repoRoot(), dir, name), 'utf8');
  const nb = JSON.parse(read('messages.nb.json')) as Record<string, string>;
  const en = JSON.parse(read('messages.en.json')) as Record<string, string>;

  it('has the same keys in nb and en, none empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(nb).sort());
    expect(Object.entries({ ...nb, ...en }).filter(([, text]) => !text.trim())).toEqual([]);
  });

  it('has every key the page and its scripts use', () => {
    const html = read('index.html');
    const used = [...html.matchAll(/data-i18n(?:-aria-label|-placeholder)?="([^"]+)"/g)].map((match) => match[1]);
    for (const script of scripts)
      used.push(...[...read(script).matchAll(/\bt\('([a-zA-Z.]+)'/g)].map((match) => match[1]));
    expect(used.length).toBeGreaterThan(20);
    expect([...new Set(used)].filter((key) => !(key in nb))).toEqual([]);
  });
});
