package media

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/mediastore"
)

// KeyParam is the name of the route's catch-all parameter holding the key.
const KeyParam = "key"

var errNoSuchMedia = errno.NotFound.WithMsg("no such media file")

// Serve answers GET and HEAD of a stored file: its content type, its length, a single byte range
// when asked (players seek), and validators for caches. Only a generated key can name a file, so
// no path a client sends reaches the file system.
func (l *Library) Serve(ctx context.Context, c *app.RequestContext) {
	key := strings.TrimPrefix(c.Param(KeyParam), "/")
	obj, err := l.store.Open(ctx, key)
	if errors.Is(err, mediastore.ErrNotFound) {
		middleware.WriteStatus(c, http.StatusNotFound, errNoSuchMedia)
		return
	}
	if err != nil {
		l.log.ErrorContext(ctx, "media: cannot serve a file", "key", key, "error", err)
		middleware.WriteStatus(c, http.StatusServiceUnavailable, errno.Internal)
		return
	}
	etag := `"` + key + `"`
	lastModified := obj.ModTime.UTC().Format(http.TimeFormat)
	h := &c.Response.Header
	h.SetContentType(mediastore.ContentType(key))
	h.Set("Accept-Ranges", "bytes")
	h.Set("ETag", etag)
	h.Set("Last-Modified", lastModified)
	// A key is never reused for other content, so a copy never goes stale.
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")

	if matchesETag(string(c.GetHeader("If-None-Match")), etag) {
		obj.Body.Close()
		c.SetStatusCode(http.StatusNotModified)
		return
	}
	status, start, length := http.StatusOK, int64(0), obj.Size
	ifRange := string(c.GetHeader("If-Range"))
	if s, e, ok, satisfiable := byteRange(string(c.GetHeader("Range")), obj.Size); ok && (ifRange == "" || ifRange == etag || ifRange == lastModified) {
		if !satisfiable {
			obj.Body.Close()
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", obj.Size))
			c.SetStatusCode(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		status, start, length = http.StatusPartialContent, s, e-s+1
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", s, e, obj.Size))
	}
	c.SetStatusCode(status)
	if c.Request.Header.IsHead() {
		obj.Body.Close()
		h.SetContentLength(int(length))
		return
	}
	body, err := obj.Section(start, length)
	if err != nil {
		obj.Body.Close()
		l.log.ErrorContext(ctx, "media: cannot serve a file", "key", key, "error", err)
		middleware.WriteStatus(c, http.StatusServiceUnavailable, errno.Internal)
		return
	}
	// Hertz closes the stream once it has sent length bytes of it.
	c.Response.SetBodyStream(body, int(length))
}

// byteRange reads a Range header against a file of size bytes. ok is false when there is no
// header, when it is malformed, or when it asks for several ranges: the whole file is sent then,
// as RFC 9110 allows. satisfiable is false when the one range asked for lies past the end.
func byteRange(header string, size int64) (start, end int64, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, false
	}
	if first == "" { // the last n bytes
		n, valid := digits(last)
		if !valid {
			return 0, 0, false, false
		}
		if n == 0 || size == 0 {
			return 0, 0, true, false
		}
		return max(size-n, 0), size - 1, true, true
	}
	start, valid := digits(first)
	if !valid {
		return 0, 0, false, false
	}
	end = size - 1
	if last != "" {
		if end, valid = digits(last); !valid || end < start {
			return 0, 0, false, false
		}
	}
	if start >= size {
		return 0, 0, true, false
	}
	return start, min(end, size-1), true, true
}

// digits parses a non-negative decimal without sign or spaces.
func digits(s string) (int64, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func matchesETag(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}
