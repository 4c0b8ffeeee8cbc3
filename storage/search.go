package storage

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/user"
)

// searchColumns maps a ListUsers filter field to its column. Unique columns sort by themselves;
// the others by (column, sub), which their (pool_id, column, sub) index serves.
var searchColumns = map[string]struct {
	col    string
	unique bool
}{
	user.FieldUsername:          {"username_key", true},
	user.FieldSub:               {"sub", true},
	user.FieldEmail:             {"email", false},
	user.FieldPhoneNumber:       {"phone_number", false},
	user.FieldName:              {"name", false},
	user.FieldGivenName:         {"given_name", false},
	user.FieldFamilyName:        {"family_name", false},
	user.FieldPreferredUsername: {"preferred_username", false},
	user.FieldUserStatus:        {"status", false},
}

// prefixUpperBound returns the least string greater than every string that starts with p
// (p with its last code point incremented), and false when there is none. UTF-8 byte order is
// code point order, and both databases compare these columns bytewise (SQLite's BINARY,
// PostgreSQL's "C"), so "col >= p AND col < bound" is exactly "col starts with p" and an index
// range scan serves it. Unlike LIKE, '%' and '_' in p are ordinary characters.
func prefixUpperBound(p string) (string, bool) {
	rs := []rune(p)
	for len(rs) > 0 {
		last := rs[len(rs)-1]
		if last < utf8.MaxRune {
			next := last + 1
			if next == 0xD800 { // surrogates are not valid in UTF-8
				next = 0xE000
			}
			rs[len(rs)-1] = next
			return string(rs), true
		}
		rs = rs[:len(rs)-1]
	}
	return "", false
}

// ListUsers returns the users matching q, ordered by the searched column and sub, and the
// cursor of the next page ("" at the end).
func (s *Store) ListUsers(ctx context.Context, poolID string, q user.Query) ([]*user.User, string, error) {
	stmt, sortCol, err := s.listUsersQuery(s.db.WithContext(ctx), poolID, q)
	if err != nil {
		return nil, "", err
	}
	if stmt == nil {
		return []*user.User{}, "", nil
	}
	var rows []userRow
	if err := stmt.Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	limit := pageLimit(q.Page)
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		c := cursor{Field: cursorField(q), Key: last.Sub}
		switch sortCol {
		case "sub":
		case "username_key":
			c.Key = last.UsernameKey
		default:
			c.Value = deref(sortValue(&last, sortCol))
		}
		next = encodeCursor(c)
	}
	users, err := s.toUsers(rows)
	return users, next, err
}

func cursorField(q user.Query) string {
	op := "="
	if q.Prefix {
		op = "^="
	}
	return "users:" + q.Field + op
}

func sortValue(r *userRow, col string) *string {
	switch col {
	case "email":
		return r.Email
	case "phone_number":
		return r.PhoneNumber
	case "name":
		return r.Name
	case "given_name":
		return r.GivenName
	case "family_name":
		return r.FamilyName
	case "preferred_username":
		return r.PreferredUsername
	case "status":
		return &r.Status
	}
	return nil
}

// listUsersQuery builds the ListUsers statement and names its leading sort column; a nil
// statement means that nothing can match.
func (s *Store) listUsersQuery(db *gorm.DB, poolID string, q user.Query) (*gorm.DB, string, error) {
	after, err := decodeCursor(q.Page.After, cursorField(q))
	if err != nil {
		return nil, "", err
	}
	if !utf8.ValidString(q.Value) || strings.ContainsRune(q.Value, 0) {
		return nil, "", errs.New(errs.InvalidParameter, "The filter value must be valid UTF-8 text.")
	}
	stmt := db.Model(&userRow{}).Where("pool_id = ?", poolID).Limit(pageLimit(q.Page) + 1)

	// Lists ordered by sub alone: everyone, "status" (enabled) and "=" on a non-unique column,
	// where the column is constant and its index continues in sub order.
	bySub := func(stmt *gorm.DB) (*gorm.DB, string, error) {
		if after.Key != "" {
			stmt = stmt.Where("sub > ?", after.Key)
		}
		return stmt.Order("sub"), "sub", nil
	}
	switch q.Field {
	case "":
		return bySub(stmt)
	case user.FieldStatus:
		var matches []bool
		for _, v := range []struct {
			name    string
			enabled bool
		}{{"Enabled", true}, {"Disabled", false}} {
			if v.name == q.Value || (q.Prefix && strings.HasPrefix(v.name, q.Value)) {
				matches = append(matches, v.enabled)
			}
		}
		switch len(matches) {
		case 0:
			if !q.Prefix {
				return nil, "", errs.New(errs.InvalidParameter, "status must be \"Enabled\" or \"Disabled\".")
			}
			return nil, "", nil
		case 1:
			stmt = stmt.Where("enabled = ?", matches[0])
		}
		return bySub(stmt)
	}
	sc, ok := searchColumns[q.Field]
	if !ok {
		return nil, "", errs.New(errs.InvalidParameter, "%s is not a searchable attribute.", q.Field)
	}
	col := sc.col
	if !q.Prefix {
		stmt = stmt.Where(col+" = ?", q.Value)
		if sc.unique {
			return stmt.Order(col), col, nil // at most one row
		}
		return bySub(stmt)
	}
	stmt = stmt.Where(col+" >= ?", q.Value)
	if hi, ok := prefixUpperBound(q.Value); ok {
		stmt = stmt.Where(col+" < ?", hi)
	}
	if sc.unique {
		if after.Key != "" {
			stmt = stmt.Where(col+" > ?", after.Key)
		}
		return stmt.Order(col), col, nil
	}
	if after.Key != "" {
		// Keyset on (col, sub): the first conjunct narrows the index range, the second skips
		// the rows of the previous page that share its last value.
		stmt = stmt.Where(col+" >= ?", after.Value).Where("("+col+" > ? OR sub > ?)", after.Value, after.Key)
	}
	return stmt.Order(col).Order("sub"), col, nil
}
