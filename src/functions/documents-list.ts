import { z } from 'zod';
import { toDocumentDto } from '../shared/documents/document-records';
import { documentDto, listDocumentsQuery, spaceParams } from '../shared/documents/document-schemas';
import { listDocumentsPage } from '../shared/documents/documents';
import { endpoint } from '../shared/http/endpoint';

// GET /api/v1/spaces/{id}/documents: newest first, cursor-paginated, optional ?status=.
endpoint({
  name: 'documents-list',
  route: 'v1/spaces/{id}/documents',
  methods: ['GET'],
  auth: { scopes: ['documents:read'] },
  params: spaceParams,
  query: listDocumentsQuery,
  response: z.array(documentDto),
  paginated: true,
  handler: async ({ principal, params, query }) => {
    const page = await listDocumentsPage(principal.tenantId, params.id, query);
    return { data: page.items.map(toDocumentDto), pagination: { cursor: page.cursor, has_next: page.has_next } };
  },
});
