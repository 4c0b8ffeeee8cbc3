package provider

import (
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// ttlCache keeps values for a fixed time. Concurrent misses of one key share one load; errors
// are not cached, so an unknown id is looked up again next time.
type ttlCache[V any] struct {
	ttl   time.Duration
	now   func() time.Time
	mu    sync.RWMutex
	items map[string]cacheItem[V]
	loads singleflight.Group
}

type cacheItem[V any] struct {
	v      V
	loaded time.Time
}

func newTTLCache[V any](ttl time.Duration, now func() time.Time) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, now: now, items: map[string]cacheItem[V]{}}
}

func (c *ttlCache[V]) get(key string, load func() (V, error)) (V, error) {
	now := c.now()
	c.mu.RLock()
	it, ok := c.items[key]
	c.mu.RUnlock()
	if ok && now.Sub(it.loaded) < c.ttl && !now.Before(it.loaded) {
		return it.v, nil
	}
	v, err, _ := c.loads.Do(key, func() (any, error) {
		v, err := load()
		if err != nil {
			return v, err
		}
		c.mu.Lock()
		c.items[key] = cacheItem[V]{v: v, loaded: now}
		c.mu.Unlock()
		return v, nil
	})
	if err != nil {
		var zero V
		return zero, err
	}
	return v.(V), nil
}
