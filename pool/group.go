package pool

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/userpool/userpool/errs"
)

var (
	// groupNameRE is Cognito's GroupNameType: letters, marks, symbols, numbers, punctuation.
	groupNameRE = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)
	// resourceServerIDRE and scopeNameRE are Cognito's ResourceServerIdentifierType and
	// ResourceServerScopeNameType (a scope name cannot contain '/', an identifier can).
	resourceServerIDRE = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)
	scopeNameRE        = regexp.MustCompile(`^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$`)
)

func checkLength(field, v string, lo, hi int) error {
	if n := utf8.RuneCountInString(v); n < lo || n > hi {
		if lo == 0 {
			return errs.New(errs.InvalidParameter, "%s must be at most %d characters long.", field, hi)
		}
		return errs.New(errs.InvalidParameter, "%s must be %d-%d characters long.", field, lo, hi)
	}
	return nil
}

// CheckGroupName validates a group name.
func CheckGroupName(name string) error {
	if err := checkLength("GroupName", name, 1, 128); err != nil {
		return err
	}
	if !groupNameRE.MatchString(name) {
		return errs.New(errs.InvalidParameter, "GroupName may contain only letters, marks, symbols, numbers and punctuation (no whitespace).")
	}
	return nil
}

func checkGroup(g *Group) error {
	if err := CheckGroupName(g.GroupName); err != nil {
		return err
	}
	if err := checkLength("Description", g.Description, 0, 2048); err != nil {
		return err
	}
	if g.RoleArn != "" {
		if err := checkLength("RoleArn", g.RoleArn, 20, 2048); err != nil {
			return err
		}
		if !strings.HasPrefix(g.RoleArn, "arn:") {
			return errs.New(errs.InvalidParameter, "RoleArn must be an ARN (arn:...).")
		}
	}
	if g.Precedence != nil && *g.Precedence < 0 {
		return errs.New(errs.InvalidParameter, "Precedence must be 0 or greater.")
	}
	return nil
}

func checkResourceServer(rs *ResourceServer) error {
	if err := checkLength("Identifier", rs.Identifier, 1, 256); err != nil {
		return err
	}
	if !resourceServerIDRE.MatchString(rs.Identifier) {
		return errs.New(errs.InvalidParameter, "Identifier may contain only printable ASCII characters other than space, '\"' and '\\'.")
	}
	if err := checkLength("Name", rs.Name, 1, 256); err != nil {
		return err
	}
	if !nameRE.MatchString(rs.Name) {
		return errs.New(errs.InvalidParameter, "Name may contain only letters, digits, spaces and + = , . @ - _.")
	}
	if len(rs.Scopes) > 100 {
		return errs.New(errs.InvalidParameter, "A resource server can have at most 100 scopes.")
	}
	var names []string
	for _, s := range rs.Scopes {
		if err := checkLength("ScopeName", s.ScopeName, 1, 256); err != nil {
			return err
		}
		if !scopeNameRE.MatchString(s.ScopeName) {
			return errs.New(errs.InvalidParameter, "ScopeName %q may contain only printable ASCII characters other than space, '\"', '/' and '\\'.", s.ScopeName)
		}
		if err := checkLength("ScopeDescription", s.ScopeDescription, 1, 256); err != nil {
			return err
		}
		if slices.Contains(names, s.ScopeName) {
			return errs.New(errs.InvalidParameter, "ScopeName %q is given more than once.", s.ScopeName)
		}
		names = append(names, s.ScopeName)
	}
	if rs.Scopes == nil {
		rs.Scopes = []Scope{}
	}
	return nil
}
