// Command postman-sync writes the descriptions and saved example answers of the Postman
// collection's requests from the gateway's OpenAPI description (package apidocs/postman).
// `make postman-sync` runs it:
//
//	go run ./apidocs/cmd/postman-sync ../postman/simple-tiktok.postman_collection.json
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"simpletiktok/api-gateway/apidocs"
	"simpletiktok/api-gateway/apidocs/postman"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "postman-sync:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: postman-sync COLLECTION.json")
	}
	path := args[0]
	before, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	after, err := postman.Sync(before, apidocs.Spec())
	if err != nil {
		return err
	}
	if bytes.Equal(before, after) {
		fmt.Println(path, "is in sync with the OpenAPI description")
		return nil
	}
	if err := os.WriteFile(path, after, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", path)
	return nil
}
