import contentDisposition from 'content-disposition';
import { createReadSasUrl } from '../shared/adapters/blob';
import { contentQuery, documentParams } from '../shared/documents/document-schemas';
import { getDocument, openDocumentContent } from '../shared/documents/documents';
import { endpoint } from '../shared/http/endpoint';

const SAS_SECONDS = 300;

// GET /api/v1/spaces/{id}/documents/{doc_id}/content: the original bytes (streamed), or with
// ?redirect=true a 302 to a read-only SAS URL valid for five minutes.
endpoint({
  name: 'documents-content',
  route: 'v1/spaces/{id}/documents/{doc_id}/content',
  methods: ['GET'],
  auth: { scopes: ['documents:read'] },
  params: documentParams,
  query: contentQuery,
  response: null,
  raw: {
    contentType: 'application/octet-stream',
    description: 'The original bytes, with their own Content-Type; with ?redirect=true a 302 to a read-only URL valid five minutes.',
  },
  status: [200, 302],
  handler: async ({ principal, params, query }) => {
    if (query.redirect === 'true') {
      const document = await getDocument(principal.tenantId, params.id, params.doc_id);
      const { url } = await createReadSasUrl(document.blobPath, {
        expiresInSeconds: SAS_SECONDS,
        contentDisposition: contentDisposition(document.filename),
      });
      return { raw: { status: 302, headers: { Location: url, 'Cache-Control': 'no-store' } } };
    }
    const { document, stream, contentLength } = await openDocumentContent(principal.tenantId, params.id, params.doc_id);
    const headers: Record<string, string> = {
      'Content-Type': document.contentType,
      'Content-Disposition': contentDisposition(document.filename),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
      ETag: `"${document.sha256}"`,
    };
    if (contentLength !== undefined) headers['Content-Length'] = String(contentLength);
    return { raw: { status: 200, headers, body: stream } };
  },
});
