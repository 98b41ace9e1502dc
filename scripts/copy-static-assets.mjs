// Part of `npm run build`: tsc compiles only TypeScript, so the operator console's static files
// (apps/response-centre/src/console/public) are copied next to the compiled controller in dist,
// where it looks for them. Plain JavaScript because it runs before and without the compiled code.
import { cpSync } from 'node:fs';

const folders = ['apps/response-centre/src/console/public'];
for (const folder of folders) cpSync(folder, `dist/${folder}`, { recursive: true });
