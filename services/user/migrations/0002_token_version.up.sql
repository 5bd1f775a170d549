-- A user's token version: the gateway writes it into each token it issues and refuses a token of
-- an older version, so raising it (`user revoke`) revokes every token issued before.
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
