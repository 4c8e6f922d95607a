// Module boundaries, enforced by lint (docs/adr/0011-module-boundaries.md):
//   boundaries/inject-model-in-repositories  only a *.repository.ts file injects a Mongoose model
//   boundaries/no-foreign-persistence        no module imports another module's *.repository or *.schema
//   boundaries/connector-private             a connector's folder is private but for the registry file
// Paths in options and messages are relative to the project root (the folder of the nearest package.json).
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, posix, relative, sep } from 'node:path';

/**
 * The options eslint.config.mjs runs the rules with; src/common/lint/boundaries.spec.ts lints with the same.
 * @type {import('eslint').Linter.RulesRecord}
 */
export const boundaryRules = {
  'boundaries/inject-model-in-repositories': 'error',
  'boundaries/no-foreign-persistence': [
    'error',
    {
      // The tenant repository base class: a building block every repository extends, no collection of its own.
      shared: ['src/common/tenancy/tenant.repository.ts'],
      // A unit spec may type a fake of another module's repository (`import { type XRepository }`).
      allowTypeImportsInSpecs: true,
    },
  ],
  'boundaries/connector-private': [
    'error',
    {
      connectorsDir: 'src/modules/connectors',
      // Folders under connectorsDir that are not connectors.
      notConnectors: ['sync', 'oauth'],
      // The one file that imports every installed connector.
      registry: ['src/modules/connectors/installed-connectors.ts'],
    },
  ],
};

/** @type {Map<string, string | undefined>} */
const rootCache = new Map();
/** @type {Map<string, boolean>} */
const moduleDirCache = new Map();

/**
 * The project root: the nearest folder above `file` holding a package.json.
 * @param {string} file absolute path
 * @returns {string | undefined}
 */
function projectRoot(file) {
  const start = dirname(file);
  if (rootCache.has(start)) return rootCache.get(start);
  /** @type {string | undefined} */
  let found;
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      found = dir;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  rootCache.set(start, found);
  return found;
}

/**
 * The file's path relative to the project root, with forward slashes; undefined outside the project.
 * @param {string} file absolute path
 * @returns {{ root: string, path: string } | undefined}
 */
function projectPath(file) {
  const root = projectRoot(file);
  if (root === undefined) return undefined;
  const path = relative(root, file).split(sep).join('/');
  return path.startsWith('..') ? undefined : { root, path };
}

/**
 * Whether a folder (project-relative) holds a `*.module.ts` file.
 * @param {string} root
 * @param {string} dir
 */
function hasModuleFile(root, dir) {
  const key = join(root, dir);
  let found = moduleDirCache.get(key);
  if (found === undefined) {
    try {
      found = readdirSync(key).some((name) => name.endsWith('.module.ts'));
    } catch {
      found = false;
    }
    moduleDirCache.set(key, found);
  }
  return found;
}

/**
 * The module a project-relative file belongs to: the nearest folder above it, under `src/`, holding a
 * `*.module.ts`. Under `src/common/`, each `src/common/<folder>` is a module of its own, whether or not it
 * declares one. Undefined for a file outside `src/`.
 * @param {string} root
 * @param {string} path
 * @returns {string | undefined}
 */
export function moduleOf(root, path) {
  if (!path.startsWith('src/')) return undefined;
  const parts = path.split('/');
  if (parts[1] === 'common' && parts.length === 3) return 'src/common';
  const common = parts[1] === 'common';
  const top = common ? `src/common/${parts[2]}` : 'src';
  for (let dir = posix.dirname(path); dir.length >= top.length; dir = posix.dirname(dir)) {
    if (hasModuleFile(root, dir)) return dir;
    if (dir === top) break;
  }
  return top;
}

/**
 * The project-relative path an import specifier names (without `.ts`/`.js` extension), or undefined for a
 * package import. `#src/x` is `src/x`.
 * @param {string} importer project-relative path of the importing file
 * @param {string} source
 * @returns {string | undefined}
 */
function resolveImport(importer, source) {
  /** @type {string} */
  let target;
  if (source.startsWith('#src/')) target = `src/${source.slice('#src/'.length)}`;
  else if (source === '.' || source === '..' || source.startsWith('./') || source.startsWith('../'))
    target = posix.join(posix.dirname(importer), source);
  else return undefined;
  return posix.normalize(target).replace(/\.(d\.)?[mc]?[jt]s$/, '');
}

/** @typedef {import('@typescript-eslint/types').TSESTree.ImportDeclaration | import('@typescript-eslint/types').TSESTree.ExportNamedDeclaration | import('@typescript-eslint/types').TSESTree.ExportAllDeclaration | import('@typescript-eslint/types').TSESTree.ImportExpression} WithSource */

/**
 * Calls `check(node, source, typeOnly)` for every module specifier in the file: static imports and
 * re-exports, `import x = require()`, `import()` and `typeof import()` types.
 * @param {(node: import('@typescript-eslint/types').TSESTree.Node, source: string, typeOnly: boolean) => void} check
 * @returns {import('eslint').Rule.RuleListener}
 */
function eachImport(check) {
  /** @param {WithSource} node */
  const fromSource = (node) => {
    if (node.source?.type === 'Literal' && typeof node.source.value === 'string') {
      const specifiers = node.specifiers ?? [];
      const typeOnly =
        node.importKind === 'type' ||
        node.exportKind === 'type' ||
        (specifiers.length > 0 &&
          specifiers.every(
            (/** @type {{ importKind?: string, exportKind?: string }} */ s) =>
              s.importKind === 'type' || s.exportKind === 'type',
          ));
      check(node, node.source.value, typeOnly);
    }
  };
  return {
    ImportDeclaration: fromSource,
    ExportNamedDeclaration: fromSource,
    ExportAllDeclaration: fromSource,
    ImportExpression: fromSource,
    /** @param {import('@typescript-eslint/types').TSESTree.TSImportEqualsDeclaration} node */
    TSImportEqualsDeclaration(node) {
      const ref = node.moduleReference;
      if (ref?.type === 'TSExternalModuleReference' && typeof ref.expression?.value === 'string')
        check(node, ref.expression.value, node.importKind === 'type');
    },
    /** @param {import('@typescript-eslint/types').TSESTree.TSImportType} node */
    TSImportType(node) {
      const literal = node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.source;
      if (typeof literal?.value === 'string') check(node, literal.value, true);
    },
  };
}

/** @type {import('eslint').Rule.RuleModule} */
const injectModelInRepositories = {
  meta: {
    type: 'problem',
    docs: { description: 'Only a *.repository.ts file may use @InjectModel: repositories own model access.' },
    schema: [],
    messages: {
      notRepository:
        '@InjectModel in {{file}}: only a *.repository.ts file may inject a Mongoose model. Put this model ' +
        'access in a repository of this module (e.g. {{suggestion}}) and inject that repository here.',
    },
  },
  create(context) {
    const file = basename(context.filename);
    if (file.endsWith('.repository.ts')) return {};
    /** @type {Set<string>} */
    const direct = new Set();
    /** @type {Set<string>} */
    const namespaces = new Set();
    return {
      Program(program) {
        for (const statement of program.body) {
          if (statement.type !== 'ImportDeclaration' || statement.source.value !== '@nestjs/mongoose')
            continue;
          for (const specifier of statement.specifiers) {
            if (specifier.type === 'ImportNamespaceSpecifier') namespaces.add(specifier.local.name);
            else if (
              specifier.type === 'ImportSpecifier' &&
              specifier.imported.type === 'Identifier' &&
              specifier.imported.name === 'InjectModel'
            )
              direct.add(specifier.local.name);
          }
        }
      },
      /** @param {import('@typescript-eslint/types').TSESTree.Decorator} node */
      Decorator(node) {
        const callee = node.expression?.type === 'CallExpression' ? node.expression.callee : node.expression;
        const injects =
          (callee?.type === 'Identifier' && direct.has(callee.name)) ||
          (callee?.type === 'MemberExpression' &&
            callee.object.type === 'Identifier' &&
            namespaces.has(callee.object.name) &&
            callee.property.type === 'Identifier' &&
            callee.property.name === 'InjectModel');
        if (!injects) return;
        const stem = file.replace(/\.spec\.ts$|\.ts$/, '').replace(/\.[^.]+$/, '');
        context.report({
          node,
          messageId: 'notRepository',
          data: { file, suggestion: `${stem}.repository.ts` },
        });
      },
    };
  },
};

/** @type {import('eslint').Rule.RuleModule} */
const noForeignPersistence = {
  meta: {
    type: 'problem',
    docs: {
      description:
        "No module imports another module's *.repository or *.schema file; use a service that module exports.",
    },
    schema: [
      {
        type: 'object',
        properties: {
          shared: { type: 'array', items: { type: 'string' } },
          allowTypeImportsInSpecs: { type: 'boolean' },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      foreign:
        "'{{source}}' is the {{kind}} of module {{target}}, and {{file}} belongs to module {{own}}: a module's " +
        'repositories and schemas are its own. Call a service that {{target}} exports instead.',
    },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const shared = new Set((options.shared ?? []).map((/** @type {string} */ p) => p.replace(/\.ts$/, '')));
    const at = projectPath(context.filename);
    if (at === undefined) return {};
    const own = moduleOf(at.root, at.path);
    if (own === undefined) return {};
    const spec = at.path.endsWith('.spec.ts');
    return eachImport((node, source, typeOnly) => {
      const target = resolveImport(at.path, source);
      if (target === undefined || shared.has(target)) return;
      const kind = target.endsWith('.repository')
        ? 'repository'
        : target.endsWith('.schema')
          ? 'schema'
          : undefined;
      if (kind === undefined) return;
      const targetModule = moduleOf(at.root, `${target}.ts`);
      if (targetModule === undefined || targetModule === own) return;
      if (spec && typeOnly && kind === 'repository' && options.allowTypeImportsInSpecs === true) return;
      context.report({
        node,
        messageId: 'foreign',
        data: { source, kind, target: targetModule, file: at.path, own },
      });
    });
  },
};

/** @type {import('eslint').Rule.RuleModule} */
const connectorPrivate = {
  meta: {
    type: 'problem',
    docs: {
      description: "Nothing outside a connector's folder imports from inside it, except the registry file.",
    },
    schema: [
      {
        type: 'object',
        properties: {
          connectorsDir: { type: 'string' },
          notConnectors: { type: 'array', items: { type: 'string' } },
          registry: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      private:
        "'{{source}}' is inside connector '{{connector}}' ({{folder}}/), which is private to that connector: " +
        'only the registry ({{registry}}) imports it. Reach the connector through the registry and the ' +
        'ConnectorDriver port.',
    },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const connectorsDir = String(options.connectorsDir ?? 'src/modules/connectors').replace(/\/$/, '');
    const notConnectors = new Set(options.notConnectors ?? ['sync']);
    /** @type {string[]} */
    const registry = options.registry ?? [];
    const at = projectPath(context.filename);
    if (at === undefined) return {};
    if (registry.includes(at.path)) return {};
    return eachImport((node, source) => {
      const target = resolveImport(at.path, source);
      if (target === undefined || !target.startsWith(`${connectorsDir}/`)) return;
      const rest = target.slice(connectorsDir.length + 1).split('/');
      // Only a path inside a folder directly under connectorsDir: a file beside the folders is public.
      const connector = rest[0];
      if (rest.length < 2 || connector === undefined || notConnectors.has(connector)) return;
      const folder = `${connectorsDir}/${connector}`;
      if (at.path.startsWith(`${folder}/`)) return;
      context.report({
        node,
        messageId: 'private',
        data: { source, connector, folder, registry: registry.join(', ') || 'none configured' },
      });
    });
  },
};

/** The plugin, registered as `boundaries` in eslint.config.mjs. */
export const boundaries = {
  meta: { name: 'boundaries' },
  rules: {
    'inject-model-in-repositories': injectModelInRepositories,
    'no-foreign-persistence': noForeignPersistence,
    'connector-private': connectorPrivate,
  },
};
