ALTER TABLE comments DROP INDEX uk_comments_user_request, DROP COLUMN request_key;
