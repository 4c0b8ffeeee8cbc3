package storage

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

// schemaBatch is how many users a schema change reads or writes per statement; it keeps memory
// flat and stays under SQLite's bound-parameter limit.
const schemaBatch = 500

// maxConflictsInMessage bounds the conflicts spelled out in the error message; the
// ConflictsError carries them all.
const maxConflictsInMessage = 10

// applySchemaChange brings a pool's users in line with change, inside UpdatePool's transaction.
func applySchemaChange(tx *gorm.DB, poolID string, change pool.SchemaChange) error {
	for _, attr := range append(append([]string{}, change.RemovedAliases...), change.AddedAliases...) {
		if _, ok := aliasColumns[attr]; !ok {
			return errs.New(errs.InvalidParameter, "%s cannot be a sign-in alias.", attr)
		}
	}
	if len(change.AddedAliases) > 0 && change.AliasKey == nil {
		return fmt.Errorf("update pool: schema change adds aliases without an AliasKey function")
	}
	for _, attr := range change.RemovedAliases {
		col := aliasColumns[attr]
		if err := tx.Exec("UPDATE users SET "+col+" = NULL WHERE pool_id = ? AND "+col+" IS NOT NULL", poolID).Error; err != nil {
			return fmt.Errorf("clear %s alias keys: %w", attr, err)
		}
	}
	if len(change.AddedAliases) == 0 && len(change.AddedRequired) == 0 {
		return nil
	}

	type owner struct{ sub, username string }
	keys := map[string]map[string][]owner{} // attribute -> key -> users holding it
	for _, attr := range change.AddedAliases {
		keys[attr] = map[string][]owner{}
	}
	var incomplete []string
	last := ""
	for {
		var batch []userRow
		err := tx.Select("sub", "username", "attributes", "profile_incomplete").
			Where("pool_id = ? AND sub > ?", poolID, last).Order("sub").Limit(schemaBatch).Find(&batch).Error
		if err != nil {
			return fmt.Errorf("read users: %w", err)
		}
		for _, r := range batch {
			var attrs map[string]string
			if err := json.Unmarshal([]byte(r.Attributes), &attrs); err != nil {
				return fmt.Errorf("decode attributes of user %s: %w", r.Sub, err)
			}
			for _, attr := range change.AddedAliases {
				v := attrs[attr]
				if v == "" {
					continue
				}
				if k := change.AliasKey(attr, v, attrs[attr+"_verified"] == "true"); k != "" {
					keys[attr][k] = append(keys[attr][k], owner{r.Sub, r.Username})
				}
			}
			if !r.ProfileIncomplete && lacksAny(attrs, change.AddedRequired) {
				incomplete = append(incomplete, r.Sub)
			}
		}
		if len(batch) < schemaBatch {
			break
		}
		last = batch[len(batch)-1].Sub
	}

	var conflicts []pool.AliasConflict
	for attr, byKey := range keys {
		for k, owners := range byKey {
			if len(owners) < 2 {
				continue
			}
			c := pool.AliasConflict{Attribute: attr, Value: k}
			for _, o := range owners {
				c.Usernames = append(c.Usernames, o.username)
			}
			sort.Strings(c.Usernames)
			conflicts = append(conflicts, c)
		}
	}
	if len(conflicts) > 0 {
		sort.Slice(conflicts, func(i, j int) bool {
			if conflicts[i].Attribute != conflicts[j].Attribute {
				return conflicts[i].Attribute < conflicts[j].Attribute
			}
			return conflicts[i].Value < conflicts[j].Value
		})
		return &errs.Error{Code: errs.AliasExists, Message: conflictMessage(conflicts), Err: &pool.ConflictsError{Conflicts: conflicts}}
	}

	for attr, byKey := range keys {
		col := aliasColumns[attr]
		if err := tx.Exec("UPDATE users SET "+col+" = NULL WHERE pool_id = ? AND "+col+" IS NOT NULL", poolID).Error; err != nil {
			return fmt.Errorf("reset %s alias keys: %w", attr, err)
		}
		subs := make([]string, 0, len(byKey))
		keyOf := make(map[string]string, len(byKey))
		for k, owners := range byKey {
			subs = append(subs, owners[0].sub)
			keyOf[owners[0].sub] = k
		}
		sort.Strings(subs)
		for start := 0; start < len(subs); start += schemaBatch {
			chunk := subs[start:min(start+schemaBatch, len(subs))]
			// One statement per batch: CASE picks each user's key.
			var sql strings.Builder
			args := make([]any, 0, 2*len(chunk)+2)
			sql.WriteString("UPDATE users SET " + col + " = CASE sub")
			for _, sub := range chunk {
				sql.WriteString(" WHEN ? THEN ?")
				args = append(args, sub, keyOf[sub])
			}
			sql.WriteString(" END WHERE pool_id = ? AND sub IN ?")
			args = append(args, poolID, chunk)
			if err := tx.Exec(sql.String(), args...).Error; err != nil {
				return fmt.Errorf("set %s alias keys: %w", attr, err)
			}
		}
	}
	for start := 0; start < len(incomplete); start += schemaBatch {
		chunk := incomplete[start:min(start+schemaBatch, len(incomplete))]
		err := tx.Exec("UPDATE users SET profile_incomplete = ? WHERE pool_id = ? AND sub IN ?", true, poolID, chunk).Error
		if err != nil {
			return fmt.Errorf("mark incomplete profiles: %w", err)
		}
	}
	return nil
}

// lacksAny reports whether any of the required attributes is missing or empty (sub never is).
func lacksAny(attrs map[string]string, required []string) bool {
	for _, name := range required {
		if name != "sub" && attrs[name] == "" {
			return true
		}
	}
	return false
}

func conflictMessage(conflicts []pool.AliasConflict) string {
	var b strings.Builder
	b.WriteString("Cannot add the alias: existing users share these values: ")
	for i, c := range conflicts {
		if i == maxConflictsInMessage {
			fmt.Fprintf(&b, "; and %d more", len(conflicts)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %q (%s)", c.Attribute, c.Value, strings.Join(c.Usernames, ", "))
	}
	b.WriteString(".")
	return b.String()
}
