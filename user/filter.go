package user

import (
	"slices"
	"strings"

	"github.com/userpool/userpool/errs"
)

var filterFields = []string{
	FieldUsername, FieldEmail, FieldPhoneNumber, FieldName, FieldGivenName, FieldFamilyName,
	FieldPreferredUsername, FieldUserStatus, FieldStatus, FieldSub,
}

var statuses = []Status{StatusUnconfirmed, StatusConfirmed, StatusForceChangePassword, StatusResetRequired}

func filterError(format string, args ...any) error {
	return errs.New(errs.InvalidParameter, "Invalid filter: "+format, args...)
}

// ParseFilter parses a ListUsers filter in Cognito's grammar: `attr = "value"` (exact) or
// `attr ^= "value"` (prefix), with optional whitespace around the tokens and \" and \\ as the
// only escapes in the value. An empty or blank filter lists everyone. cognito:user_status
// values are upper-cased and must be a status; status must be "Enabled" or "Disabled".
// Username values are returned as given: the service normalizes them with the pool.
func ParseFilter(filter string) (Query, error) {
	var q Query
	s := strings.TrimSpace(filter)
	if s == "" {
		return q, nil
	}
	i := 0
	for i < len(s) && (isLetter(s[i]) || s[i] == '_' || s[i] == ':') {
		i++
	}
	q.Field = s[:i]
	if q.Field == "" {
		return q, filterError("expected an attribute name at the start of the filter.")
	}
	if !slices.Contains(filterFields, q.Field) {
		return q, filterError("cannot filter on %q; use one of %s.", q.Field, strings.Join(filterFields, ", "))
	}
	s = strings.TrimLeft(s[i:], " \t\r\n")
	switch {
	case strings.HasPrefix(s, "^="):
		q.Prefix = true
		s = s[2:]
	case strings.HasPrefix(s, "="):
		s = s[1:]
	default:
		return q, filterError(`expected "=" or "^=" after %s.`, q.Field)
	}
	s = strings.TrimLeft(s, " \t\r\n")
	if !strings.HasPrefix(s, `"`) {
		return q, filterError("the value must be in double quotes.")
	}
	var val strings.Builder
	closed := false
	j := 1
	for ; j < len(s); j++ {
		c := s[j]
		if c == '"' {
			closed = true
			j++
			break
		}
		if c == '\\' {
			if j+1 >= len(s) || (s[j+1] != '"' && s[j+1] != '\\') {
				return q, filterError(`only \" and \\ may be escaped in the value.`)
			}
			j++
			c = s[j]
		}
		val.WriteByte(c)
	}
	if !closed {
		return q, filterError("the value has no closing double quote.")
	}
	if rest := strings.TrimSpace(s[j:]); rest != "" {
		return q, filterError("unexpected %q after the value.", rest)
	}
	q.Value = val.String()
	switch q.Field {
	case FieldUserStatus:
		q.Value = strings.ToUpper(q.Value)
		if q.Prefix {
			return q, filterError(`%s supports only "=".`, q.Field)
		}
		if !slices.Contains(statuses, Status(q.Value)) {
			return q, filterError("%q is not a user status.", q.Value)
		}
	case FieldStatus:
		if q.Prefix {
			return q, filterError(`%s supports only "=".`, q.Field)
		}
		if q.Value != "Enabled" && q.Value != "Disabled" {
			return q, filterError(`status must be "Enabled" or "Disabled".`)
		}
	}
	return q, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
