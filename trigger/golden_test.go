package trigger_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/userpool/userpool/trigger"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// examples maps each trigger source to Cognito's documented example of its trigger, and the
// fields Userpool sends beyond it (documented elsewhere by Cognito).
var examples = map[trigger.Source]struct {
	file   string
	extra  []string
	absent []string // fields of the example this source does not have
}{
	trigger.PreSignUpSignUp:                       {file: "presignup.json"},
	trigger.PreSignUpAdminCreateUser:              {file: "presignup.json"},
	trigger.PostConfirmationConfirmSignUp:         {file: "postconfirmation.json"},
	trigger.PostConfirmationConfirmForgotPassword: {file: "postconfirmation.json"},
	trigger.PreAuthentication:                     {file: "preauthentication.json"},
	trigger.PostAuthentication:                    {file: "postauthentication.json"},
	trigger.CustomMessageSignUp:                   {file: "custommessage.json", extra: []string{"request.linkParameter"}},
	trigger.CustomMessageAdminCreateUser:          {file: "custommessage.json"},
	trigger.CustomMessageResendCode:               {file: "custommessage.json"},
	trigger.CustomMessageForgotPassword:           {file: "custommessage.json"},
	trigger.CustomMessageUpdateUserAttribute:      {file: "custommessage.json"},
	trigger.CustomMessageVerifyUserAttribute:      {file: "custommessage.json"},
	trigger.CustomMessageAuthentication:           {file: "custommessage.json"},
	trigger.TokenGenerationHostedAuth:             {file: "pretokengen-v2_0.json", extra: []string{"request.clientMetadata"}},
	trigger.TokenGenerationAuthentication:         {file: "pretokengen-v2_0.json", extra: []string{"request.clientMetadata"}},
	trigger.TokenGenerationNewPasswordChallenge:   {file: "pretokengen-v2_0.json", extra: []string{"request.clientMetadata"}},
	trigger.TokenGenerationAuthenticateDevice:     {file: "pretokengen-v2_0.json", extra: []string{"request.clientMetadata"}},
	trigger.TokenGenerationRefreshTokens:          {file: "pretokengen-v2_0.json", extra: []string{"request.clientMetadata"}},
	trigger.UserMigrationAuthentication:           {file: "migrateuser.json", extra: []string{"response.enableSMSMFA"}},
	trigger.UserMigrationForgotPassword:           {file: "migrateuser.json", absent: []string{"request.password"}},
}

// dataMaps hold data, not fields: their keys are not compared.
var dataMaps = []string{"request.userAttributes", "request.validationData", "request.clientMetadata",
	"response.userAttributes", "claimsToAddOrOverride"}

// paths lists the field paths of a JSON object ("request.userAttributes", ...).
func paths(prefix string, v any, out map[string]bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k, child := range obj {
		p := strings.TrimPrefix(prefix+"."+k, ".")
		out[p] = true
		if slices.ContainsFunc(dataMaps, func(d string) bool { return p == d || strings.HasSuffix(p, "."+d) }) {
			continue
		}
		paths(p, child, out)
	}
}

func keyPaths(t *testing.T, b []byte) map[string]bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	paths("", v, out)
	return out
}

// TestGolden writes every event shape as the webhook receives it (request and answered
// response) and compares it with testdata/<triggerSource>.json, then checks its field names
// against Cognito's documented example of the trigger, field by field.
func TestGolden(t *testing.T) {
	for src, ex := range examples {
		t.Run(string(src), func(t *testing.T) {
			got, err := json.MarshalIndent(trigger.Sample(src), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", string(src)+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./trigger -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file:\n%s", src, got)
			}
			doc, err := os.ReadFile(filepath.Join("testdata", "cognito", ex.file))
			if err != nil {
				t.Fatal(err)
			}
			ours, theirs := keyPaths(t, got), keyPaths(t, doc)
			for _, m := range []map[string]bool{ours, theirs} {
				for p := range m {
					if strings.HasPrefix(p, "response.") {
						delete(m, p)
					}
				}
			}
			// The documented answer must decode into the response type, field by field.
			var answered struct {
				Response json.RawMessage `json:"response"`
			}
			if err := json.Unmarshal(doc, &answered); err != nil {
				t.Fatal(err)
			}
			resp := reflect.ValueOf(trigger.Sample(src)).Elem().FieldByName("Response").Addr().Interface()
			dec := json.NewDecoder(bytes.NewReader(answered.Response))
			dec.DisallowUnknownFields()
			if err := dec.Decode(resp); err != nil {
				t.Errorf("Cognito's documented answer does not decode into %T: %v", resp, err)
			}
			var missing, extra []string
			for p := range theirs {
				if !ours[p] && !slices.Contains(ex.absent, p) {
					missing = append(missing, p)
				}
			}
			for p := range ours {
				if !theirs[p] && !slices.Contains(ex.extra, p) {
					extra = append(extra, p)
				}
			}
			sort.Strings(missing)
			sort.Strings(extra)
			if len(missing) > 0 || len(extra) > 0 {
				t.Errorf("fields differ from Cognito's example %s: missing %v, not in the example %v", ex.file, missing, extra)
			}
		})
	}
}
