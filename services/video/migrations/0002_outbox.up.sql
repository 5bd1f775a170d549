-- The outbox: a message to relay to the queue (NATS JetStream), written in the transaction of the
-- row that causes it (a published video writes its cover job here). The relay reads the unsent
-- rows in id order (idx_outbox_pending: sent_at IS NULL), publishes each with the message id
-- "<subject>-<id>", sets sent_at once the server acknowledged it, and deletes rows sent more than
-- a day ago. trace is the text map of the span that wrote the row, as JSON.
CREATE TABLE IF NOT EXISTS outbox (
  id         BIGINT NOT NULL AUTO_INCREMENT,
  subject    VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  payload    VARBINARY(2048) NOT NULL,
  trace      VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  created_at DATETIME(3) NOT NULL,
  sent_at    DATETIME(3) NULL,
  PRIMARY KEY (id),
  KEY idx_outbox_pending (sent_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
