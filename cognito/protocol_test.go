package cognito_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

func TestSigV4Rejections(t *testing.T) {
	e := newEnv(t)
	list := &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)}
	tests := []struct {
		name  string
		creds aws.CredentialsProvider
		code  string
	}{
		{"wrong secret", credentials.NewStaticCredentialsProvider(testKeyID, "wrong-secret", ""), "InvalidSignatureException"},
		{"unknown key", credentials.NewStaticCredentialsProvider("AKIAUNKNOWNUNKNOWN00", testSecret, ""), "UnrecognizedClientException"},
		{"unsigned", aws.AnonymousCredentials{}, "UnrecognizedClientException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newClient(e.url, tt.creds).ListUserPools(t.Context(), list)
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
				t.Fatalf("error = %v, want %s", err, tt.code)
			}
		})
	}
	// A rejected request changes nothing.
	_, err := newClient(e.url, credentials.NewStaticCredentialsProvider(testKeyID, "wrong-secret", "")).
		CreateUserPool(t.Context(), &cip.CreateUserPoolInput{PoolName: aws.String("sneaky")})
	if err == nil {
		t.Fatal("CreateUserPool with a wrong signature succeeded")
	}
	if out := must(e.api.ListUserPools(t.Context(), list)).ok(t); len(out.UserPools) != 0 {
		t.Errorf("a wrongly signed request created %+v", out.UserPools)
	}
	// Any region is accepted in the credential scope.
	c := cip.New(cip.Options{Region: "ap-southeast-2", BaseEndpoint: aws.String(e.url),
		Credentials: credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""), Retryer: aws.NopRetryer{}})
	must(c.ListUserPools(t.Context(), list)).ok(t)
}

func TestSigV4HandMade(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"MaxResults":10}`)
	tests := []struct {
		name string
		sign func(*http.Request, []byte)
		code string // "" = success
		msg  string
	}{
		{"now", signer(testKeyID, testSecret, time.Now()), "", ""},
		{"ten minutes old", signer(testKeyID, testSecret, time.Now().Add(-10*time.Minute)), "", ""},
		{"twenty minutes old", signer(testKeyID, testSecret, time.Now().Add(-20*time.Minute)), "InvalidSignatureException", "Signature expired"},
		{"twenty minutes ahead", signer(testKeyID, testSecret, time.Now().Add(20*time.Minute)), "InvalidSignatureException", "Signature not yet current"},
		{"body changed after signing", func(r *http.Request, b []byte) {
			signer(testKeyID, testSecret, time.Now())(r, []byte(`{"MaxResults":11}`))
		}, "InvalidSignatureException", "does not match"},
		{"signed header changed", func(r *http.Request, b []byte) {
			signer(testKeyID, testSecret, time.Now())(r, b)
			r.Header.Set("Content-Type", "application/json")
		}, "InvalidSignatureException", "does not match"},
		{"wrong service", func(r *http.Request, b []byte) {
			signer(testKeyID, testSecret, time.Now())(r, b)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/cognito-idp/", "/s3/", 1))
		}, "InvalidSignatureException", "cognito-idp"},
		{"garbled authorization", func(r *http.Request, b []byte) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 garbage") }, "UnrecognizedClientException", "security token"},
		{"basic authorization", func(r *http.Request, b []byte) { r.SetBasicAuth(testKeyID, testSecret) }, "UnrecognizedClientException", "security token"},
		{"no date", func(r *http.Request, b []byte) {
			signer(testKeyID, testSecret, time.Now())(r, b)
			r.Header.Del("X-Amz-Date")
		}, "InvalidSignatureException", "X-Amz-Date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(t, "ListUserPools", "application/x-amz-json-1.1", body, tt.sign)
			if tt.code == "" {
				if r.status != http.StatusOK {
					t.Fatalf("response = %d %v, want 200", r.status, r.body)
				}
				return
			}
			r.wantType(t, tt.code)
			if msg, _ := r.body["message"].(string); !strings.Contains(msg, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.msg)
			}
		})
	}
}

func TestProtocol(t *testing.T) {
	e := newEnv(t)
	sign := signer(testKeyID, testSecret, time.Now())

	t.Run("success shape", func(t *testing.T) {
		r := e.post(t, "ListUserPools", "application/json", []byte(`{"MaxResults":5}`), sign)
		if r.status != 200 || r.header.Get("Content-Type") != "application/x-amz-json-1.1" || r.header.Get("X-Amzn-Requestid") == "" {
			t.Errorf("response %d, headers %v", r.status, r.header)
		}
		if _, ok := r.body["UserPools"]; !ok {
			t.Errorf("body %v has no UserPools", r.body)
		}
	})
	t.Run("empty output", func(t *testing.T) {
		id := e.createPool(t, nil)
		r := e.post(t, "DeleteUserPool", "application/x-amz-json-1.1", []byte(`{"UserPoolId":"`+id+`"}`), sign)
		if r.status != 200 || len(r.body) != 0 || r.body == nil {
			t.Errorf("DeleteUserPool = %d %v, want 200 {}", r.status, r.body)
		}
	})
	t.Run("epoch timestamps", func(t *testing.T) {
		r := e.signedJSON(t, "CreateUserPool", map[string]any{"PoolName": "times"})
		p, _ := r.body["UserPool"].(map[string]any)
		created, ok := p["CreationDate"].(float64)
		if !ok || time.Since(time.Unix(int64(created), 0)) > time.Hour {
			t.Errorf("CreationDate = %#v, want epoch seconds", p["CreationDate"])
		}
	})

	errorCases := []struct {
		name, target, contentType, body, code string
	}{
		{"unknown action", "NoSuchAction", "application/x-amz-json-1.1", `{}`, "UnknownOperationException"},
		{"no target", "", "application/x-amz-json-1.1", `{}`, "UnknownOperationException"},
		{"malformed json", "ListUserPools", "application/x-amz-json-1.1", `{"MaxResults":`, "SerializationException"},
		{"wrong json type", "ListUserPools", "application/x-amz-json-1.1", `{"MaxResults":"ten"}`, "SerializationException"},
		{"json array", "ListUserPools", "application/x-amz-json-1.1", `[1]`, "SerializationException"},
		{"wrong content type", "ListUserPools", "text/plain", `{"MaxResults":1}`, "SerializationException"},
		{"missing required member", "DescribeUserPool", "application/x-amz-json-1.1", `{}`, "InvalidParameterException"},
		{"body too large", "CreateUserPool", "application/x-amz-json-1.1", `{"PoolName":"` + strings.Repeat("a", 1<<20) + `"}`, "SerializationException"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(t, tt.target, tt.contentType, []byte(tt.body), sign)
			r.wantType(t, tt.code)
			if r.header.Get("Content-Type") != "application/x-amz-json-1.1" || r.header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("headers %v", r.header)
			}
		})
	}
	// Management actions are signed: unsigned requests are refused before anything else.
	r := e.post(t, "CreateUserPool", "application/x-amz-json-1.1", []byte(`{"PoolName":"x"}`), nil)
	r.wantType(t, "UnrecognizedClientException")
}

func TestInternalErrorsAreHidden(t *testing.T) {
	e := newEnv(t)
	// keys fails the lookup of this id with a plain error, as a broken database would.
	c := newClient(e.url, credentials.NewStaticCredentialsProvider(brokenKeyID, "x", ""))
	_, err := c.ListUserPools(t.Context(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(1)})
	ie := wantErr[*types.InternalErrorException](t, err)
	if strings.Contains(ie.ErrorMessage(), "database") {
		t.Errorf("internal error message leaks its cause: %q", ie.ErrorMessage())
	}
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
		t.Errorf("status of an internal error: %v", err)
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodOptions, e.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-user-agent")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != http.StatusOK || h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight = %d %v", resp.StatusCode, h)
	}
	for _, want := range []string{"content-type", "x-amz-target", "x-amz-user-agent", "authorization", "x-amz-date", "x-amz-security-token", "cache-control"} {
		if !strings.Contains(h.Get("Access-Control-Allow-Headers"), want) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", h.Get("Access-Control-Allow-Headers"), want)
		}
	}
	if !strings.Contains(h.Get("Access-Control-Expose-Headers"), "x-amzn-errortype") || !strings.Contains(h.Get("Access-Control-Expose-Headers"), "x-amzn-requestid") {
		t.Errorf("Access-Control-Expose-Headers = %q", h.Get("Access-Control-Expose-Headers"))
	}
}

// TestAWSCLI runs the real AWS CLI (botocore signs a different header set than the Go SDK).
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("USERPOOL_TEST_REQUIRE_ALL") == "1" {
			t.Fatal("aws CLI not on PATH")
		}
		t.Skip("aws CLI not on PATH")
	}
	e := newEnv(t)
	home := t.TempDir()
	run := func(secret string, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(t.Context(), "aws", append([]string{"cognito-idp", "--endpoint-url", e.url, "--region", "local", "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+testKeyID, "AWS_SECRET_ACCESS_KEY="+secret,
			"AWS_CONFIG_FILE="+home+"/config", "AWS_SHARED_CREDENTIALS_FILE="+home+"/credentials", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return stderr.Bytes(), err
		}
		return out, nil
	}

	out, err := run(testSecret, "create-user-pool", "--pool-name", "cli pool")
	if err != nil {
		t.Fatalf("create-user-pool: %v: %s", err, out)
	}
	var created struct{ UserPool struct{ Id string } }
	if err := json.Unmarshal(out, &created); err != nil || created.UserPool.Id == "" {
		t.Fatalf("create-user-pool output %s: %v", out, err)
	}
	id := created.UserPool.Id
	if out, err := run(testSecret, "admin-create-user", "--user-pool-id", id, "--username", "alice",
		"--user-attributes", "Name=email,Value=alice@example.com", "--message-action", "SUPPRESS"); err != nil {
		t.Fatalf("admin-create-user: %v: %s", err, out)
	}
	out, err = run(testSecret, "list-users", "--user-pool-id", id, "--filter", `email ^= "alice"`)
	if err != nil || !strings.Contains(string(out), `"alice"`) {
		t.Fatalf("list-users: %v: %s", err, out)
	}
	out, err = run(testSecret, "list-user-pools", "--max-results", "10")
	if err != nil || !strings.Contains(string(out), id) {
		t.Fatalf("list-user-pools: %v: %s", err, out)
	}
	out, err = run(testSecret, "admin-get-user", "--user-pool-id", id, "--username", "nobody")
	if err == nil || !strings.Contains(string(out), "UserNotFoundException") {
		t.Errorf("admin-get-user nobody: %v: %s", err, out)
	}
	out, err = run("wrong-secret", "list-user-pools", "--max-results", "10")
	if err == nil || !strings.Contains(string(out), "InvalidSignatureException") {
		t.Errorf("wrongly signed list-user-pools: %v: %s", err, out)
	}
}
