package config_test

import (
	"testing"

	"github.com/userpool/userpool/config"
)

func TestNoDemo(t *testing.T) {
	tests := []struct {
		args []string
		env  string
		want bool
	}{
		{nil, "", false},
		{[]string{"--no-demo"}, "", true},
		{nil, "1", true},
		{nil, "true", true},
		{[]string{"--no-demo=false"}, "1", false},
	}
	for _, tt := range tests {
		c, err := config.Load(tt.args, func(k string) string {
			if k == "USERPOOL_NO_DEMO" {
				return tt.env
			}
			return ""
		})
		if err != nil {
			t.Fatalf("%v %q: %v", tt.args, tt.env, err)
		}
		if c.NoDemo != tt.want {
			t.Errorf("%v USERPOOL_NO_DEMO=%q: NoDemo %v, want %v", tt.args, tt.env, c.NoDemo, tt.want)
		}
	}
}
