// Extension entry: wires the commands to the audit runner. Activation only registers things; the worker starts on first audit.
import * as vscode from 'vscode';
import { registerAuditCommands } from './auditCommands';
import { AuditDiagnostics } from './auditDiagnostics';
import { AuditRunner } from './auditRunner';
import { AuditStatusBar } from './auditStatusBar';
import { FairframeOutput } from './fairframeOutput';

/** Called by VS Code when a Fairframe command runs or a workspace with a dataset or model opens. */
export function activate(context: vscode.ExtensionContext): void {
  const output = new FairframeOutput();
  const readme = vscode.Uri.joinPath(context.extensionUri, 'README.md');
  const diagnostics = new AuditDiagnostics((rule) => readme.with({ fragment: rule.toLowerCase() }));
  const statusBar = new AuditStatusBar();
  const runner = new AuditRunner(context, output, diagnostics, statusBar);
  context.subscriptions.push(output, diagnostics, statusBar, runner, ...registerAuditCommands(runner));
}

/** Nothing to do: every resource is in context.subscriptions. */
export function deactivate(): void {
  // Disposed through context.subscriptions.
}
