package fetchsession

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/scripttest"
)

// The scripts in testdata/*.txt drive a Cache the way a broker's Fetch
// handler would. Each line is `command args => expected`; '#' starts a
// comment line. Sessions are named s1, s2, ... in the order they are
// created; times are milliseconds on a script clock that keeps the last
// now= given. Commands:
//
//	cache [slots=10] [evict=1000]       a new cache (the default one is made first) => ok
//	fetch [ctx=c] [session=0|sN] [epoch=0] [v=13] [follower] [now=T]
//	      [known=foo,bar] [forget=foo-0,...] PART...
//	                                     Begin => KIND PART... | error CODE
//	respond [ctx=c] [now=T] RESULT...   Respond => session=0|sN [CODE] PART...
//	preview [ctx=c] RESULT...           set results, Preview => PART...
//	throttled [ctx=c]                   Throttled => session=0|sN [CODE]
//	session sN                          => epoch=E PART/hw=H/lls=L... (fetch order) | gone
//	sessions                            => live session names
//	metrics                             => sessions=N partitions=N evictions=N
//	set-epoch sN E                      force the session's next epoch => ok
//	next-id sN                          the next session id drawn is sN's => ok
//	create [follower] [now=T] n=N        full fetch of t-0..t-N-1, answered => session=0|sN
//	touch sN [now=T]                    incremental fetch changing nothing, answered => ok | CODE
//	close sN [now=T]                    sessionless fetch closing sN => ok
//
// A PART is topic-partition[@fetchOffset] with optional /le= /lfe= /max=
// /ls= (current leader epoch, last fetched epoch, partition max bytes, the
// fetcher's log start offset). Printed, a partition whose topic name the
// broker does not know has a leading '?'. Topic IDs are derived from names;
// known= lists the topics the broker's metadata knows (default: all).
// v=12 and below use names only. A RESULT is topic-partition with /hw=
// /ls= /err=CODE /rec /pref /div; partitions not listed get no result, and
// all/... gives every unlisted partition that result.
func TestScripts(t *testing.T) {
	scripttest.Run(t, "testdata/*.txt", func() scripttest.Runner { return newScript(10, 1000).run })
}

type script struct {
	c        *Cache
	ctxs     map[string]*Context
	names    map[int32]string // session id -> latest name
	ids      map[string]int32 // name -> id
	created  int
	now      int64
	rnd      *rand.Rand
	forcedID int32
}

func newScript(slots int, evictMs int64) *script {
	sc := new(script)
	sc.reset(slots, evictMs)
	return sc
}

// reset starts over with a new cache. Session ids come from a seeded
// generator, so runs repeat.
func (sc *script) reset(slots int, evictMs int64) {
	*sc = script{
		c:     NewCache(slots, time.Duration(evictMs)*time.Millisecond),
		ctxs:  map[string]*Context{},
		names: map[int32]string{},
		ids:   map[string]int32{},
		rnd:   rand.New(rand.NewPCG(1, 2)),
	}
	sc.c.randomID = func() int32 {
		if id := sc.forcedID; id != 0 {
			sc.forcedID = 0
			return id
		}
		return sc.rnd.Int32N(1<<30) + 1
	}
}

func (sc *script) clock() time.Time { return time.UnixMilli(sc.now) }

func (sc *script) run(fields []string) (string, error) {
	if len(fields) == 0 {
		return "", errors.New("empty command")
	}
	a := parseArgs(fields[1:])
	if v, ok := a.kv["now"]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", err
		}
		sc.now = n
	}
	switch fields[0] {
	case "cache":
		sc.reset(int(a.int("slots", 10)), a.int("evict", 1000))
		return "ok", nil
	case "fetch":
		return sc.fetch(a)
	case "respond":
		return sc.respond(a)
	case "preview":
		ctx := sc.ctx(a)
		if err := setResults(ctx, a.pos); err != nil {
			return "", err
		}
		return strings.Join(partNames(ctx, ctx.Preview()), " "), nil
	case "create":
		return sc.create(a)
	case "touch":
		return sc.touch(a)
	case "close":
		return sc.close(a)
	case "throttled":
		return sc.describeResponse(sc.ctx(a).Throttled(), nil), nil
	case "session":
		return sc.session(a)
	case "sessions":
		return sc.sessions(), nil
	case "metrics":
		return fmt.Sprintf("sessions=%d partitions=%d evictions=%d",
			sc.c.Sessions(), sc.c.CachedPartitions(), sc.c.Evictions()), nil
	case "set-epoch":
		return sc.setEpoch(a)
	case "next-id":
		if len(a.pos) != 1 {
			return "", errors.New("next-id wants a session name")
		}
		sc.forcedID = sc.ids[a.pos[0]]
		return "ok", nil
	}
	return "", fmt.Errorf("unknown command %q", fields[0])
}

func (sc *script) ctx(a args) *Context {
	name := a.str("ctx", "c")
	if sc.ctxs[name] == nil {
		sc.ctxs[name] = new(Context)
	}
	return sc.ctxs[name]
}

func (sc *script) sessionID(a args) (int32, error) {
	v := a.str("session", "0")
	if id, ok := sc.ids[v]; ok {
		return id, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	return int32(n), err
}

func (sc *script) fetch(a args) (string, error) {
	id, err := sc.sessionID(a)
	if err != nil {
		return "", err
	}
	v := a.int("v", 13)
	req := Request{
		SessionID: id,
		Epoch:     int32(a.int("epoch", 0)),
		Follower:  a.flag("follower"),
		TopicIDs:  v >= 13,
	}
	known := func(string) bool { return true }
	if list, ok := a.kv["known"]; ok {
		names := strings.Split(list, ",")
		known = func(name string) bool { return slices.Contains(names, name) }
	}
	req.TopicNames = func(id [16]byte) (string, bool) {
		name := idName(id)
		return name, known(name)
	}
	for _, s := range a.pos {
		p, err := parsePart(s)
		if err != nil {
			return "", err
		}
		req.Partitions = append(req.Partitions, asRequested(p, req.TopicIDs, known))
	}
	if list, ok := a.kv["forget"]; ok {
		for _, s := range strings.Split(list, ",") {
			p, err := parsePart(s)
			if err != nil {
				return "", err
			}
			p = asRequested(p, req.TopicIDs, known)
			req.Forgotten = append(req.Forgotten, TopicPartition{p.Topic, p.TopicID, p.Partition})
		}
	}
	ctx := sc.ctx(a)
	sc.c.Begin(ctx, req, sc.clock())
	if ctx.Err() != nil {
		return "error " + codeName(ctx.Err()), nil
	}
	out := []string{ctx.Kind().String()}
	for _, p := range ctx.Partitions() {
		out = append(out, describePart(p))
	}
	return strings.Join(out, " "), nil
}

// asRequested turns a partition the client knows by name into what the
// broker decodes: ID and resolved name from v13, name only before.
func asRequested(p Partition, topicIDs bool, known func(string) bool) Partition {
	if !topicIDs {
		return p
	}
	p.TopicID = topicID(p.Topic)
	if !known(p.Topic) {
		p.Topic = ""
	}
	return p
}

func (sc *script) respond(a args) (string, error) {
	ctx := sc.ctx(a)
	if err := setResults(ctx, a.pos); err != nil {
		return "", err
	}
	kind := ctx.Kind()
	resp := ctx.Respond(sc.clock())
	if kind == Full && resp.SessionID != 0 {
		sc.created++
		name := fmt.Sprintf("s%d", sc.created)
		sc.names[resp.SessionID] = name
		sc.ids[name] = resp.SessionID
	}
	return sc.describeResponse(resp, ctx), nil
}

func setResults(ctx *Context, specs []string) error {
	results := map[string]Result{}
	for _, s := range specs {
		name, r, err := parseResult(s)
		if err != nil {
			return err
		}
		results[name] = r
	}
	for i, p := range ctx.Partitions() {
		r, ok := results[partName(p)]
		if !ok {
			r, ok = results["all"]
		}
		if ok {
			ctx.SetResult(i, r)
		}
	}
	return nil
}

// create is a full fetch of n partitions of topic t that gets a session
// if it can.
func (sc *script) create(a args) (string, error) {
	var fa args
	fa.kv = map[string]string{"ctx": "create"}
	if a.flag("follower") {
		fa.kv["follower"] = "true"
	}
	for i := range a.int("n", 1) {
		fa.pos = append(fa.pos, fmt.Sprintf("t-%d", i))
	}
	if _, err := sc.fetch(fa); err != nil {
		return "", err
	}
	resp, err := sc.respond(args{kv: fa.kv, pos: []string{"all/hw=0"}})
	return strings.Fields(resp + " ")[0], err
}

// touch is an incremental fetch at the session's epoch that changes
// nothing: what a fetcher with nothing new does, and a use of the session.
func (sc *script) touch(a args) (string, error) {
	if len(a.pos) != 1 {
		return "", errors.New("touch wants a session name")
	}
	s := sc.liveSession(a.pos[0])
	epoch := int32(1)
	if s != nil {
		sc.c.mu.Lock()
		epoch = s.epoch
		sc.c.mu.Unlock()
	}
	fa := args{kv: map[string]string{"ctx": "touch", "session": a.pos[0], "epoch": strconv.Itoa(int(epoch))}}
	if _, err := sc.fetch(fa); err != nil {
		return "", err
	}
	if err := sc.ctx(fa).Err(); err != nil {
		return codeName(err), nil
	}
	_, err := sc.respond(args{kv: fa.kv, pos: []string{"all/hw=0"}})
	return "ok", err
}

func (sc *script) close(a args) (string, error) {
	if len(a.pos) != 1 {
		return "", errors.New("close wants a session name")
	}
	fa := args{kv: map[string]string{"ctx": "close", "session": a.pos[0], "epoch": "-1"}}
	if _, err := sc.fetch(fa); err != nil {
		return "", err
	}
	return "ok", nil
}

func (sc *script) describeResponse(resp Response, ctx *Context) string {
	out := []string{"session=" + sc.name(resp.SessionID)}
	if resp.Err != nil {
		out = append(out, codeName(resp.Err))
	}
	if ctx != nil {
		out = append(out, partNames(ctx, resp.Partitions)...)
	}
	return strings.Join(out, " ")
}

func (sc *script) name(id int32) string {
	if id == 0 {
		return "0"
	}
	if name, ok := sc.names[id]; ok {
		return name
	}
	return strconv.Itoa(int(id))
}

func (sc *script) liveSession(name string) *session {
	sc.c.mu.Lock()
	defer sc.c.mu.Unlock()
	return sc.c.mu.sessions[sc.ids[name]]
}

func (sc *script) session(a args) (string, error) {
	if len(a.pos) != 1 {
		return "", errors.New("session wants a name")
	}
	s := sc.liveSession(a.pos[0])
	if s == nil || sc.names[s.id] != a.pos[0] {
		return "gone", nil
	}
	sc.c.mu.Lock()
	defer sc.c.mu.Unlock()
	out := []string{fmt.Sprintf("epoch=%d", s.epoch)}
	for i := s.head; i >= 0; i = s.entries[i].next {
		e := &s.entries[i]
		out = append(out, fmt.Sprintf("%s/hw=%d/lls=%d", describePart(e.p), e.highWatermark, e.logStartOffset))
	}
	return strings.Join(out, " "), nil
}

func (sc *script) sessions() string {
	sc.c.mu.Lock()
	defer sc.c.mu.Unlock()
	var out []string
	for id := range sc.c.mu.sessions {
		out = append(out, sc.name(id))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func (sc *script) setEpoch(a args) (string, error) {
	if len(a.pos) != 2 {
		return "", errors.New("set-epoch wants a session and an epoch")
	}
	e, err := strconv.ParseInt(a.pos[1], 10, 32)
	if err != nil {
		return "", err
	}
	s := sc.liveSession(a.pos[0])
	if s == nil {
		return "", fmt.Errorf("no session %s", a.pos[0])
	}
	sc.c.mu.Lock()
	s.epoch = int32(e)
	sc.c.mu.Unlock()
	return "ok", nil
}

// topicID derives a topic's ID from its name, so scripts need no UUIDs.
func topicID(name string) [16]byte {
	var id [16]byte
	copy(id[:15], name)
	id[15] = 1
	return id
}

func idName(id [16]byte) string {
	return strings.TrimRight(string(id[:15]), "\x00")
}

// partName is a partition as scripts write it, known name or not.
func partName(p Partition) string {
	topic := p.Topic
	if topic == "" {
		topic = idName(p.TopicID)
	}
	return fmt.Sprintf("%s-%d", topic, p.Partition)
}

func describePart(p Partition) string {
	s := partName(p)
	if p.Topic == "" {
		s = "?" + s
	}
	s += fmt.Sprintf("@%d", p.FetchOffset)
	d := defaultPart()
	for _, f := range []struct {
		name      string
		got, dflt int64
	}{
		{"le", int64(p.CurrentLeaderEpoch), int64(d.CurrentLeaderEpoch)},
		{"lfe", int64(p.LastFetchedEpoch), int64(d.LastFetchedEpoch)},
		{"max", int64(p.MaxBytes), int64(d.MaxBytes)},
		{"ls", p.LogStartOffset, d.LogStartOffset},
	} {
		if f.got != f.dflt {
			s += fmt.Sprintf("/%s=%d", f.name, f.got)
		}
	}
	return s
}

func partNames(ctx *Context, idx []int) []string {
	out := []string{}
	for _, i := range idx {
		p := ctx.Partitions()[i]
		s := partName(p)
		if p.Topic == "" {
			s = "?" + s
		}
		out = append(out, s)
	}
	return out
}

func defaultPart() Partition {
	return Partition{LogStartOffset: -1, MaxBytes: 1 << 20, CurrentLeaderEpoch: -1, LastFetchedEpoch: -1}
}

// splitPart parses topic-partition[@offset] and returns the /-separated
// options after it.
func splitPart(s string) (topic string, partition int32, offset int64, opts []string, err error) {
	head, rest, _ := strings.Cut(s, "/")
	if rest != "" {
		opts = strings.Split(rest, "/")
	}
	head, off, hasOff := strings.Cut(head, "@")
	if hasOff {
		if offset, err = strconv.ParseInt(off, 10, 64); err != nil {
			return
		}
	}
	i := strings.LastIndexByte(head, '-')
	if i < 0 {
		return head, 0, 0, opts, nil // "all"
	}
	n, err := strconv.ParseInt(head[i+1:], 10, 32)
	return head[:i], int32(n), offset, opts, err
}

func parsePart(s string) (Partition, error) {
	topic, partition, offset, opts, err := splitPart(s)
	if err != nil {
		return Partition{}, fmt.Errorf("partition %q: %w", s, err)
	}
	p := defaultPart()
	p.Topic, p.Partition, p.FetchOffset = topic, partition, offset
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return p, fmt.Errorf("partition %q: %w", s, err)
		}
		switch k {
		case "le":
			p.CurrentLeaderEpoch = int32(n)
		case "lfe":
			p.LastFetchedEpoch = int32(n)
		case "max":
			p.MaxBytes = int32(n)
		case "ls":
			p.LogStartOffset = n
		default:
			return p, fmt.Errorf("partition %q: unknown option %q", s, k)
		}
	}
	return p, nil
}

func parseResult(s string) (string, Result, error) {
	topic, partition, _, opts, err := splitPart(s)
	name := fmt.Sprintf("%s-%d", topic, partition)
	if topic == "all" {
		name = "all"
	}
	var r Result
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "rec":
			r.HasRecords = true
		case "pref":
			r.PreferredReadReplica = true
		case "div":
			r.DivergingEpoch = true
		case "err":
			code, ok := partitionCodes[v]
			if !ok {
				return "", r, fmt.Errorf("result %q: unknown error %q", s, v)
			}
			r.ErrorCode = code
		case "hw", "ls":
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil {
				return "", r, fmt.Errorf("result %q: %w", s, perr)
			}
			if k == "hw" {
				r.HighWatermark = n
			} else {
				r.LogStartOffset = n
			}
		default:
			return "", r, fmt.Errorf("result %q: unknown option %q", s, k)
		}
	}
	return name, r, err
}

var partitionCodes = map[string]int16{
	"OFFSET_OUT_OF_RANGE":        1,
	"UNKNOWN_TOPIC_OR_PARTITION": 3,
	"NOT_LEADER_OR_FOLLOWER":     6,
	"TOPIC_AUTHORIZATION_FAILED": 29,
	"UNKNOWN_TOPIC_ID":           100,
	"INCONSISTENT_TOPIC_ID":      103,
}

// kafkaCodes is the mapping the api layer is expected to use.
var kafkaCodes = []struct {
	err  error
	name string
}{
	{ErrSessionNotFound, "FETCH_SESSION_ID_NOT_FOUND"},
	{ErrInvalidEpoch, "INVALID_FETCH_SESSION_EPOCH"},
	{ErrTopicIDMismatch, "FETCH_SESSION_TOPIC_ID_ERROR"},
}

func codeName(err error) string {
	for _, c := range kafkaCodes {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return "unexpected error: " + err.Error()
}

type args struct {
	kv  map[string]string
	pos []string
}

func parseArgs(fields []string) args {
	a := args{kv: map[string]string{}}
	for _, f := range fields {
		if k, v, ok := strings.Cut(f, "="); ok && !strings.ContainsAny(k, "/-@") {
			a.kv[k] = v
			continue
		}
		if f == "follower" {
			a.kv[f] = "true"
			continue
		}
		a.pos = append(a.pos, f)
	}
	return a
}

func (a args) str(k, dflt string) string {
	if v, ok := a.kv[k]; ok {
		return v
	}
	return dflt
}

func (a args) int(k string, dflt int64) int64 {
	v, ok := a.kv[k]
	if !ok {
		return dflt
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("%s=%q: %v", k, v, err))
	}
	return n
}

func (a args) flag(k string) bool { return a.kv[k] == "true" }
