-- Retention finds refused requests and old idempotency keys through indexes
-- of their own. Without them every prune batch read the whole inbox, which
-- also holds each accepted request: at a million executions, a batch read a
-- gigabyte and held the writer for tens of milliseconds.
CREATE INDEX inbox_refused ON inbox(flow_id, received_at) WHERE execution_id IS NULL;
CREATE INDEX idempotency_by_time ON idempotency(created_at);

-- Only requests that named no flow are listed by the name they used, so
-- accepted requests no longer pay for an entry in this index.
DROP INDEX inbox_by_key;
CREATE INDEX inbox_by_key ON inbox(flow_key, received_at DESC) WHERE flow_id IS NULL;
