// Package migrations holds the relation service's schema as numbered SQL migrations, embedded in the
// binary and applied by `relation -migrate-only` before the service starts (docs/operations.md,
// "Schema migrations"). Add a change as the next NNNN_title.up.sql and its .down.sql here.
package migrations

import (
	"embed"
	"io/fs"
)

// files is read-only: go:embed only works on a package-level variable.
//
//go:embed *.sql
var files embed.FS

// FS returns the migrations, NNNN_title.up.sql and NNNN_title.down.sql for each version NNNN.
func FS() fs.FS { return files }
