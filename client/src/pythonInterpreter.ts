// The Python interpreter the Python extension (ms-python.python) selected for a document, when that
// extension is installed: local profiling uses it to export the real model with torch.onnx.export. The
// extension is optional: without it (or without an interpreter) this answers undefined.
import * as vscode from 'vscode';

/** The part of the Python extension's API this reads. */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
  };
}

/** The selected interpreter's path for `resource`, or undefined. */
export async function selectedInterpreter(resource: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const path = api?.environments?.getActiveEnvironmentPath(resource)?.path;
    return path && path !== 'python' ? path : undefined;
  } catch {
    return undefined;
  }
}
