// Part of `npm run build`: tsc compiles only TypeScript, so the web pages' static files (the
// operator console, the home-care phone page, the browser modules they share) are copied into dist, where the compiled apps
// look for them. Plain JavaScript because it runs before and without the compiled code.
import { cpSync } from 'node:fs';

const folders = [
  'apps/response-centre/src/console/public',
  'apps/home-care/public',
  'libs/web-pages/public',
  'libs/access/src/browser-session/public',
  'apps/response-centre/src/wallboard/public',
  'apps/registry/src/admin-pages/public',
];
for (const folder of folders) cpSync(folder, `dist/${folder}`, { recursive: true });
