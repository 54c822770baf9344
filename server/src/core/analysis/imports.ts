// What the CLI and the language server need to follow a file's imports, from the analysis layer:
// source files on disk, the user's Python environment, the parse cache of imported files.
export { diskFiles, type ImportPaths, type SourceFiles } from '../interpreter/python/imports/moduleFinder';
export { pythonEnvironment, type PythonEnvironment } from '../interpreter/python/imports/pythonEnvironment';
export { ParsedModules, type ImportOptions } from '../interpreter/python/imports/sourceModules';
