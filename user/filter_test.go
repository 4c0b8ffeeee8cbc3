package user

import (
	"strings"
	"testing"

	"github.com/userpool/userpool/errs"
)

func TestParseFilter(t *testing.T) {
	good := []struct {
		filter string
		want   Query
	}{
		{``, Query{}},
		{`   `, Query{}},
		{`username = "ann"`, Query{Field: FieldUsername, Value: "ann"}},
		{`username="ann"`, Query{Field: FieldUsername, Value: "ann"}},
		{"  email\t^=\t\"ann@\"  ", Query{Field: FieldEmail, Prefix: true, Value: "ann@"}},
		{`phone_number ^= "+1415"`, Query{Field: FieldPhoneNumber, Prefix: true, Value: "+1415"}},
		{`name = "Ann \"The Hammer\" Smith"`, Query{Field: FieldName, Value: `Ann "The Hammer" Smith`}},
		{`given_name = "back\\slash"`, Query{Field: FieldGivenName, Value: `back\slash`}},
		{`family_name = ""`, Query{Field: FieldFamilyName, Value: ""}},
		{`preferred_username ^= "an"`, Query{Field: FieldPreferredUsername, Prefix: true, Value: "an"}},
		{`cognito:user_status = "force_change_password"`, Query{Field: FieldUserStatus, Value: "FORCE_CHANGE_PASSWORD"}},
		{`cognito:user_status = "Confirmed"`, Query{Field: FieldUserStatus, Value: "CONFIRMED"}},
		{`status = "Enabled"`, Query{Field: FieldStatus, Value: "Enabled"}},
		{`status = "Disabled"`, Query{Field: FieldStatus, Value: "Disabled"}},
		{`sub = "0f8fad5b-d9cb-469f-a165-70867728950e"`, Query{Field: FieldSub, Value: "0f8fad5b-d9cb-469f-a165-70867728950e"}},
		{`name = "ünïcødé = ^= \" x"`, Query{Field: FieldName, Value: `ünïcødé = ^= " x`}},
	}
	for _, tt := range good {
		t.Run("good "+tt.filter, func(t *testing.T) {
			got, err := ParseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParseFilter(%q) = %+v, want %+v", tt.filter, got, tt.want)
			}
		})
	}
	bad := []struct {
		filter, contains string
	}{
		{`custom:tier = "gold"`, "cannot filter on"},
		{`address = "x"`, "cannot filter on"},
		{`Username = "ann"`, "cannot filter on"},
		{`= "ann"`, "attribute name"},
		{`"ann"`, "attribute name"},
		{`username`, `"=" or "^="`},
		{`username == "ann"`, "double quotes"},
		{`username != "ann"`, `"=" or "^="`},
		{`username ~= "ann"`, `"=" or "^="`},
		{`username =`, "double quotes"},
		{`username = ann`, "double quotes"},
		{`username = 'ann'`, "double quotes"},
		{`username = "ann`, "closing double quote"},
		{`username = "ann\"`, "closing double quote"},
		{`username = "a\nn"`, `only \" and \\`},
		{`username = "ann" and email = "x"`, "unexpected"},
		{`username = "ann" x`, "unexpected"},
		{`username = "ann""`, "unexpected"},
		{`cognito:user_status = "ACTIVE"`, "not a user status"},
		{`cognito:user_status ^= "CONF"`, `only "="`},
		{`status = "enabled"`, `"Enabled" or "Disabled"`},
		{`status ^= "En"`, `only "="`},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.filter, func(t *testing.T) {
			_, err := ParseFilter(tt.filter)
			e, ok := errs.As(err)
			if !ok || e.Code != errs.InvalidParameter {
				t.Fatalf("ParseFilter(%q) = %v, want InvalidParameter", tt.filter, err)
			}
			if !strings.Contains(e.Message, tt.contains) {
				t.Errorf("message %q does not contain %q", e.Message, tt.contains)
			}
		})
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`username = "ann"`, `email ^= "a\"b"`, `status = "Enabled"`, `x`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		q, err := ParseFilter(filter)
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("error %v is not an *errs.Error", err)
			}
			return
		}
		if q.Field == "" && strings.TrimSpace(filter) != "" {
			t.Fatalf("non-empty filter %q parsed to an empty query", filter)
		}
	})
}
