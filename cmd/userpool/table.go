package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// tableSpec says which list of a response to show and its columns.
type tableSpec struct {
	list    string
	columns []column
}

type column struct {
	header string
	get    func(item map[string]any) string
}

// col shows a top-level field of an item.
func col(header, key string) column {
	return column{header, func(item map[string]any) string { return cell(key, item[key]) }}
}

// attrCol shows one attribute of a user (from Attributes or UserAttributes).
func attrCol(header, name string) column {
	return column{header, func(item map[string]any) string {
		for _, key := range []string{"Attributes", "UserAttributes"} {
			list, _ := item[key].([]any)
			for _, a := range list {
				if m, ok := a.(map[string]any); ok && m["Name"] == name {
					return cell("", m["Value"])
				}
			}
		}
		return ""
	}}
}

// countCol shows the length of a list field.
func countCol(header, key string) column {
	return column{header, func(item map[string]any) string {
		list, _ := item[key].([]any)
		return fmt.Sprint(len(list))
	}}
}

// cell formats one value; Cognito's dates (epoch seconds) are shown as RFC 3339.
func cell(key string, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		if strings.HasSuffix(key, "Date") {
			if f, err := v.Float64(); err == nil {
				return time.Unix(int64(f), 0).UTC().Format(time.RFC3339)
			}
		}
		return v.String()
	case bool:
		return fmt.Sprint(v)
	case []any:
		// A list of objects (a pool's schema) does not fit a cell; --output json shows it.
		if len(v) > 0 {
			if _, ok := v[0].(map[string]any); ok {
				return fmt.Sprintf("(%d items)", len(v))
			}
		}
		b, _ := json.Marshal(v)
		return string(b)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// printTable shows a list response as rows (with the next page's token after them), or any
// other response as field/value rows of its object.
func printTable(w io.Writer, body []byte, spec *tableSpec) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var resp map[string]any
	if err := dec.Decode(&resp); err != nil {
		return fmt.Errorf("the server's response is not a JSON object: %.200s", body)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if spec != nil {
		headers := make([]string, len(spec.columns))
		for i, c := range spec.columns {
			headers[i] = c.header
		}
		fmt.Fprintln(tw, strings.Join(headers, "\t"))
		items, _ := resp[spec.list].([]any)
		for _, it := range items {
			item, _ := it.(map[string]any)
			row := make([]string, len(spec.columns))
			for i, c := range spec.columns {
				row[i] = c.get(item)
			}
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, key := range []string{"NextToken", "PaginationToken"} {
			if tok, ok := resp[key].(string); ok && tok != "" {
				fmt.Fprintf(w, "more: --next-token %s\n", tok)
			}
		}
		return nil
	}
	// A single object: unwrap {"UserPool": {...}} and the like.
	obj := resp
	if len(resp) == 1 {
		for _, v := range resp {
			if inner, ok := v.(map[string]any); ok {
				obj = inner
			}
		}
	}
	fmt.Fprintln(tw, "FIELD\tVALUE")
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		// User attributes read best one per row.
		if list, ok := obj[k].([]any); ok && (k == "UserAttributes" || k == "Attributes") {
			for _, a := range list {
				if m, ok := a.(map[string]any); ok {
					fmt.Fprintf(tw, "%s\t%s\n", m["Name"], cell("", m["Value"]))
				}
			}
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\n", k, cell(k, obj[k]))
	}
	return tw.Flush()
}
