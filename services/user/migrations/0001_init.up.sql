-- The user service's schema as the release before versioned migrations left it. IF NOT EXISTS
-- lets this first migration adopt a schema that gorm AutoMigrate created.
CREATE TABLE IF NOT EXISTS users (
  id             BIGINT NOT NULL AUTO_INCREMENT,
  username       VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  password_hash  VARCHAR(100) NOT NULL,
  avatar_key     VARCHAR(255) NOT NULL DEFAULT '',
  background_key VARCHAR(255) NOT NULL DEFAULT '',
  signature      VARCHAR(255) NOT NULL DEFAULT '',
  created_at     DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_users_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
