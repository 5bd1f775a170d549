// Package postman writes the Postman collection's documentation from the OpenAPI description
// (apidocs.Spec), so that the two say the same: each request to an endpoint of the API gets the
// operation's summary, description and parameters as its description, and one saved example
// answer, the description's example of the outcome the request's tests expect. Everything else in
// the collection (requests, scripts, variables) is written by hand and left as it is.
// `make postman-sync` rewrites postman/simple-tiktok.postman_collection.json; a test fails while
// the file differs from what Sync makes of it.
package postman

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// expectedCode finds what a request's tests expect: `pm.expect(body.status_code, …).to.eql(N)`.
var expectedCode = regexp.MustCompile(`status_code[^;\n]*?\.to\.eql\((\d+)\)`)

// Sync returns collection with the description and the saved example of every request to an
// endpoint of the API written from spec. A request of the API whose tests do not expect one
// status_code, or whose expected outcome the spec has no example of, is an error: the spec then
// lacks an example the collection needs.
func Sync(collection, spec []byte) ([]byte, error) {
	c, err := decodeJSON(collection)
	if err != nil {
		return nil, fmt.Errorf("the collection: %w", err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal(spec, &node); err != nil {
		return nil, fmt.Errorf("the spec: %w", err)
	}
	s, err := fromYAML(&node)
	if err != nil {
		return nil, fmt.Errorf("the spec: %w", err)
	}
	root, isObject := c.(*object)
	specRoot, specIsObject := s.(*object)
	if !isObject || !specIsObject {
		return nil, errors.New("the collection and the spec must each be an object")
	}
	d := &documenter{spec: specRoot}
	if err := d.items(root, ""); err != nil {
		return nil, err
	}
	return append(encode(root, "\t"), '\n'), nil
}

type documenter struct{ spec *object }

// items documents the requests of a collection or folder, folders included.
func (d *documenter) items(parent *object, folder string) error {
	list, _ := parent.get("item").([]any)
	var errs []error
	for _, it := range list {
		item, _ := it.(*object)
		if item == nil {
			continue
		}
		name, _ := item.get("name").(string)
		if _, isFolder := item.get("item").([]any); isFolder {
			errs = append(errs, d.items(item, name))
			continue
		}
		if err := d.request(item); err != nil {
			errs = append(errs, fmt.Errorf("%s / %s: %w", folder, name, err))
		}
	}
	return errors.Join(errs...)
}

// request documents one request, if it calls an endpoint of the API (a media fetch, whose URL an
// answer gave, keeps the description written by hand).
func (d *documenter) request(item *object) error {
	req, _ := item.get("request").(*object)
	if req == nil {
		return errors.New("no request")
	}
	method, _ := req.get("method").(string)
	u, _ := req.get("url").(*object)
	if u == nil {
		return nil
	}
	var segments []string
	for _, seg := range asList(u.get("path")) {
		s, _ := seg.(string)
		segments = append(segments, s)
	}
	path := "/" + strings.Join(segments, "/")
	if !strings.HasPrefix(path, "/douyin/") {
		return nil
	}
	op, _ := lookup(d.spec, "paths", path, strings.ToLower(method)).(*object)
	if op == nil {
		return fmt.Errorf("%s %s is not in the spec", method, path)
	}
	code, err := expected(item)
	if err != nil {
		return err
	}
	query := map[string]string{}
	for _, q := range asList(u.get("query")) {
		if q, _ := q.(*object); q != nil {
			k, _ := q.get("key").(string)
			v, _ := q.get("value").(string)
			query[k] = v
		}
	}
	name, example, err := d.example(op, code, query)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	item.set("description", d.describe(op, method, path, code, example), "name")
	item.set("response", []any{savedAnswer(name, req, example)}, "request")
	return nil
}

// expected is the status_code the item's tests expect.
func expected(item *object) (string, error) {
	var codes []string
	for _, e := range asList(item.get("event")) {
		e, _ := e.(*object)
		if e == nil || e.get("listen") != "test" {
			continue
		}
		for _, line := range asList(lookup(e, "script", "exec")) {
			s, _ := line.(string)
			for _, m := range expectedCode.FindAllStringSubmatch(s, -1) {
				if !slices.Contains(codes, m[1]) {
					codes = append(codes, m[1])
				}
			}
		}
	}
	if len(codes) != 1 {
		return "", fmt.Errorf("its tests expect the status_codes %v; want exactly one (pm.expect(body.status_code, …).to.eql(N))", codes)
	}
	return codes[0], nil
}

// example picks the spec's example of op that answers code to a request with query. An example
// may say when it applies (x-when: {action_type: "2"}); one that names the request's values is
// preferred to one that names none.
func (d *documenter) example(op *object, code string, query map[string]string) (string, *object, error) {
	examples, _ := d.resolve(lookup(d.resolve(lookup(op, "responses", "200")), "content", "application/json", "examples")).(*object)
	if examples == nil {
		return "", nil, errors.New("the 200 answer has no examples")
	}
	var fallback string
	for _, name := range examples.keys {
		ex, _ := d.resolve(examples.get(name)).(*object)
		if ex == nil || fmt.Sprint(lookup(ex, "value", "status_code")) != code {
			continue
		}
		when, _ := ex.get("x-when").(*object)
		if when == nil {
			if fallback == "" {
				fallback = name
			}
			continue
		}
		applies := true
		for _, k := range when.keys {
			applies = applies && query[k] == fmt.Sprint(when.get(k))
		}
		if applies {
			return name, ex, nil
		}
	}
	if fallback == "" {
		return "", nil, fmt.Errorf("the spec has no example of status_code %s (add one to the operation's examples)", code)
	}
	ex, _ := d.resolve(examples.get(fallback)).(*object)
	return fallback, ex, nil
}

// describe is a request's description: what the request expects, then the operation as the spec
// says it.
func (d *documenter) describe(op *object, method, path, code string, example *object) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** — `%s %s`\n\n", lookup(op, "summary"), method, path)
	if code == "0" {
		b.WriteString("This request expects a success (`status_code` 0).\n\n")
	} else {
		fmt.Fprintf(&b, "This request expects the refusal `status_code` %s: %s.\n\n", code, lookup(example, "value", "status_msg"))
	}
	b.WriteString(strings.TrimSpace(fmt.Sprint(lookup(op, "description"))))
	b.WriteString("\n\n| parameter | in | required | |\n|---|---|---|---|\n")
	for _, p := range asList(op.get("parameters")) {
		p, _ := d.resolve(p).(*object)
		if p == nil {
			continue
		}
		required, _ := p.get("required").(bool)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", p.get("name"), p.get("in"), yesNo(required), text(p.get("description")))
	}
	body, _ := lookup(op, "requestBody", "content", "multipart/form-data", "schema").(*object)
	if body != nil {
		props, _ := body.get("properties").(*object)
		var required []string
		for _, r := range asList(body.get("required")) {
			required = append(required, fmt.Sprint(r))
		}
		for _, name := range props.keys {
			prop, _ := props.get(name).(*object)
			fmt.Fprintf(&b, "| `%s` | multipart | %s | %s |\n", name, yesNo(slices.Contains(required, name)), text(prop.get("description")))
		}
	}
	if security := asList(op.get("security")); len(security) > 0 {
		optional := false
		for _, s := range security {
			if s, _ := s.(*object); s != nil && len(s.keys) == 0 {
				optional = true
			}
		}
		fmt.Fprintf(&b, "| `token` | query, or `Authorization: Bearer` | %s | the token of register or login |\n", yesNo(!optional))
	}
	b.WriteString("\nWritten from api-gateway/apidocs/openapi.yaml by `make postman-sync`; the gateway serves the same description at `/docs`.")
	return b.String()
}

// savedAnswer is a Postman saved example: the request as sent, and the example as the answer.
func savedAnswer(name string, req *object, example *object) *object {
	title := name
	if s, _ := example.get("summary").(string); s != "" {
		title = s
	}
	header := newObject()
	header.set("key", "Content-Type", "")
	header.set("value", "application/json; charset=utf-8", "")
	a := newObject()
	a.set("name", title, "")
	a.set("originalRequest", req, "")
	a.set("status", "OK", "")
	a.set("code", json.Number("200"), "")
	a.set("_postman_previewlanguage", "json", "")
	a.set("header", []any{header}, "")
	a.set("cookie", []any{}, "")
	a.set("body", string(encode(example.get("value"), "    ")), "")
	return a
}

// resolve follows a local $ref ("#/components/responses/X").
func (d *documenter) resolve(v any) any {
	o, _ := v.(*object)
	if o == nil {
		return v
	}
	ref, _ := o.get("$ref").(string)
	if !strings.HasPrefix(ref, "#/") {
		return v
	}
	return d.resolve(lookup(d.spec, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...))
}

func lookup(v any, keys ...string) any {
	for _, k := range keys {
		o, _ := v.(*object)
		if o == nil {
			return nil
		}
		v = o.get(k)
	}
	return v
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// text is a description for a table cell: one line, no stray pipes.
func text(v any) string {
	s, _ := v.(string)
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}
