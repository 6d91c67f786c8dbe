package main

import (
	"strconv"
	"strings"
)

// cacheMemory is the value of --cache-memory: a size in bytes as
// parseBytes reads it (512M, 4G, 2GiB, ...), 0 for the local context's
// default (a quarter of the physical memory), or off (also -1 or none) to
// never cache.
type cacheMemory int64

func (m *cacheMemory) String() string {
	switch {
	case *m == 0:
		return "0"
	case *m < 0:
		return "off"
	}
	return strconv.FormatInt(int64(*m), 10)
}

func (m *cacheMemory) Set(s string) error {
	switch t := strings.ToLower(strings.TrimSpace(s)); t {
	case "0", "default":
		*m = 0
		return nil
	case "off", "none", "never", "-1":
		*m = -1
		return nil
	}
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	*m = cacheMemory(n)
	return nil
}

func (m *cacheMemory) Type() string { return "size" }
