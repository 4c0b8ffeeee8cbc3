package trigger

import (
	"strings"

	"github.com/userpool/userpool/pool"
)

// Sample returns an event of src as a trigger receives it (from a pool "local_EXAMPLE1").
func Sample(src Source) any {
	ev, h := sample(src)
	version := "1"
	if strings.HasPrefix(string(h.TriggerSource), "TokenGeneration") {
		version = "2"
	}
	fill(h, &pool.Pool{Id: "local_EXAMPLE12"}, version)
	return ev
}
