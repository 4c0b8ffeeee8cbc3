package user

import (
	"strings"
	"testing"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

func wantErr(t *testing.T, err error, code errs.Code, contains string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	if !strings.Contains(e.Message, contains) {
		t.Fatalf("message %q does not contain %q", e.Message, contains)
	}
}

func TestCheckPassword(t *testing.T) {
	def := pool.DefaultPasswordPolicy()
	lax := pool.PasswordPolicy{MinimumLength: 6}
	strong := def
	strong.MinimumStrength = 3
	tests := []struct {
		name     string
		policy   pool.PasswordPolicy
		password string
		inputs   []string
		contains string // "" = valid
	}{
		{"ok", def, "Passw0rd!", nil, ""},
		{"too short", def, "Pa0!", nil, "Password not long enough"},
		{"empty", lax, "", nil, "Password not long enough"},
		{"no upper", def, "passw0rd!", nil, "Password must have uppercase characters"},
		{"no lower", def, "PASSW0RD!", nil, "Password must have lowercase characters"},
		{"no number", def, "Password!", nil, "Password must have numeric characters"},
		{"no symbol", def, "Passw0rdd", nil, "Password must have symbol characters"},
		{"space is a symbol", def, "Pass w0rd", nil, ""},
		{"backtick is a symbol", def, "Passw0rd`", nil, ""},
		{"euro is not a symbol", def, "Passw0rd€", nil, "symbol"},
		{"leading space", lax, " secret", nil, "whitespace"},
		{"trailing space", lax, "secret ", nil, "whitespace"},
		{"trailing tab", lax, "secret\t", nil, "whitespace"},
		{"256 code points", lax, strings.Repeat("ж", 256), nil, ""},
		{"257 code points", lax, strings.Repeat("ж", 257), nil, "at most 256"},
		{"length in code points", pool.PasswordPolicy{MinimumLength: 8}, "ééééééé", nil, "not long enough"},
		{"invalid utf8", lax, "abc\xffdef", nil, "UTF-8"},
		{"equals username", lax, "AnnSmith", []string{"annsmith"}, "same as the username"},
		{"equals email", lax, "Ann@Example.com", []string{"ann", "ann@example.com"}, "same as the username"},
		{"contains username ok", lax, "annsmith1", []string{"annsmith"}, ""},
		{"weak under strength", strong, "Passw0rd!", nil, "too easy to guess"},
		{"strong enough", strong, "Tq8!vLz#2mWp", nil, ""},
		{"strong alone", pool.PasswordPolicy{MinimumLength: 6, MinimumStrength: 3}, "zebulonquartz77", nil, ""},
		{"weak given the username", pool.PasswordPolicy{MinimumLength: 6, MinimumStrength: 3}, "zebulonquartz77", []string{"zebulonquartz"}, "too easy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.policy, tt.password, tt.inputs...)
			if tt.contains == "" {
				wantErr(t, err, "", "")
				return
			}
			wantErr(t, err, errs.InvalidPassword, tt.contains)
			if !strings.HasPrefix(err.(*errs.Error).Message, "Password did not conform with policy: ") {
				t.Errorf("message %q lacks Cognito's prefix", err.(*errs.Error).Message)
			}
		})
	}
}

func TestGeneratePassword(t *testing.T) {
	policies := []pool.PasswordPolicy{
		pool.DefaultPasswordPolicy(),
		{MinimumLength: 99, RequireSymbols: true, RequireNumbers: true},
		{MinimumLength: 6, MinimumStrength: 4, RequireUppercase: true},
	}
	seen := map[string]bool{}
	for _, pp := range policies {
		for range 20 {
			pw, err := GeneratePassword(pp, "ann")
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckPassword(pp, pw, "ann"); err != nil {
				t.Fatalf("generated %q fails the policy %+v: %v", pw, pp, err)
			}
			if seen[pw] {
				t.Fatalf("generated %q twice", pw)
			}
			seen[pw] = true
		}
	}
}
