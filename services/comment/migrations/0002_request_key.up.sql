-- A post's idempotency key (docs/api.md, "Repeating a write"): NULL when the client sent none.
-- Unique per author, so that a post repeated with its key cannot insert a second comment (NULLs
-- never collide in a unique key).
ALTER TABLE comments
  ADD COLUMN request_key VARCHAR(64) NULL DEFAULT NULL,
  ADD UNIQUE KEY uk_comments_user_request (user_id, request_key);
