-- The message service's schema as the release before versioned migrations left it. IF NOT
-- EXISTS lets this first migration adopt a schema that gorm AutoMigrate created.

-- A pair is stored as (user_lo, user_hi), the smaller id first, so both directions share the index.
CREATE TABLE IF NOT EXISTS messages (
  id             BIGINT NOT NULL AUTO_INCREMENT,
  user_lo        BIGINT NOT NULL,
  user_hi        BIGINT NOT NULL,
  from_user_id   BIGINT NOT NULL,
  to_user_id     BIGINT NOT NULL,
  create_time_ms BIGINT NOT NULL,
  content        VARCHAR(500) NOT NULL,
  PRIMARY KEY (id),
  KEY idx_messages_pair_time (user_lo, user_hi, create_time_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The latest message of each pair, for the friend list.
CREATE TABLE IF NOT EXISTS latest_messages (
  user_lo        BIGINT NOT NULL,
  user_hi        BIGINT NOT NULL,
  message_id     BIGINT NOT NULL DEFAULT 0,
  from_user_id   BIGINT NOT NULL DEFAULT 0,
  to_user_id     BIGINT NOT NULL DEFAULT 0,
  create_time_ms BIGINT NOT NULL DEFAULT 0,
  content        VARCHAR(500) NOT NULL DEFAULT '',
  PRIMARY KEY (user_lo, user_hi),
  KEY idx_latest_hi_lo (user_hi)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
