// Package apidocs serves the API's documentation: the OpenAPI description of the contract
// (openapi.yaml, embedded) and a Swagger UI page that renders it, at /docs. The page's assets come
// from the swagger-ui-dist build that the Go module github.com/swaggest/swgui embeds; only the
// page itself (ui/) is ours. Everything is served from memory, compressed once, with an ETag, and
// without a token or the admission of the API's endpoints: reading the docs costs next to nothing.
package apidocs

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/route"
	swaggerui "github.com/swaggest/swgui/v5/static"
	"gopkg.in/yaml.v3"

	"simpletiktok/pkg/errno"
)

// Path is the page; the spec and the page's assets are served under Path + "/".
const Path = "/docs"

// The spec as the gateway serves it: SpecYAML as written, SpecJSON converted from it.
const (
	SpecYAML = "openapi.yaml"
	SpecJSON = "openapi.json"
)

//go:embed openapi.yaml
var spec []byte

//go:embed ui
var page embed.FS

// Spec returns the OpenAPI description (YAML) that /docs serves.
func Spec() []byte { return bytes.Clone(spec) }

// Register serves the page at /docs and /docs/, the spec at /docs/openapi.yaml and
// /docs/openapi.json, and the page's assets beside them, for GET and HEAD.
func Register(r route.IRoutes) {
	files := catalog()
	serve := func(ctx context.Context, c *app.RequestContext) {
		name := strings.TrimPrefix(c.Param("file"), "/")
		if name == "" {
			name = "index.html"
		}
		f, found := files[name]
		if !found {
			c.JSON(http.StatusNotFound, map[string]any{"status_code": errno.NotFound.Code, "status_msg": errno.NotFound.Msg})
			return
		}
		f.serve(c)
	}
	for _, p := range []string{Path, Path + "/*file"} {
		r.GET(p, serve)
		r.HEAD(p, serve)
	}
}

// catalog lists what /docs/ serves, by name. Nothing is read or compressed until it is asked for.
func catalog() map[string]*file {
	files := map[string]*file{
		SpecYAML: newFile(SpecYAML, func() ([]byte, error) { return spec, nil }, false),
		SpecJSON: newFile(SpecJSON, specJSON, false),
	}
	for _, name := range []string{"index.html", "index.js"} {
		files[name] = newFile(name, func() ([]byte, error) { return page.ReadFile("ui/" + name) }, false)
	}
	// The Swagger UI build, some files stored compressed (name.gz): served under their own name.
	entries, _ := fs.ReadDir(swaggerui.FS, ".")
	for _, e := range entries {
		stored := e.Name()
		if e.IsDir() || path.Ext(stored) == ".go" {
			continue
		}
		name := strings.TrimSuffix(stored, ".gz")
		files[name] = newFile(name, func() ([]byte, error) { return fs.ReadFile(swaggerui.FS, stored) }, name != stored)
	}
	return files
}

// specJSON is the spec converted to JSON, for tools that do not read YAML.
func specJSON() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}

// file is one thing /docs/ serves, prepared (read, compressed or uncompressed, hashed) at its
// first request.
type file struct {
	contentType, cacheControl string
	prepare                   func() (*prepared, error)
}

type prepared struct {
	plain, gzipped []byte
	etag           string
}

func newFile(name string, read func() ([]byte, error), compressed bool) *file {
	f := &file{contentType: contentType(name), cacheControl: "no-cache"}
	if name != SpecYAML && name != SpecJSON && !strings.HasPrefix(name, "index.") {
		// The Swagger UI build changes only with the module version, that is with the gateway's
		// binary: a day in a browser's cache is safe. The page and the spec are revalidated.
		f.cacheControl = "public, max-age=86400"
	}
	f.prepare = sync.OnceValues(func() (*prepared, error) {
		stored, err := read()
		if err != nil {
			return nil, err
		}
		p := &prepared{}
		if compressed {
			p.gzipped = stored
			if p.plain, err = gunzip(stored); err != nil {
				return nil, err
			}
		} else {
			p.plain, p.gzipped = stored, gzipBytes(stored)
		}
		sum := sha256.Sum256(p.plain)
		p.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
		return p, nil
	})
	return f
}

func (f *file) serve(c *app.RequestContext) {
	p, err := f.prepare()
	if err != nil {
		c.JSON(http.StatusInternalServerError, map[string]any{"status_code": errno.Internal.Code, "status_msg": errno.Internal.Msg})
		return
	}
	h := &c.Response.Header
	h.Set("ETag", p.etag)
	h.Set("Cache-Control", f.cacheControl)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(f.contentType, "text/html") {
		// Swagger UI styles its elements inline and draws icons from data: URLs; it needs
		// nothing from another origin.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	}
	if matches(string(c.Request.Header.Peek("If-None-Match")), p.etag) {
		c.NotModified()
		return
	}
	body := p.plain
	if acceptsGzip(string(c.Request.Header.Peek("Accept-Encoding"))) {
		h.Set("Content-Encoding", "gzip")
		body = p.gzipped
	}
	c.Data(http.StatusOK, f.contentType, body)
}

// matches says whether an If-None-Match header names etag.
func matches(ifNoneMatch, etag string) bool {
	for _, tag := range strings.Split(ifNoneMatch, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip says whether an Accept-Encoding header admits gzip (and does not refuse it, q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(coding) != "gzip" {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".png":
		return "image/png"
	case ".json":
		return "application/json; charset=utf-8"
	case ".yaml":
		return "application/yaml; charset=utf-8"
	}
	return "application/octet-stream"
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b) // writes to memory cannot fail
	_ = w.Close()
	return buf.Bytes()
}

func gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}
