package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCheckTimeout bounds the Redis check.
const redisCheckTimeout = 3 * time.Second

// CheckRedis checks that the Redis at addr answers PING (with password, if not empty). The
// services run without Redis (slower, from MySQL alone), but `make run` is the stack as it is
// meant to run, so a missing Redis is reported with what to do about it.
func CheckRedis(ctx context.Context, addr, password string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("the Redis address %q is not host:port (set REDIS_ADDR or -redis, e.g. 127.0.0.1:6379)", addr)
	}
	c := redis.NewClient(&redis.Options{Addr: addr, Password: password, Protocol: 2, MaxRetries: -1,
		DialerRetries: 1, DisableIdentity: true, DialTimeout: redisCheckTimeout, ReadTimeout: redisCheckTimeout})
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, redisCheckTimeout)
	defer cancel()
	err := c.Ping(ctx).Err()
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "NOAUTH") || strings.Contains(err.Error(), "WRONGPASS"):
		return fmt.Errorf("the Redis at %s refused the password (%v): set TIKTOK_REDIS_PASSWORD to its password", addr, err)
	case errors.Is(err, context.DeadlineExceeded):
		err = errors.New("no answer before the timeout")
	}
	return fmt.Errorf("the Redis of the cache is not reachable at %s (%v): start it (e.g. `service redis-server start`, or "+
		"`redis-server --daemonize yes`), install it first if needed (`apt-get install -y redis-server`), "+
		"or set REDIS_ADDR (or -redis) to a Redis that runs", addr, err)
}
