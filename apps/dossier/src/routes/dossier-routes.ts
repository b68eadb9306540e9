// A person's dossier by CPF or CNPJ, for holders of a dossier:read token: accounts at every bank
// and the credit registry's records, each source with its status. Every read is logged with who
// made it (the document masked).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { maskDocument } from '@banca/core/documents';
import type { AccessVerifier } from '../application/access-verifier.js';
import { DossierSchema, type DossierBuilder } from '../application/dossier-builder.js';
import { authorize } from './bearer-auth.js';

export const DOSSIER_SCOPE = 'dossier:read';

export function registerDossierRoutes(app: FastifyInstance, builder: DossierBuilder, verifier: AccessVerifier): void {
  app.get<{ Params: { document: string } }>('/v1/dossiers/:document', {
    schema: {
      tags: ['dossiers'],
      summary: "A person's dossier: accounts at every bank and the credit registry's debts, assets and incomes; a source that does not answer is listed as such (complete: false)",
      params: Type.Object({ document: Type.String({ maxLength: 32, description: 'CPF or CNPJ, with or without punctuation' }) }),
      response: { 200: DossierSchema },
      security: [{ bearer: [] }],
    },
  }, async (request, reply) => {
    const principal = await authorize(request, reply, verifier, DOSSIER_SCOPE);
    const dossier = await builder.build(request.params.document);
    request.log.info({ subject: principal.subject, clientId: principal.clientId, document: maskDocument(dossier.document), complete: dossier.complete }, 'dossier read');
    return reply.header('cache-control', 'no-store').send(dossier);
  });
}
