ALTER TABLE messages DROP INDEX uk_messages_from_request, DROP COLUMN request_key;
