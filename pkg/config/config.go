// Package config loads a binary's typed configuration: a YAML file, then environment overrides for
// the fields tagged `env:"NAME"`, then the binary's own validation. It is called once, from main.
package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Validator is implemented by every binary's config type; Validate says what is wrong, in words an
// operator can act on.
type Validator interface {
	Validate() error
}

// Load fills dst (a pointer to a struct) from the YAML file at path and the environment, then
// validates it.
func Load(path string, dst Validator) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: read %s: %w", path, err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("config: parse %s: %w", path, err)
	}
	if err := applyEnv(reflect.ValueOf(dst).Elem(), os.LookupEnv); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := dst.Validate(); err != nil {
		return fmt.Errorf("config %s is not usable: %w", path, err)
	}
	return nil
}

// applyEnv walks the struct and overrides every field tagged env:"NAME" whose variable is set.
func applyEnv(v reflect.Value, lookup func(string) (string, bool)) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		field, fv := t.Field(i), v.Field(i)
		if !field.IsExported() {
			continue
		}
		if field.Type.Kind() == reflect.Struct && field.Type != reflect.TypeOf(time.Duration(0)) {
			if err := applyEnv(fv, lookup); err != nil {
				return err
			}
			continue
		}
		name := field.Tag.Get("env")
		if name == "" {
			continue
		}
		val, ok := lookup(name)
		if !ok {
			continue
		}
		if err := setField(fv, val); err != nil {
			return fmt.Errorf("environment variable %s=%q: %w", name, val, err)
		}
	}
	return nil
}

func setField(fv reflect.Value, val string) error {
	switch {
	case fv.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(val)
		if err != nil {
			return err
		}
		fv.SetInt(int64(d))
	case fv.Kind() == reflect.String:
		fv.SetString(val)
	case fv.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case fv.Kind() >= reflect.Int && fv.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case fv.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return err
		}
		fv.SetFloat(f)
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(val, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		fv.Set(reflect.ValueOf(parts))
	default:
		return errors.New("unsupported field type " + fv.Type().String())
	}
	return nil
}
