// Builds the operator CLI (cli/main.ts) into plain JavaScript with esbuild, so `optout-hub` runs
// on Node alone: npm's `prepare` script runs this on `npm ci`/`npm install` (with or without
// --omit=dev), and bin/optout-hub.mjs runs it again when a source changed since the last build.
// Plain JavaScript itself, because it runs before anything could compile TypeScript.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Where `npm ci` puts the CLI, and the file the launcher imports. */
export const defaultOutdir = join(root, 'dist', 'cli');
export const entryFile = (outdir = defaultOutdir) => join(outdir, 'main.mjs');
const inputsFile = (outdir) => join(outdir, 'inputs.json');

const builtins = new Set(builtinModules);
const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

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
      const where = importer ? ` (imported by ${relative(root, importer)})` : '';
      return { errors: [{ text: `"${name}" is not a production dependency in package.json, so the installed CLI could not load it${where}.` }] };
    });
  },
};

/** Replaces `path` in one step, so a reader never sees a file half written. */
function writeAtomically(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

// Files of earlier builds are removed only this long after they were replaced: a command
// started before may still load one of its lazy chunks.
const KEEP_REPLACED_MS = 24 * 60 * 60 * 1000;

/**
 * Bundles cli/main.ts (or `source`) into `outdir`: main.mjs plus the chunks its lazy imports
 * load. Several commands may rebuild at once (tests run them in parallel), so nothing is deleted
 * or overwritten in place: chunk names carry a hash of their content, and main.mjs, written
 * last, switches to the new build in one rename.
 */
export async function buildCli(outdir = defaultOutdir, { source = 'cli/main.ts', logLevel = 'error' } = {}) {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: source },
    outdir,
    bundle: true,
    // Commands import the AWS SDK and the store lazily, so `help` loads less: keep that.
    splitting: true,
    format: 'esm',
    platform: 'node',
    // The oldest Node package.json's engines accepts.
    target: 'node20.11',
    // .mjs, so the files are ES modules wherever they are put, with or without a package.json.
    outExtension: { '.js': '.mjs' },
    plugins: [productionDependenciesOnly],
    metafile: true,
    write: false,
    logLevel,
  });
  mkdirSync(outdir, { recursive: true });
  const entry = entryFile(outdir);
  const written = new Set([entry, inputsFile(outdir)]);
  for (const file of result.outputFiles) {
    if (file.path === entry) continue;
    writeAtomically(file.path, file.contents);
    written.add(file.path);
  }
  writeAtomically(inputsFile(outdir), `${JSON.stringify(Object.keys(result.metafile.inputs).sort(), null, 2)}\n`);
  writeAtomically(entry, result.outputFiles.find((file) => file.path === entry).contents);
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name);
    if (!written.has(path) && name.endsWith('.mjs') && Date.now() - statSync(path).mtimeMs > KEEP_REPLACED_MS) rmSync(path, { force: true });
  }
  return entry;
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
