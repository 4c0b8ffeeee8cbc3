package cognito_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/token"
)

// TestReferenceClientSRP signs in with amazon-cognito-identity-js itself (SRP, its default)
// and refreshes the session: the bit-compatibility check of USER_SRP_AUTH. It needs node and
// `npm ci` in testdata/srp-node (CI's .ci/run does it).
func TestReferenceClientSRP(t *testing.T) {
	dir := filepath.Join("testdata", "srp-node")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "amazon-cognito-identity-js"))
	}
	if err != nil {
		if os.Getenv("USERPOOL_TEST_REQUIRE_ALL") == "1" {
			t.Fatalf("the SRP reference client cannot run (node, or npm ci in %s): %v", dir, err)
		}
		t.Skipf("the SRP reference client cannot run (node, or npm ci in %s): %v", dir, err)
	}
	e := newAuthEnv(t, storagetest.SQLite(t))
	cid := aws.ToString(e.app(t, false, nil).ClientId)
	// The user comes from the management API; a password set gives it its SRP verifier.
	e.confirmedUser(t, "js-user", "Js-Passw0rd!é")
	tests := []struct {
		name, password string
		ok             bool
	}{
		{"right password", "Js-Passw0rd!é", true},
		{"wrong password", "Js-Passw0rd!e", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), node, "signin.js")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "ENDPOINT="+e.url+"/", "POOL_ID="+e.poolID, "CLIENT_ID="+cid,
				"USERNAME=js-user", "PASSWORD="+tt.password)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if !tt.ok {
				if err == nil || !bytes.Contains(stderr.Bytes(), []byte("NotAuthorizedException: Incorrect username or password.")) {
					t.Fatalf("node: %v, stderr %s", err, stderr.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("node: %v, stderr %s", err, stderr.String())
			}
			var out struct{ IDToken, AccessToken, RefreshToken, RefreshedAccessToken, Username string }
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("node output %q: %v", stdout.String(), err)
			}
			for _, raw := range []string{out.AccessToken, out.RefreshedAccessToken} {
				if c := e.verify(t, raw, token.UseAccess); c.String("username") != "js-user" {
					t.Fatalf("access token claims %v", c)
				}
			}
			e.verify(t, out.IDToken, token.UseID)
			if out.RefreshToken == "" || out.Username != "js-user" {
				t.Fatalf("refresh token %q username %q", out.RefreshToken, out.Username)
			}
		})
	}
}
