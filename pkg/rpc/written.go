package rpc

import (
	"context"
	"log/slog"
)

// Wrote is the one line every service logs for a write it carried out, the same in all six: the
// message "write", the action ("favorite.like", "comment.post"), whether it changed anything (a
// repeated like, a repeated post or an unfollow of nobody changes nothing) and the ids it
// touched, as key-value pairs named as in the IDL ("user_id", "video_id"). Never the text a user
// wrote, never a credential.
func Wrote(ctx context.Context, log *slog.Logger, action string, changed bool, ids ...any) {
	log.InfoContext(ctx, "write", append([]any{"action", action, "changed", changed}, ids...)...)
}
