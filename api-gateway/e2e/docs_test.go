//go:build integration

package e2e

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"simpletiktok/api-gateway/apidocs"
)

// The running gateway serves the API's documentation at /docs to anyone, no token needed: the
// Swagger UI page, its assets, and the OpenAPI description it renders.
func TestTheGatewayServesItsAPIDocs(t *testing.T) {
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(method, path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, shared.phone.Base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	resp, page := get(http.MethodGet, "/docs")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(page, []byte("/docs/swagger-ui-bundle.js")) {
		t.Fatalf("GET /docs: %d %s: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	specResp, spec := get(http.MethodGet, "/docs/openapi.yaml")
	if specResp.StatusCode != http.StatusOK || !bytes.Equal(spec, apidocs.Spec()) {
		t.Errorf("GET /docs/openapi.yaml: %d, not the description the gateway embeds", specResp.StatusCode)
	}
	// Go's client asks for gzip and unpacks it itself: the bundle comes compressed.
	resp, bundle := get(http.MethodGet, "/docs/swagger-ui-bundle.js")
	if resp.StatusCode != http.StatusOK || !resp.Uncompressed || !bytes.Contains(bundle, []byte("SwaggerUIBundle")) {
		t.Errorf("GET /docs/swagger-ui-bundle.js: %d, gzip %v, %d bytes", resp.StatusCode, resp.Uncompressed, len(bundle))
	}
	if resp, body := get(http.MethodHead, "/docs"); resp.StatusCode != http.StatusOK || len(body) != 0 || resp.ContentLength != int64(len(page)) {
		t.Errorf("HEAD /docs: %d, %d bytes, Content-Length %d; want 200, no body and the page's length %d",
			resp.StatusCode, len(body), resp.ContentLength, len(page))
	}
	etag := specResp.Header.Get("ETag")
	if resp, _ := get(http.MethodGet, "/docs/openapi.yaml", "If-None-Match", etag); etag == "" || resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET /docs/openapi.yaml with its ETag %q: %d; want 304", etag, resp.StatusCode)
	}
}
