// Package errno is the project's one error vocabulary. Every business error has a code from the
// range of the service that owns it; the same code travels over Kitex as a business status error
// and reaches the phone as status_code. docs/errors.md lists them all.
package errno

import (
	"errors"
	"fmt"
)

// Error is a business error: a stable code and a message that is safe to show a user.
type Error struct {
	Code int32
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("errno %d: %s", e.Code, e.Msg) }

// Is makes errors.Is match on the code, so a message refined with WithMsg still matches its sentinel.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// WithMsg returns the same code with a more precise message.
func (e *Error) WithMsg(format string, args ...any) *Error {
	return &Error{Code: e.Code, Msg: fmt.Sprintf(format, args...)}
}

// New builds an error from a code and message received from elsewhere (a downstream service).
func New(code int32, msg string) *Error { return &Error{Code: code, Msg: msg} }

// From returns the business error inside err, if there is one.
func From(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Code ranges: 0 success; 10000-10999 common and gateway; then one thousand per service.
const (
	SuccessCode int32 = 0
)

// Common and gateway errors (10000-10999).
var (
	Internal     = &Error{10000, "internal error, please try again later"}
	BadRequest   = &Error{10001, "invalid parameter"}
	Unauthorized = &Error{10002, "please log in: the token is missing, invalid or expired"}
	// ServiceUnavailable is a call that certainly reached no service (no instance, connection
	// refused, circuit breaker open): nothing was done, so sending it again is safe.
	ServiceUnavailable = &Error{10004, "a backend service is unavailable, please try again later"}
	NotFound           = &Error{10005, "no such endpoint"}
	MethodNotAllowed   = &Error{10006, "this endpoint does not accept that HTTP method"}
	// Timeout is a call that ran out of time and was not carried out: a read that took too long, or
	// a write whose service gave up before committing and rolled it back (the deadline travels with
	// the call down to the database, so such a write does not take effect later).
	Timeout = &Error{10007, "the request timed out and was not carried out, please try again"}
	// Busy is the gateway refusing work it cannot start at once, rather than queueing it into a
	// timeout.
	Busy = &Error{10008, "the server is busy, please try again in a moment"}
	// RateLimited is a client sending more requests of a kind than its limit allows.
	RateLimited = &Error{10009, "too many requests, please slow down and try again later"}
	// OutcomeUnknown is a write that reached its service, or may have, and whose answer never came
	// (the connection dropped, the time ran out after sending, the commit's reply was lost): it
	// may have been carried out. Sending it again is safe where the write is idempotent (a like, a
	// follow, a delete, a post with its key or repeated within the window, docs/api.md); look
	// before repeating anything else.
	OutcomeUnknown = &Error{10010, "no answer came in time: the request may have been carried out, check before repeating it"}
)

// User service (11000-11999).
var (
	UserAlreadyExists   = &Error{11001, "username is already taken"}
	UserLoginFailed     = &Error{11002, "wrong username or password"}
	UserNotFound        = &Error{11003, "user does not exist"}
	UserInvalidName     = &Error{11004, "username must be 1 to 32 characters without spaces or control characters"}
	UserInvalidPassword = &Error{11005, "password must be 1 to 32 characters"}
)

// Video service (12000-12999).
var (
	VideoNotFound         = &Error{12001, "video does not exist"}
	VideoTitleRequired    = &Error{12002, "a title is required"}
	VideoInvalidTitle     = &Error{12003, "title must be at most 100 characters on one line"}
	VideoFileRequired     = &Error{12004, "the upload has no video file: send it in the data field"}
	VideoTooLarge         = &Error{12005, "the video file is larger than the upload limit"}
	VideoNotAVideo        = &Error{12006, "the file is not a video: send an MP4, MOV, WebM or Matroska file with a video track"}
	VideoBadUpload        = &Error{12007, "publish takes a multipart/form-data body with the fields data, token and title"}
	VideoAlreadyPublished = &Error{12008, "this media file is already published"}
	VideoOverLimits       = &Error{12009, "the video is larger or longer than the publish limits"}
)

// Favorite service (13000-13999).
var (
	FavoriteInvalidAction = &Error{13001, "action_type must be 1 (like) or 2 (unlike)"}
)

// Comment service (14000-14999).
var (
	CommentNotFound       = &Error{14001, "comment does not exist"}
	CommentInvalidAction  = &Error{14002, "action_type must be 1 (post) or 2 (delete)"}
	CommentInvalidContent = &Error{14003, "comment_text must be 1 to 500 characters and not only spaces"}
	CommentForbidden      = &Error{14004, "only the comment's author or the video's author may delete it"}
)

// Relation service (15000-15999).
var (
	RelationInvalidAction = &Error{15001, "action_type must be 1 (follow) or 2 (unfollow)"}
	RelationFollowSelf    = &Error{15002, "you cannot follow yourself"}
)

// Message service (16000-16999).
var (
	MessageInvalidAction  = &Error{16001, "action_type must be 1 (send)"}
	MessageSelf           = &Error{16002, "you cannot chat with yourself"}
	MessageInvalidContent = &Error{16003, "a message must be 1 to 500 characters and not only spaces"}
)
