package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/userpool/userpool/accesskey"
)

// accessKeys manages admin access keys directly in the database (no server needed).
func accessKeys(args []string, e env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, "Usage: userpool access-keys create [--id ID --secret SECRET] | list | disable --id ID | enable --id ID | delete --id ID\n"+
			"(with the server's --data-dir and --database-url flags; see userpool access-keys list -h)")
		if len(args) == 0 {
			return usagef("access-keys: missing subcommand")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	var id, secret string
	cfg, pos, err := loadConfig("access-keys "+sub, args, e, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "access key id (create: generated when empty)")
		if sub == "create" {
			fs.StringVar(&secret, "secret", "", "secret access key (generated when empty)")
		}
	})
	if err != nil {
		return err
	}
	// The id may also be given as the only argument: userpool access-keys disable AKIA...
	if id == "" && len(pos) == 1 && sub != "create" {
		id = pos[0]
	} else if len(pos) > 0 {
		return usagef("access-keys %s: unexpected argument %q", sub, pos[0])
	}
	switch sub {
	case "create", "list":
	case "disable", "enable", "delete":
		if id == "" {
			return usagef("access-keys %s: --id is required", sub)
		}
	default:
		return usagef("access-keys: unknown subcommand %q (create, list, disable, enable, delete)", sub)
	}

	ctx := context.Background()
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	keys := accesskey.NewService(store)

	switch sub {
	case "create":
		k, err := keys.Create(ctx, id, secret)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s=%s\n%s=%s\n", accesskey.EnvAccessKeyID, k.ID, accesskey.EnvSecretAccessKey, k.Secret)
	case "list":
		list, err := keys.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCESS KEY ID\tENABLED\tCREATED")
		for _, k := range list {
			fmt.Fprintf(tw, "%s\t%t\t%s\n", k.ID, k.Enabled, k.CreatedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	case "disable", "enable":
		if err := keys.SetEnabled(ctx, id, sub == "enable"); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%sd %s\n", sub, id)
	case "delete":
		if err := keys.Delete(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "deleted %s\n", id)
	}
	return nil
}
