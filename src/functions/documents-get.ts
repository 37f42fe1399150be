import { toDocumentDto } from '../shared/documents/document-records';
import { documentDto, documentParams } from '../shared/documents/document-schemas';
import { getDocument } from '../shared/documents/documents';
import { endpoint } from '../shared/http/endpoint';

// GET /api/v1/spaces/{id}/documents/{doc_id}: the record, with its processing status.
endpoint({
  name: 'documents-get',
  route: 'v1/spaces/{id}/documents/{doc_id}',
  methods: ['GET'],
  auth: { scopes: ['documents:read'] },
  params: documentParams,
  response: documentDto,
  etag: true,
  handler: async ({ principal, params }) => {
    const document = await getDocument(principal.tenantId, params.id, params.doc_id);
    return { data: toDocumentDto(document), etag: document._etag };
  },
});
