-- A send's idempotency key (docs/api.md, "Repeating a write"): NULL when the client sent none.
-- Unique per sender, so that a send repeated with its key cannot store a second message (NULLs
-- never collide in a unique key).
ALTER TABLE messages
  ADD COLUMN request_key VARCHAR(64) NULL DEFAULT NULL,
  ADD UNIQUE KEY uk_messages_from_request (from_user_id, request_key);
