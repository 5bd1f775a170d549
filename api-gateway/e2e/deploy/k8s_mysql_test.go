//go:build integration

package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// The dev overlay's accounts Job (mysql-accounts.sh) runs on this machine's MySQL with bash and
// the mysql client, as in its pod: every database and account name given a prefix of this test's
// own, passwords from a secrets folder, over an account that held ALL PRIVILEGES, twice. Then
// each mig_<name> may migrate its own database only, and each svc_<name> may only read and write
// the rows of its own.
func TestKubernetesMySQLAccountsHaveLeastPrivilege(t *testing.T) {
	for _, tool := range []string{"bash", "mysql", "mysqladmin"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (apt-get install -y mariadb-client): %v", tool, err)
		}
	}
	root := repoRoot(t)
	script, err := os.ReadFile(filepath.Join(root, "deploy/kubernetes/overlays/dev/mysql-accounts.sh"))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "kt" + hex.EncodeToString(b) // no "_": it must not become a wildcard of the grants
	replaced := strings.NewReplacer(`"tiktok_$s"`, `"`+prefix+`tiktok_$s"`, `"tiktok\\_$s"`, `"`+prefix+`tiktok\\_$s"`,
		`"mig_$s"`, `"`+prefix+`mig_$s"`, `"svc_$s"`, `"`+prefix+`svc_$s"`).Replace(string(script))
	if strings.Count(replaced, prefix) != 4 {
		t.Fatalf("mysql-accounts.sh no longer names its databases and accounts as this test expects:\n%s", script)
	}
	dir := t.TempDir()
	scriptPath := filepath.Join(dir, "accounts.sh")
	if err := os.WriteFile(scriptPath, []byte(replaced), 0o600); err != nil {
		t.Fatal(err)
	}
	server, err := mysql.ParseDSN(dbtest.DSN())
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(server.Addr, ":")
	secrets := filepath.Join(dir, "secrets")
	passwords := map[string]string{"root": server.Passwd}
	for _, s := range rpcServices {
		for _, key := range []string{s, s + "-migrator"} {
			p := make([]byte, 12)
			_, _ = rand.Read(p)
			passwords[key] = hex.EncodeToString(p)
		}
	}
	if err := os.Mkdir(secrets, 0o700); err != nil {
		t.Fatal(err)
	}
	for key, value := range passwords {
		if err := os.WriteFile(filepath.Join(secrets, key), []byte(value), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	ctx := context.Background()
	scratch := dbtest.Schema(t, prefix+"scratch")
	admin := dbtest.OpenSchemaSQL(t, scratch)
	t.Cleanup(func() {
		for _, s := range rpcServices {
			_, _ = admin.Exec("DROP USER IF EXISTS '" + prefix + "svc_" + s + "'@'%', '" + prefix + "mig_" + s + "'@'%'")
			_ = db.DropSchema(ctx, dbtest.DSN(), prefix+"tiktok_"+s)
		}
		_ = db.DropSchema(ctx, dbtest.DSN(), prefix+"tiktokxuser")
	})
	for _, stmt := range []string{
		"CREATE USER '" + prefix + "svc_user'@'%' IDENTIFIED BY 'old'",
		"GRANT ALL PRIVILEGES ON `" + prefix + "tiktok\\_user`.* TO '" + prefix + "svc_user'@'%'",
		"CREATE DATABASE `" + prefix + "tiktokxuser`",
	} {
		if _, err := admin.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("bash", scriptPath)
		// The client reads the port from MYSQL_TCP_PORT; the script names the host only.
		cmd.Env = append(os.Environ(), "SECRETS_DIR="+secrets, "MYSQL_HOST="+host, "MYSQL_TCP_PORT="+port)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("run %d of mysql-accounts.sh: %v\n%s", run, err, out)
		}
	}
	checkServiceAccounts(t, prefix, scratch, func(s string) (mig, run string) {
		dsn := func(user, password string) string {
			return (&mysql.Config{User: prefix + user, Passwd: password, Net: "tcp", Addr: server.Addr, AllowNativePasswords: true}).FormatDSN()
		}
		return dsn("mig_"+s, passwords[s+"-migrator"]), dsn("svc_"+s, passwords[s])
	})
}
