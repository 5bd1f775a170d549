// Package conformance checks that an exchange with the gateway, a request and its answer as a
// client saw them, follows the OpenAPI description that /docs serves (apidocs.Spec). The e2e
// tests' client and the Postman run check every answer with it, so the description cannot drift
// from the code: an answer with a field, a type or a status_code the description does not list
// fails the test that received it.
package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"simpletiktok/api-gateway/apidocs"
)

// apiPrefix is where the contract's endpoints live; nothing outside it is described.
const apiPrefix = "/douyin/"

// ErrNotDescribed is an exchange outside the API (media, health, metrics, the docs themselves):
// there is nothing to check it against.
var ErrNotDescribed = errors.New("not an endpoint of the API")

// Exchange is one request and its answer.
type Exchange struct {
	Method string
	URL    *url.URL
	Header http.Header // the request's
	// Body is the request's body; for a multipart upload it may be left nil (it is not checked).
	Body []byte

	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
}

// brief says where a value breaks its schema and why, without printing the schema.
var brief = []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}

// Checker checks exchanges against the description. It is safe for concurrent use.
type Checker struct {
	doc    *openapi3.T
	router routers.Router
}

// New loads and validates the description that apidocs embeds (its examples included).
func New() (*Checker, error) {
	return Load(apidocs.Spec())
}

// Load is New for another description (a test's altered copy).
func Load(spec []byte) (*Checker, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI description: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("the OpenAPI description is not valid: %w", err)
	}
	// The server ("/") is wherever the description is served: paths are matched as they are.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &Checker{doc: doc, router: router}, nil
}

// Doc is the loaded description.
func (c *Checker) Doc() *openapi3.T { return c.doc }

// Check returns nil when ex follows the description, ErrNotDescribed when it is outside the API,
// and otherwise what does not follow it:
//   - a path of the API that the description lacks must be answered 404 with status_code 10005,
//     and a described path with another method 405 with 10006;
//   - the answer must be HTTP 200 JSON whose body the operation's schema accepts, status_code
//     among the codes it lists;
//   - a request that the description calls invalid (a parameter missing or of the wrong type, no
//     token where one is required) must be refused (a non-zero status_code).
func (c *Checker) Check(ctx context.Context, ex Exchange) error {
	if !strings.HasPrefix(ex.URL.Path, apiPrefix) {
		return ErrNotDescribed
	}
	call := ex.Method + " " + ex.URL.Path
	req, err := c.request(ctx, ex)
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		if rerr := unrouted(ex, err); rerr != nil {
			return fmt.Errorf("%s: %w", call, rerr)
		}
		return nil
	}
	requestOpts := &openapi3filter.Options{
		AuthenticationFunc: authenticate,
		// An upload's body is a stream of megabytes the client may not have kept: its fields
		// are described for the reader, and the answer is checked all the same.
		ExcludeRequestBody:      isMultipart(ex.Header),
		SchemaValidationOptions: brief,
	}
	responseOpts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, SchemaValidationOptions: brief}
	input := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: requestOpts}
	requestErr := openapi3filter.ValidateRequest(ctx, input)
	responseErr := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 ex.Status,
		Header:                 ex.ResponseHeader,
		Body:                   io.NopCloser(bytes.NewReader(ex.ResponseBody)),
		Options:                responseOpts,
	})
	var errs []error
	if responseErr != nil {
		errs = append(errs, fmt.Errorf("the answer does not follow the description: %w\nanswer (HTTP %d): %s",
			responseErr, ex.Status, ex.ResponseBody))
	}
	if requestErr != nil && statusCode(ex.ResponseBody) == 0 {
		errs = append(errs, fmt.Errorf("the description calls the request invalid (%w), yet the gateway answered status_code 0: %s",
			requestErr, ex.ResponseBody))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s (operation %s): %w", call, route.Operation.OperationID, err)
	}
	return nil
}

// request rebuilds the request for the validator: the path with its trailing slash (the gateway
// serves both forms; the description names the slash form), and the fields of an urlencoded body
// added to the query where the query lacks them, since the gateway reads the query first and the
// form second.
func (c *Checker) request(ctx context.Context, ex Exchange) (*http.Request, error) {
	u := *ex.URL
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	var body []byte
	if isForm(ex.Header) {
		form, err := url.ParseQuery(string(ex.Body))
		if err != nil {
			return nil, fmt.Errorf("the urlencoded body does not parse: %w", err)
		}
		q := u.Query()
		for k, vs := range form {
			if _, inQuery := q[k]; !inQuery {
				q[k] = vs
			}
		}
		u.RawQuery = q.Encode()
	} else {
		body = ex.Body
	}
	req, err := http.NewRequestWithContext(ctx, ex.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = ex.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if isForm(ex.Header) {
		req.Header.Del("Content-Type")
	}
	return req, nil
}

// unrouted checks the answer to a request the description has no operation for.
func unrouted(ex Exchange, routeErr error) error {
	var rerr *routers.RouteError
	if !errors.As(routeErr, &rerr) {
		return routeErr
	}
	want := struct {
		status int
		code   int64
	}{http.StatusNotFound, 10005}
	if rerr.Reason == routers.ErrMethodNotAllowed.Error() {
		want.status, want.code = http.StatusMethodNotAllowed, 10006
	}
	if ex.Status != want.status || statusCode(ex.ResponseBody) != want.code {
		return fmt.Errorf("the description has no such operation (%s), so the answer must be HTTP %d with status_code %d; got HTTP %d %s",
			rerr.Reason, want.status, want.code, ex.Status, ex.ResponseBody)
	}
	return nil
}

// authenticate says whether the request carries the credential a security scheme names; whether
// the token is valid is the gateway's business (a refusal, 10002, follows the description).
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	s := in.SecurityScheme
	switch {
	case s.Type == "apiKey" && s.In == "query" && req.URL.Query().Get(s.Name) != "":
		return nil
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		scheme, token, _ := strings.Cut(req.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "bearer") && strings.TrimSpace(token) != "" {
			return nil
		}
	}
	return in.NewError(nil)
}

// statusCode is the answer's status_code, or -1 when it has none.
func statusCode(body []byte) int64 {
	var b struct {
		StatusCode *int64 `json:"status_code"`
	}
	if json.Unmarshal(body, &b) != nil || b.StatusCode == nil {
		return -1
	}
	return *b.StatusCode
}

func mediaType(h http.Header) string {
	t, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return t
}

func isForm(h http.Header) bool { return mediaType(h) == "application/x-www-form-urlencoded" }

func isMultipart(h http.Header) bool { return strings.HasPrefix(mediaType(h), "multipart/") }
