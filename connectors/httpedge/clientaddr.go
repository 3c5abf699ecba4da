package httpedge

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies whose X-Forwarded-For is believed.
// Without any, the client address is the connection's: a client can write
// any X-Forwarded-For it likes, and believing it would let it choose its
// own rate-limit bucket.
type Proxies []netip.Prefix

// ParseProxies parses addresses and CIDR prefixes (10.0.0.0/8, ::1).
func ParseProxies(ss []string) (Proxies, error) {
	var ps Proxies
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			ps = append(ps, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR prefix", s)
		}
		ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
	}
	return ps, nil
}

func (ps Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr is the address of the client behind r. Only when the
// connection comes from a trusted proxy is X-Forwarded-For read, from the
// right, skipping trusted proxies: the first address no trusted proxy
// vouches for is the client.
func (ps Proxies) ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || len(ps) == 0 || !ps.trusts(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := hopAddr(hops[i])
		if err != nil {
			// A hop we cannot read: the proxy that appended it is the
			// last we can vouch for.
			return peer.String()
		}
		if !ps.trusts(a) {
			return a.Unmap().String()
		}
		peer = a
	}
	return peer.Unmap().String()
}

// hopAddr reads one X-Forwarded-For entry: an address, or an address and
// port as some proxies write it ("203.0.113.9:41234", "[2001:db8::1]:443").
// Read as unreadable, a hop with a port would make every client behind
// such a proxy the proxy itself, one bucket for all.
func hopAddr(hop string) (netip.Addr, error) {
	hop = strings.TrimSpace(hop)
	if a, err := netip.ParseAddr(hop); err == nil {
		return a, nil
	}
	ap, err := netip.ParseAddrPort(hop)
	if err != nil {
		return netip.Addr{}, err
	}
	return ap.Addr(), nil
}

// RateKey is the rate-limit bucket of the client behind r: its IPv4
// address, or the /64 of its IPv6 one. An IPv6 host is handed a whole /64
// and may take any of its 2^64 addresses; keyed by address, one host
// would have as many buckets as it liked.
func (ps Proxies) RateKey(r *http.Request) string {
	addr := ps.ClientAddr(r)
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Unmap().Is6() {
		return "addr:" + addr
	}
	return "net:" + netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}

// NetworkOf is the /48 a RateKey's IPv6 /64 lies in, or "" for an IPv4
// address or another key. A home or business line is routed a /56 or a
// /48, so one subscriber holds hundreds of /64 buckets: a store that
// bounds what each client may hold bounds what each network may hold too.
func NetworkOf(rateKey string) string {
	rest, ok := strings.CutPrefix(rateKey, "net:")
	if !ok {
		return ""
	}
	p, err := netip.ParsePrefix(rest)
	if err != nil || !p.Addr().Is6() {
		return ""
	}
	return "net48:" + netip.PrefixFrom(p.Addr(), 48).Masked().String()
}
