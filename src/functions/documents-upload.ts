import { getConfig } from '../shared/config';
import { toDocumentDto } from '../shared/documents/document-records';
import { documentDto, spaceParams, uploadQuery } from '../shared/documents/document-schemas';
import { uploadDocument } from '../shared/documents/upload';
import { endpoint } from '../shared/http/endpoint';
import { readIncomingFile } from '../shared/http/file-upload';

/** Room for multipart boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;

// POST /api/v1/spaces/{id}/documents: multipart/form-data (field "file") or the raw file with
// Content-Type and ?filename=. Streams to Blob; 201 for a new document, 200 with the existing one
// when the same bytes are already in the space. Processing happens on the document-processing queue.
endpoint({
  name: 'documents-upload',
  route: 'v1/spaces/{id}/documents',
  methods: ['POST'],
  auth: { scopes: ['documents:write'] },
  params: spaceParams,
  query: uploadQuery,
  bodyMode: 'stream',
  maxBodyBytes: getConfig().DOCUMENT_MAX_BYTES + MULTIPART_OVERHEAD,
  response: documentDto,
  status: [201, 200],
  etag: true,
  errors: ['UNSUPPORTED_MEDIA_TYPE', 'CONFLICT'],
  handler: async ({ principal, params, query, request }) => {
    const { document, created } = await uploadDocument(principal.tenantId, params.id, (maxBytes) => readIncomingFile(request, query.filename, maxBytes));
    return {
      status: created ? 201 : 200,
      data: toDocumentDto(document),
      etag: document._etag,
      headers: { Location: `/api/v1/spaces/${params.id}/documents/${document.id}` },
    };
  },
});
