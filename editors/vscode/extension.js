// The VS Code client: starts `sfdc lsp` over stdio for .sfd files. Everything
// the editor shows (diagnostics, hover, rename, completion, quick fixes,
// inlay hints, semantic tokens) comes from the server.
'use strict';
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const cfg = vscode.workspace.getConfiguration('sfd');
  const args = ['lsp'];
  const stdlib = cfg.get('server.stdlib');
  if (stdlib) args.push('--stdlib', stdlib);
  const server = { command: cfg.get('server.path') || 'sfdc', args, transport: TransportKind.stdio };
  client = new LanguageClient('sfd', 'sfdc language server', { run: server, debug: server }, {
    documentSelector: [{ scheme: 'file', language: 'sfd' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.sfd') },
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
