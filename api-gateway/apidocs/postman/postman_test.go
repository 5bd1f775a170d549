package postman

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"simpletiktok/api-gateway/apidocs"
)

const collectionPath = "../../../postman/simple-tiktok.postman_collection.json"

func committed(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(collectionPath)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// The committed collection is what Sync makes of it: its descriptions and examples say what the
// OpenAPI description says.
func TestTheCollectionIsInSyncWithTheSpec(t *testing.T) {
	raw := committed(t)
	synced, err := Sync(raw, apidocs.Spec())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, synced) {
		t.Fatal("postman/simple-tiktok.postman_collection.json is out of date with api-gateway/apidocs/openapi.yaml: run `make postman-sync`")
	}
}

// A collection read and written back is the same file: a sync changes only what it writes.
func TestReadingAndWritingKeepsTheFile(t *testing.T) {
	raw := committed(t)
	v, err := decodeJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := append(encode(v, "\t"), '\n'); !bytes.Equal(got, raw) {
		t.Error("the collection does not read and write back to the same bytes")
	}
}

type savedItem struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Request     struct {
		URL json.RawMessage `json:"url"`
	} `json:"request"`
	Response []struct {
		Name string `json:"name"`
		Code int    `json:"code"`
		Body string `json:"body"`
	} `json:"response"`
}

// Every request has a description, and every request of the API one saved example answer, of
// the outcome its tests expect.
func TestEveryRequestIsDocumented(t *testing.T) {
	var c struct {
		Item []struct {
			Item []savedItem `json:"item"`
		} `json:"item"`
	}
	if err := json.Unmarshal(committed(t), &c); err != nil {
		t.Fatal(err)
	}
	api := 0
	for _, folder := range c.Item {
		for _, it := range folder.Item {
			if strings.TrimSpace(it.Description) == "" {
				t.Errorf("%s has no description", it.Name)
			}
			var u struct {
				Path []string `json:"path"`
			}
			if json.Unmarshal(it.Request.URL, &u) != nil || len(u.Path) == 0 || u.Path[0] != "douyin" {
				continue // a media fetch
			}
			api++
			if len(it.Response) != 1 || it.Response[0].Code != 200 {
				t.Errorf("%s: %d saved answers; want one, HTTP 200", it.Name, len(it.Response))
				continue
			}
			var body struct {
				StatusCode *int64 `json:"status_code"`
			}
			if err := json.Unmarshal([]byte(it.Response[0].Body), &body); err != nil || body.StatusCode == nil {
				t.Errorf("%s: the saved answer has no status_code: %s", it.Name, it.Response[0].Body)
			}
		}
	}
	if api < 60 {
		t.Errorf("%d requests of the API; the collection has more than 60", api)
	}
}

// A request whose expected outcome the spec has no example of is named, and nothing is written.
func TestAnOutcomeWithoutAnExampleIsAnError(t *testing.T) {
	raw := committed(t)
	altered := bytes.Replace(raw, []byte("pm.expect(body.status_code, body.status_msg).to.eql(13001)"),
		[]byte("pm.expect(body.status_code, body.status_msg).to.eql(12009)"), 1)
	if bytes.Equal(raw, altered) {
		t.Fatal("the test to alter is not in the collection")
	}
	_, err := Sync(altered, apidocs.Spec())
	if err == nil || !strings.Contains(err.Error(), "Like with action_type 3") || !strings.Contains(err.Error(), "12009") {
		t.Errorf("Sync = %v; want an error naming the request and the code", err)
	}
}

// A changed example in the spec shows in the synced collection.
func TestAChangedExampleShows(t *testing.T) {
	spec := bytes.Replace(apidocs.Spec(), []byte("title: Sunset over the bay"), []byte("title: Dawn over the bay"), 1)
	synced, err := Sync(committed(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(synced, []byte("Dawn over the bay")) || bytes.Contains(synced, []byte("Sunset over the bay")) {
		t.Error("the collection's saved answers do not follow the spec's examples")
	}
}
