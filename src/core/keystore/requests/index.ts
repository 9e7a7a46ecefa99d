// Pending certificate requests, beside a key store as gskkyman keeps them: the request layer's door.

export type { PendingRequest, PendingRequestStore, OpenRequestStoreOptions } from './types.js';
export { pendingRequestView, describeRequestKey } from './view.js';
export { requestDatabasePathFor } from './cms-container.js';
export { RequestStore, openRequestStore } from './file-store.js';
export { TokenRequestStore, REQUEST_APPLICATION, RENEWAL_APPLICATION } from './token-store.js';
export { openPendingRequests } from './open.js';
export { createRequest, renewRequest, receiveCertificate, changeRequestStorePassword } from './actions.js';
export type { CreateRequestOptions, CreatedRequest, RenewRequestOptions, ReceiveOptions, ReceiveResult } from './actions.js';
