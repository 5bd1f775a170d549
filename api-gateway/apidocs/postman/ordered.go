package postman

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// The collection is rewritten, not regenerated: every key keeps its place, so that a sync changes
// only what it writes. A value here is *object, []any, string, json.Number, bool or nil.

// object is a JSON object whose keys keep their order.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

func (o *object) get(key string) any { return o.vals[key] }

// set gives key the value v: in its place when the object has it, else after the key after (or
// last, when after is absent).
func (o *object) set(key string, v any, after string) {
	if _, has := o.vals[key]; !has {
		at := len(o.keys)
		for i, k := range o.keys {
			if k == after {
				at = i + 1
			}
		}
		o.keys = append(o.keys[:at], append([]string{key}, o.keys[at:]...)...)
	}
	o.vals[key] = v
}

// decodeJSON reads a JSON document, numbers as json.Number.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON document")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			o := newObject()
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(k.(string), v, "")
			}
			_, err := dec.Token() // }
			return o, err
		}
		list := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err := dec.Token() // ]
		return list, err
	default:
		return t, nil // string, json.Number, bool or nil
	}
}

// fromYAML converts a YAML node (aliases followed) to a value, keys in their written order.
func fromYAML(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return fromYAML(n.Content[0])
	case yaml.AliasNode:
		return fromYAML(n.Alias)
	case yaml.MappingNode:
		o := newObject()
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := fromYAML(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			o.set(n.Content[i].Value, v, "")
		}
		return o, nil
	case yaml.SequenceNode:
		list := []any{}
		for _, c := range n.Content {
			v, err := fromYAML(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	}
	switch n.Tag {
	case "!!int", "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		return json.Number(n.Value), nil
	case "!!bool":
		var b bool
		err := n.Decode(&b)
		return b, err
	case "!!null":
		return nil, nil
	case "!!str":
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: a YAML value of type %s", n.Line, n.Tag)
}

// encode writes v as the collection is written: indent per level, "key": value, non-ASCII text as
// it is, no escaping of <, > and & (which scripts use).
func encode(v any, indent string) []byte {
	var b bytes.Buffer
	write(&b, v, indent, 0)
	return b.Bytes()
}

func write(b *bytes.Buffer, v any, indent string, depth int) {
	newline := func(d int) {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(indent, d))
	}
	switch v := v.(type) {
	case *object:
		if len(v.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(depth + 1)
			writeString(b, k)
			b.WriteString(": ")
			write(b, v.vals[k], indent, depth+1)
		}
		newline(depth)
		b.WriteByte('}')
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(depth + 1)
			write(b, item, indent, depth+1)
		}
		newline(depth)
		b.WriteByte(']')
	case string:
		writeString(b, v)
	case json.Number:
		b.WriteString(v.String())
	case bool:
		fmt.Fprint(b, v)
	case nil:
		b.WriteString("null")
	default:
		panic(fmt.Sprintf("postman: no JSON form for %T", v))
	}
}

func writeString(b *bytes.Buffer, s string) {
	var quoted bytes.Buffer
	enc := json.NewEncoder(&quoted)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Write(bytes.TrimSuffix(quoted.Bytes(), []byte("\n")))
}
