package metrics

import "github.com/prometheus/client_golang/prometheus"

// Refusals counts requests crossbar's admission refused: by the token bucket (429,
// reason rate_limit) or by token restrictions (403, reason token_restrictions), by URL
// account.
type Refusals struct {
	refused *prometheus.CounterVec // account, reason
}

// Refusals registers the refusal counter in reg and returns it. Call it once per
// Registry.
func (reg *Registry) Refusals() *Refusals {
	m := &Refusals{refused: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "auth", Name: "refusals_total",
		Help: "Requests refused by the token bucket (reason rate_limit) or token restrictions (reason token_restrictions), by URL account.",
	}, []string{"account", "reason"})}
	reg.reg.MustRegister(m.refused)
	return m
}

// Refused counts one refused request.
func (m *Refusals) Refused(accountID, reason string) {
	m.refused.WithLabelValues(accountID, reason).Inc()
}
