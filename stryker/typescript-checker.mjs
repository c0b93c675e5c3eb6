/**
 * A Stryker checker: a mutant that does not type-check (tsconfig.json, strict) is a compile
 * error and is left out of the score, as `npm test` would never run it. It checks the mutated
 * file and the files that import it, with a TypeScript language service kept warm between
 * mutants.
 */

import path from 'node:path';
import { CheckStatus } from '@stryker-mutator/api/check';
import { commonTokens, declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';
import ts from 'typescript';

/** The offset of a zero-based line and column in `text`. */
function offsetOf(text, { line, column }) {
  let offset = 0;
  for (let i = 0; i < line; i++) offset = text.indexOf('\n', offset) + 1;
  return offset + column;
}

class TypeScriptChecker {
  static inject = [commonTokens.logger];
  /** The project's files as they were when the run started (the sandbox's copy). */
  #originals = new Map();
  /** Mutated text per file while a mutant is checked. */
  #overrides = new Map();
  #versions = new Map();
  /** File → the project files that import it. */
  #importers = new Map();

  constructor(log) {
    this.log = log;
  }

  async init() {
    const configPath = ts.findConfigFile(process.cwd(), ts.sys.fileExists, 'tsconfig.json');
    const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configPath));
    const fileNames = parsed.fileNames.map((f) => path.resolve(f));
    // Read once: the working tree may change while the run goes on.
    for (const file of fileNames) this.#originals.set(file, ts.sys.readFile(file) ?? '');
    const host = {
      getScriptFileNames: () => fileNames,
      getScriptVersion: (f) => String(this.#versions.get(path.resolve(f)) ?? 0),
      getScriptSnapshot: (f) => {
        const file = path.resolve(f);
        const text = this.#overrides.get(file) ?? this.#originals.get(file) ?? ts.sys.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => process.cwd(),
      getCompilationSettings: () => parsed.options,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
    for (const [file, text] of this.#originals) {
      for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), fileName.replace(/\.js$/, '.ts'));
        const list = this.#importers.get(target) ?? [];
        list.push(file);
        this.#importers.set(target, list);
      }
    }
    const errors = this.#diagnostics(fileNames);
    if (errors.length > 0) {
      throw new Error(`The project does not type-check without mutants:\n${errors.join('\n')}`);
    }
  }

  async check(mutants) {
    const results = {};
    for (const mutant of mutants) {
      const file = path.resolve(mutant.fileName);
      const original = this.#originals.get(file);
      if (original === undefined) {
        results[mutant.id] = { status: CheckStatus.Passed };
        continue;
      }
      const start = offsetOf(original, mutant.location.start);
      const end = offsetOf(original, mutant.location.end);
      this.#set(file, original.slice(0, start) + mutant.replacement + original.slice(end));
      try {
        const errors = this.#diagnostics([file, ...(this.#importers.get(file) ?? [])]);
        results[mutant.id] =
          errors.length === 0
            ? { status: CheckStatus.Passed }
            : { status: CheckStatus.CompileError, reason: errors[0] };
      } finally {
        this.#set(file, undefined);
      }
    }
    return results;
  }

  #set(file, text) {
    if (text === undefined) this.#overrides.delete(file);
    else this.#overrides.set(file, text);
    this.#versions.set(file, (this.#versions.get(file) ?? 0) + 1);
  }

  #diagnostics(files) {
    return files.flatMap((file) =>
      [
        ...this.service.getSyntacticDiagnostics(file),
        ...this.service.getSemanticDiagnostics(file),
      ].map((d) => {
        const where = d.file
          ? `${path.relative(process.cwd(), d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
          : '';
        return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
      }),
    );
  }
}

export const strykerPlugins = [
  declareClassPlugin(PluginKind.Checker, 'typescript-lite', TypeScriptChecker),
];
