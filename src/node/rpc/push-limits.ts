/**
 * What one pushing connection (a WebSocket, an event stream) may hold unsent before its reader counts as gone: a
 * reader that stops reading fills the socket, then this, and is cut off; the node's memory does not grow with it.
 */
export const MAX_PUSH_BACKLOG_BYTES = 256 * 1024;
