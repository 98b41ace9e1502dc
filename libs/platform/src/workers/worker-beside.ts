import { Worker } from 'node:worker_threads';

/**
 * Starts the worker-thread module `name` that sits beside the caller (`callerUrl`: the caller's
 * `import.meta.url`). From dist (`npm run build`) that is the compiled `name.js`. From the
 * TypeScript sources (the tests, under ts-jest) Node cannot load .ts on its own: the worker then
 * registers a loader that transpiles each .ts file as it is imported (decorator metadata
 * included, for Nest) and resolves the `@welfare/*` paths of tsconfig.json.
 */
export function startWorkerBeside(callerUrl: string, name: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  const bootstrap = `
    import('node:module').then(({ register }) => {
      register(${JSON.stringify(TS_LOADER)}, { data: { base: ${JSON.stringify(callerUrl)} } });
      return import(${JSON.stringify(new URL(`./${name}.ts`, callerUrl).href)});
    }).catch((error) => { console.error(error); process.exit(1); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * An ES module loader (as a data: URL) for the sources: extensionless relative imports find
 * their .ts (or index.ts), `@welfare/<lib>[/<path>]` resolves through tsconfig.json's paths.
 */
const TS_LOADER = `data:text/javascript,${encodeURIComponent(`
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
let ts;
let root;
let aliases = [];
export function initialize({ base }) {
  ts = createRequire(base)('typescript');
  root = dirname(fileURLToPath(base));
  while (!existsSync(join(root, 'tsconfig.json'))) root = dirname(root);
  const config = ts.parseConfigFileTextToJson('tsconfig.json', readFileSync(join(root, 'tsconfig.json'), 'utf8')).config;
  aliases = Object.entries(config.compilerOptions.paths ?? {}).map(([alias, [target]]) => [alias, target]);
}
function sourceFile(path) {
  for (const candidate of [path + '.ts', join(path, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return null;
}
export async function resolve(specifier, context, next) {
  if (/^\\.\\.?\\//.test(specifier) && context.parentURL?.endsWith('.ts') && !/\\.[cm]?[jt]s$/.test(specifier)) {
    const file = sourceFile(fileURLToPath(new URL(specifier, context.parentURL)));
    if (file) return { url: pathToFileURL(file).href, shortCircuit: true };
  }
  for (const [alias, target] of aliases) {
    const wildcard = alias.endsWith('/*');
    const prefix = wildcard ? alias.slice(0, -1) : alias;
    if (wildcard ? !specifier.startsWith(prefix) : specifier !== alias) continue;
    const path = join(root, wildcard ? target.slice(0, -1) + specifier.slice(prefix.length) : target);
    const file = sourceFile(path);
    if (file) return { url: pathToFileURL(file).href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const { outputText } = ts.transpileModule(readFileSync(fileURLToPath(url), 'utf8'), {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      sourceMap: false,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
`)}`;
