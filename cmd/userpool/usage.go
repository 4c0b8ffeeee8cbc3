package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The usage listing of the management commands is generated from the commands table, so that a
// new row is listed without a second edit. These lists only order the listing: a group or
// subcommand missing from them is still shown, after the ones named, alphabetically.
var (
	groupOrder = []string{"pools", "apps", "users", "groups", "resource-servers", "messages", "triggers", "keys", "branding", "mfa"}
	verbOrder  = []string{"create", "list", "get", "update", "delete"}
)

// apiGroup is one group of table commands ("users") and its subcommands, in usage order.
type apiGroup struct {
	name string
	subs []string
}

// apiGroups groups the commands table by its first word.
func apiGroups() []apiGroup {
	subs := map[string][]string{}
	for name := range commands {
		group, sub, _ := strings.Cut(name, " ")
		subs[group] = append(subs[group], sub)
	}
	groups := make([]apiGroup, 0, len(subs))
	for name, s := range subs {
		slices.SortFunc(s, byOrder(verbOrder))
		groups = append(groups, apiGroup{name, s})
	}
	slices.SortFunc(groups, func(a, b apiGroup) int { return byOrder(groupOrder)(a.name, b.name) })
	return groups
}

// subcommands is one group's subcommands in usage order; nil when the group does not exist.
func subcommands(group string) []string {
	for _, g := range apiGroups() {
		if g.name == group {
			return g.subs
		}
	}
	return nil
}

// byOrder compares by position in order, then (for names not in it) alphabetically.
func byOrder(order []string) func(a, b string) int {
	rank := func(s string) int {
		if i := slices.Index(order, s); i >= 0 {
			return i
		}
		return len(order)
	}
	return func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: userpool [command] [flags]

Server:
  serve                 run the server (the default command); userpool serve -h lists its flags
  migrate               apply database migrations and exit
  version               print the version
  access-keys create|list|disable|enable|delete
                        manage admin access keys directly in the database
  bench                 load-test a running server; userpool bench -h lists its flags

Management API (signed with an admin access key):
`)
	for _, g := range apiGroups() {
		fmt.Fprintf(w, "  %-21s %s\n", g.name, strings.Join(g.subs, "|"))
	}
	fmt.Fprint(w, `  api ACTION [JSON]     call any action, e.g. userpool api ListUserPools '{"MaxResults":10}'

Run userpool COMMAND SUBCOMMAND -h for the flags of a command.
`)
}
