// Package validate checks the ids a request names the same way in every service: an id is a
// positive integer, and one that is not is the caller's mistake, answered with errno.BadRequest
// naming the field it came in. It also holds the one rule for text users write for others to
// read (Text: comments and messages), which each service answers with its own code. The ids of
// batch calls are read by pkg/idbatch; each service's biz.Action validates its own action_type
// (its code is the service's own).
package validate

import "simpletiktok/pkg/errno"

// ID returns nil for a positive id, and otherwise errno.BadRequest naming field. Several ids are
// checked at once with cmp.Or, which returns the first failure:
//
//	if err := cmp.Or(validate.ID("user_id", u), validate.ID("video_id", v)); err != nil {
func ID(field string, id int64) error {
	if id <= 0 {
		return errno.BadRequest.WithMsg("%s must be a positive integer", field)
	}
	return nil
}
