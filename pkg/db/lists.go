package db

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// maxListsPerStatement bounds the branches of one statement of Lists.
const maxListsPerStatement = 100

// noLimit stands for "the whole list" in a branch's LIMIT.
const noLimit = 1 << 62

// ListQuery is how one key's list is read, for Lists.
type ListQuery struct {
	// Branch is one key's SELECT, with two placeholders: the key, then the LIMIT it ends with.
	// It selects the key as k, an entry of the list as v, and the columns Order sorts by.
	Branch string
	// Order sorts the branches' rows back into each list's order, after k: "o DESC".
	Order string
}

// listEntry is a row of Lists' statement: an entry v of k's list.
type listEntry struct{ K, V int64 }

// Lists reads at most limit entries (limit < 0: all) of the list of each of keys with one
// statement per maxListsPerStatement keys: the branches, one per key, each cut by its own LIMIT
// on its own index range, joined by UNION ALL. A cache that missed the lists of several keys
// (the viewers of a batch of pages) reads them in one round trip, not one each. Every key has a
// list in the answer, empty when it has none.
func Lists(ctx context.Context, gdb *gorm.DB, q ListQuery, keys []int64, limit int) (map[int64][]int64, error) {
	if limit < 0 {
		limit = noLimit
	}
	out := make(map[int64][]int64, len(keys))
	distinct := make([]int64, 0, len(keys))
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			out[k] = []int64{}
			distinct = append(distinct, k)
		}
	}
	keys = distinct
	for start := 0; start < len(keys); start += maxListsPerStatement {
		part := keys[start:min(start+maxListsPerStatement, len(keys))]
		branch := "(" + q.Branch + ")"
		stmt := "SELECT k, v FROM (" + strings.Repeat(branch+" UNION ALL ", len(part)-1) + branch +
			") AS lists ORDER BY k, " + q.Order
		args := make([]any, 0, 2*len(part))
		for _, k := range part {
			args = append(args, k, limit)
		}
		var rows []listEntry
		if err := gdb.WithContext(ctx).Raw(stmt, args...).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("read %d lists: %w", len(part), err)
		}
		for _, r := range rows {
			out[r.K] = append(out[r.K], r.V)
		}
	}
	return out, nil
}
