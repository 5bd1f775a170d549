package config

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of the client policy fields left at zero.
const (
	DefaultReadTimeout      = time.Second
	DefaultRetryBudget      = 0.1
	DefaultBreakerErrorRate = 0.5
	DefaultBreakerMinSample = 20
	// MaxReadRetries bounds client.read_retries: a read retried more often only multiplies the
	// load on a service that is already failing.
	MaxReadRetries = 2
)

// Breaker is the circuit breaker kept per instance of a called service: once at least MinSample
// calls to one instance were made in the last ten seconds and ErrorRate of them failed to connect
// or timed out, calls to that instance are refused at once (errno 10004) for a few seconds, then
// let through one at a time to see whether it is back.
type Breaker struct {
	Disabled  bool    `yaml:"disabled"`
	ErrorRate float64 `yaml:"error_rate"`
	MinSample int64   `yaml:"min_sample"`
}

// ServiceTimeouts overrides the timeouts of the calls to one service (client.services.<name>).
type ServiceTimeouts struct {
	RPCTimeout  time.Duration `yaml:"rpc_timeout"`
	ReadTimeout time.Duration `yaml:"read_timeout"`
}

// Timeouts returns the timeouts of the calls to service: its override where set, else the
// client's own, with read_timeout defaulting to the smaller of DefaultReadTimeout and rpc_timeout.
func (c Client) Timeouts(service string) (read, other time.Duration) {
	read, other = c.ReadTimeout, c.RPCTimeout
	if o, ok := c.Services[service]; ok {
		if o.RPCTimeout > 0 {
			other = o.RPCTimeout
		}
		if o.ReadTimeout > 0 {
			read = o.ReadTimeout
		}
	}
	if read <= 0 {
		read = min(DefaultReadTimeout, other)
	}
	return read, other
}

// Budget is the largest share of a method's calls that may be retries.
func (c Client) Budget() float64 {
	if c.RetryBudget == 0 {
		return DefaultRetryBudget
	}
	return c.RetryBudget
}

// Trip returns the breaker's error rate and minimum sample, defaults filled in.
func (b Breaker) Trip() (errorRate float64, minSample int64) {
	errorRate, minSample = b.ErrorRate, b.MinSample
	if errorRate == 0 {
		errorRate = DefaultBreakerErrorRate
	}
	if minSample == 0 {
		minSample = DefaultBreakerMinSample
	}
	return errorRate, minSample
}

func (c Client) validatePolicy() error {
	var errs []error
	if c.ReadTimeout < 0 {
		errs = append(errs, errors.New("client.read_timeout must not be negative (0: the default, 1s)"))
	}
	if c.ReadRetries < 0 || c.ReadRetries > MaxReadRetries {
		errs = append(errs, fmt.Errorf("client.read_retries must be within 0..%d, got %d", MaxReadRetries, c.ReadRetries))
	}
	// Kitex refuses a retry budget outside (0, 0.3].
	if c.RetryBudget < 0 || c.RetryBudget > 0.3 {
		errs = append(errs, fmt.Errorf("client.retry_budget must be within (0, 0.3] (0: the default, %v), got %v", DefaultRetryBudget, c.RetryBudget))
	}
	if c.Breaker.ErrorRate < 0 || c.Breaker.ErrorRate > 1 {
		errs = append(errs, fmt.Errorf("client.breaker.error_rate must be within (0, 1], got %v", c.Breaker.ErrorRate))
	}
	if c.Breaker.MinSample < 0 {
		errs = append(errs, fmt.Errorf("client.breaker.min_sample must not be negative, got %d", c.Breaker.MinSample))
	}
	for name, o := range c.Services {
		if o.RPCTimeout < 0 || o.ReadTimeout < 0 {
			errs = append(errs, fmt.Errorf("client.services.%s: timeouts must not be negative", name))
		}
	}
	return errors.Join(errs...)
}
