//go:build integration

package devstack

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCheckMySQL runs against the local server the stack uses (127.0.0.1:3306, root without a
// password, as `make run` assumes).
func TestCheckMySQL(t *testing.T) {
	ctx := context.Background()
	if err := CheckMySQL(ctx, "root:@tcp(127.0.0.1:3306)/"); err != nil {
		t.Fatalf("local MySQL: %v", err)
	}
}

func TestCheckMySQLClosedPortFailsFast(t *testing.T) {
	port := closedPort(t)
	start := time.Now()
	err := CheckMySQL(context.Background(), "root:@tcp(127.0.0.1:"+strconv.Itoa(port)+")/")
	if err == nil {
		t.Fatal("a closed port passed the check")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %s to fail", took)
	}
	for _, want := range []string{"not reachable at 127.0.0.1:" + strconv.Itoa(port), "apt-get install -y mariadb-server", "MYSQL_DSN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestCheckMySQLWrongPassword(t *testing.T) {
	err := CheckMySQL(context.Background(), "devstack_nobody:wrong@tcp(127.0.0.1:3306)/")
	if err == nil || !strings.Contains(err.Error(), `refused user "devstack_nobody"`) {
		t.Errorf("error = %v, want a refusal naming the user", err)
	}
}

func TestCheckMySQLRejectsBadDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"not a dsn":                        "not valid",
		"root:@tcp(127.0.0.1:3306)/tiktok": `names the database "tiktok"`,
	} {
		if err := CheckMySQL(context.Background(), dsn); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error = %v, want %q", dsn, err, want)
		}
	}
}

// closedPort returns a loopback port that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
