package storage

import (
	"encoding/base64"
	"encoding/json"

	"gorm.io/gorm"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

// maxPage bounds a page when a caller passes no limit; services validate 1–60 themselves.
const maxPage = 60

func pageLimit(p pool.Page) int {
	if p.Limit <= 0 || p.Limit > maxPage {
		return maxPage
	}
	return p.Limit
}

// cursor is the sort key of the last row of a page. It travels base64-encoded, so callers see
// an opaque token. Field ties a user-search cursor to the field it was made for.
type cursor struct {
	Field string `json:"f,omitempty"`
	Value string `json:"v,omitempty"`
	Key   string `json:"k"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // a struct of strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadToken = errs.New(errs.InvalidParameter, "Invalid pagination token.")

// decodeCursor returns the zero cursor for "" and InvalidParameter for a token we did not make.
func decodeCursor(token, field string) (cursor, error) {
	if token == "" {
		return cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return cursor{}, errBadToken
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Key == "" || c.Field != field {
		return cursor{}, errBadToken
	}
	return c, nil
}

// keyset is one page of a list ordered by a single unique column: the rows whose column sorts
// after the cursor's key. The cursor is decoded before the query is built, so that a bad token
// is refused before anything else is checked.
type keyset struct {
	field  string // names the list in its cursors, so that a token from another list is refused
	column string // the ordered unique column, as the query names it ("name", "m.sub")
	after  string
	limit  int
}

func newKeyset(page pool.Page, field, column string) (keyset, error) {
	after, err := decodeCursor(page.After, field)
	if err != nil {
		return keyset{}, err
	}
	return keyset{field: field, column: column, after: after.Key, limit: pageLimit(page)}, nil
}

// findPage runs q for the page k (fetching one row more, to know whether another page follows)
// and returns its rows and the next page's cursor, "" at the end; key is a row's column value.
func findPage[R any](q *gorm.DB, k keyset, key func(*R) string) ([]R, string, error) {
	if k.after != "" {
		q = q.Where(k.column+" > ?", k.after)
	}
	var rows []R
	if err := q.Order(k.column).Limit(k.limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	if len(rows) <= k.limit {
		return rows, "", nil
	}
	rows = rows[:k.limit]
	return rows, encodeCursor(cursor{Field: k.field, Key: key(&rows[k.limit-1])}), nil
}
