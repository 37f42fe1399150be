import { documentParams } from '../shared/documents/document-schemas';
import { deleteDocument } from '../shared/documents/documents';
import { endpoint } from '../shared/http/endpoint';

// DELETE /api/v1/spaces/{id}/documents/{doc_id}: record, blob and chunks; If-Match honoured.
endpoint({
  name: 'documents-delete',
  route: 'v1/spaces/{id}/documents/{doc_id}',
  methods: ['DELETE'],
  auth: { scopes: ['documents:write'] },
  params: documentParams,
  ifMatch: true,
  response: null,
  handler: async ({ principal, params, request }) => {
    await deleteDocument(principal.tenantId, params.id, params.doc_id, request.headers.get('if-match'));
    return { status: 204 };
  },
});
