#!/usr/bin/env node
import { readRawConfig } from '@banca/core/config';
import { exitOnStartupError, runService } from '@banca/server-kit/run-service';
import { buildApp } from './app.js';
import { loadDossierConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadDossierConfig(readRawConfig(process.argv, process.env));
  const app = await buildApp(config);
  await runService(app, { service: 'dossier', host: config.host, port: config.port, shutdownTimeoutMs: config.shutdownTimeoutMs });
}

main().catch(exitOnStartupError('dossier'));
