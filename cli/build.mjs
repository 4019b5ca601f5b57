// Builds the operator CLI (cli/main.ts) into plain JavaScript with esbuild, so `optout-hub` runs
// on Node alone: npm's `prepare` script runs this on `npm ci`/`npm install` (with or without
// --omit=dev), and bin/optout-hub.mjs runs it again when a source changed since the last build.
// Plain JavaScript itself, because it runs before anything could compile TypeScript.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Where `npm ci` puts the CLI, and the file the launcher imports. */
export const defaultOutdir = join(root, 'dist', 'cli');
export const entryFile = (outdir = defaultOutdir) => join(outdir, 'main.mjs');
const inputsFile = (outdir) => join(outdir, 'inputs.json');

const builtins = new Set(builtinModules);
const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/**
 * Packages stay imports, resolved from node_modules at run time, and only production
 * dependencies may be imported: a devDependency is absent after `npm ci --omit=dev`, so
 * importing one fails the build here instead of the operator's command later.
 */
const productionDependenciesOnly = {
  name: 'production-dependencies-only',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path, importer }) => {
      if (path.startsWith('node:') || builtins.has(path)) return { path, external: true };
      const name = packageName(path);
      if (Object.hasOwn(manifest.dependencies ?? {}, name)) return { path, external: true };
      const where = importer ? ` (imported by ${importer.slice(root.length + 1)})` : '';
      return { errors: [{ text: `"${name}" is not a production dependency in package.json, so the installed CLI could not load it${where}.` }] };
    });
  },
};

/** Bundles cli/main.ts into `outdir` (main.mjs plus the chunks its lazy imports load). */
export async function buildCli(outdir = defaultOutdir) {
  const { build } = await import('esbuild');
  mkdirSync(outdir, { recursive: true });
  // Chunk names change with their content: drop the previous build's files, and only those.
  for (const file of readdirSync(outdir)) if (file.endsWith('.mjs') || file === 'inputs.json') rmSync(join(outdir, file));
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'cli/main.ts' },
    outdir,
    bundle: true,
    // Commands import the AWS SDK and the store lazily, so `help` loads neither: keep that.
    splitting: true,
    format: 'esm',
    platform: 'node',
    // The oldest Node package.json's engines accepts.
    target: 'node20.11',
    // .mjs, so the files are ES modules wherever they are put, with or without a package.json.
    outExtension: { '.js': '.mjs' },
    plugins: [productionDependenciesOnly],
    metafile: true,
    logLevel: 'error',
  });
  writeFileSync(inputsFile(outdir), `${JSON.stringify(Object.keys(result.metafile.inputs).sort(), null, 2)}\n`);
  return entryFile(outdir);
}

/** Whether `outdir` holds no build, or one older than a source it was built from. */
export function isStale(outdir = defaultOutdir) {
  let inputs;
  let builtAt;
  try {
    inputs = JSON.parse(readFileSync(inputsFile(outdir), 'utf8'));
    builtAt = statSync(entryFile(outdir)).mtimeMs;
  } catch {
    return true;
  }
  // A source that is gone (an install without them) leaves the build as it is.
  return inputs.some((input) => existsSync(join(root, input)) && statSync(join(root, input)).mtimeMs > builtAt);
}

// `node cli/build.mjs [OUTDIR]`
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    await buildCli(process.argv[2] ? resolve(process.argv[2]) : defaultOutdir);
  } catch (error) {
    // esbuild has already printed each error with its location.
    if (!error?.errors) console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
