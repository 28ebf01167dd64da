// Benchmarks of eve-libs' Go reconciler (github.com/lf-edge/eve-libs, packages depgraph and
// reconciler) on the anchor workload of ../../docs/PERFORMANCE.md: n/100 chains of 100 items, item
// (c,k) depends on (c,k-1), on (c,0) if k>=2 and on ((c+1) mod C, k-1); 10,000 items have 29,600
// edges. Only the shape is shared with bench/reconciler.bench.ts; this file is ours and imports
// eve-libs. It is run by hand through interleaved.mjs (Go cannot run in CI), never by npm scripts.
//
//	BuildIntent   n PutItem calls of prebuilt items into a new graph
//	a_CreateAll   Reconcile(ctx, nil, intent0): n Creates asserted
//	b_OneModify   Reconcile(ctx, cur, intent[other]) with two independently built intents that differ
//	              only in the leaf's attr: exactly one Modify asserted
//	bp_EditBack   one intent graph edited in place (PutItem of the leaf with attr toggled), then
//	              Reconcile(ctx, cur, intent): the same intent edited and edited back; one Modify
//	b0_NoChange   Reconcile(ctx, cur, intent matching cur): 0 operations asserted
//	c_DiffItems   cur.DiffItems(intent[other]): exactly one ref asserted
//
// Sizes are sub-benchmarks named 1k, 10k and 100k (no name is a substring of another), so
// -bench 'Anchor/10k/' selects one size.
package reconcilerbench

import (
	"context"
	"fmt"
	"os"
	"testing"

	dg "github.com/lf-edge/eve-libs/depgraph"
	rec "github.com/lf-edge/eve-libs/reconciler"
)

const (
	chainLen  = 100
	graphName = "anchor"
	typeModem = "modem"
	typeLink  = "link"
)

// benchItem is a value type with one int attribute and a hand-written Equal (no reflection).
type benchItem struct {
	typ  string
	name string
	attr int
	deps []dg.Dependency
}

func (it benchItem) Name() string  { return it.name }
func (it benchItem) Label() string { return it.name }
func (it benchItem) Type() string  { return it.typ }
func (it benchItem) External() bool {
	return false
}
func (it benchItem) String() string {
	return fmt.Sprintf("%s/%s attr=%d", it.typ, it.name, it.attr)
}
func (it benchItem) Dependencies() []dg.Dependency { return it.deps }
func (it benchItem) Equal(other dg.Item) bool {
	o, ok := other.(benchItem)
	return ok && o.typ == it.typ && o.name == it.name && o.attr == it.attr
}

// noop is the configurator for both types: Create, Modify and Delete succeed synchronously.
type noop struct{}

func (noop) Create(context.Context, dg.Item) error          { return nil }
func (noop) Modify(context.Context, dg.Item, dg.Item) error { return nil }
func (noop) Delete(context.Context, dg.Item) error          { return nil }
func (noop) NeedsRecreate(oldItem, newItem dg.Item) bool    { return false }

// width of the chain number: 3 digits up to 100 chains, 4 above (as bench/reconciler.bench.ts names them).
var width = 3

func modemName(c int) string   { return fmt.Sprintf("modem-%0*d", width, c) }
func linkName(c, k int) string { return fmt.Sprintf("m%0*d-%02d", width, c, k) }

func ref(c, k int) dg.ItemRef {
	if k == 0 {
		return dg.ItemRef{ItemType: typeModem, ItemName: modemName(c)}
	}
	return dg.ItemRef{ItemType: typeLink, ItemName: linkName(c, k)}
}

// anchorItems returns the n items (n a multiple of 100) with every attr 0, and the leaf m000-99
// (which has no dependents) with attr 1 as a separate item.
func anchorItems(n int) (items []dg.Item, leaf0, leaf1 benchItem, edges int) {
	if n%chainLen != 0 || n < 2*chainLen {
		panic(fmt.Sprintf("n=%d: want a multiple of %d, at least %d", n, chainLen, 2*chainLen))
	}
	chains := n / chainLen
	width = 3
	if chains > 100 {
		width = 4
	}
	items = make([]dg.Item, 0, n)
	for c := 0; c < chains; c++ {
		items = append(items, benchItem{typ: typeModem, name: modemName(c)})
		for k := 1; k < chainLen; k++ {
			deps := []dg.Dependency{{RequiredItem: ref(c, k-1), Description: "bench"}}
			if k >= 2 {
				deps = append(deps, dg.Dependency{RequiredItem: ref(c, 0), Description: "bench"})
			}
			deps = append(deps, dg.Dependency{RequiredItem: ref((c+1)%chains, k-1), Description: "bench"})
			edges += len(deps)
			it := benchItem{typ: typeLink, name: linkName(c, k), deps: deps}
			items = append(items, it)
			if c == 0 && k == chainLen-1 {
				leaf0 = it
			}
		}
	}
	leaf1 = leaf0
	leaf1.attr = 1
	return items, leaf0, leaf1, edges
}

func wantEdges(n int) int { return (n / chainLen) * (2 + 3*(chainLen-2)) }

func buildGraph(items []dg.Item) dg.Graph {
	g := dg.New(dg.InitArgs{Name: graphName})
	for _, it := range items {
		g.PutItem(it, nil)
	}
	return g
}

// countGraph counts items and out-edges through the depgraph API.
func countGraph(g dg.GraphR) (items, edges int) {
	it := g.Items(true)
	for it.Next() {
		item, _ := it.Item()
		items++
		edges += g.OutgoingEdges(dg.Reference(item)).Len()
	}
	return items, edges
}

type fixture struct {
	n          int
	items      []dg.Item
	leaf       [2]benchItem
	intent     [2]dg.Graph // independently built; differ only in the leaf's attr
	edit       dg.Graph    // edited in place by bp_EditBack
	editLeaf   int
	cur        dg.Graph
	curLeaf    int // the leaf attr cur was last reconciled to
	reg        *rec.DefaultRegistry
	reconciler rec.Reconciler
}

var (
	fixtures = map[int]*fixture{}
	sink     rec.Status // keeps the last Status live, as upstream's perfTest does
	sinkRefs []dg.ItemRef
)

func getFixture(b *testing.B, n int) *fixture {
	if f := fixtures[n]; f != nil {
		return f
	}
	for k := range fixtures { // one size at a time: keep the heap to this size's fixture
		delete(fixtures, k)
	}
	f := &fixture{n: n}
	var edges int
	f.items, f.leaf[0], f.leaf[1], edges = anchorItems(n)
	if len(f.items) != n || edges != wantEdges(n) {
		b.Fatalf("anchor n=%d: built %d items, %d edges; want %d, %d", n, len(f.items), edges, n, wantEdges(n))
	}
	f.reg = &rec.DefaultRegistry{}
	if err := f.reg.Register(noop{}, typeModem); err != nil {
		b.Fatal(err)
	}
	if err := f.reg.Register(noop{}, typeLink); err != nil {
		b.Fatal(err)
	}
	f.reconciler = rec.New(f.reg)
	f.intent[0] = buildGraph(f.items)
	f.intent[1] = buildGraph(f.items)
	f.intent[1].PutItem(f.leaf[1], nil)
	f.edit = buildGraph(f.items)
	for i, g := range []dg.GraphR{f.intent[0], f.intent[1], f.edit} {
		if ni, ne := countGraph(g); ni != n || ne != wantEdges(n) {
			b.Fatalf("intent %d: %d items, %d edges in the graph; want %d, %d", i, ni, ne, n, wantEdges(n))
		}
	}
	st := f.reconciler.Reconcile(context.Background(), nil, f.intent[0])
	if st.Err != nil || countOps(st, rec.OperationCreate) != n {
		b.Fatalf("initial reconcile: err=%v, %d ops", st.Err, len(st.OperationLog))
	}
	f.cur = st.NewCurrentState
	if ni, ne := countGraph(f.cur); ni != n || ne != wantEdges(n) {
		b.Fatalf("current: %d items, %d edges; want %d, %d", ni, ne, n, wantEdges(n))
	}
	fmt.Fprintf(os.Stdout, "anchor n=%d items=%d edges=%d (asserted in intent and current graphs)\n",
		n, n, wantEdges(n))
	fixtures[n] = f
	return f
}

func countOps(st rec.Status, op rec.Operation) int {
	c := 0
	for _, e := range st.OperationLog {
		if e.Operation == op {
			c++
		}
	}
	return c
}

func expectOneModify(b *testing.B, st rec.Status, what string) {
	if st.Err != nil || len(st.OperationLog) != 1 || st.OperationLog[0].Operation != rec.OperationModify {
		b.Fatalf("%s: want exactly one Modify, got err=%v log=%v", what, st.Err, st.OperationLog)
	}
}

var sizes = []struct {
	label string
	n     int
}{{"1k", 1000}, {"10k", 10000}, {"100k", 100000}}

func BenchmarkAnchor(b *testing.B) {
	ctx := context.Background()
	for _, sz := range sizes {
		n := sz.n
		b.Run(sz.label, func(b *testing.B) {
			b.Run("BuildIntent", func(b *testing.B) {
				f := getFixture(b, n)
				b.ReportAllocs()
				b.ResetTimer()
				var g dg.Graph
				for i := 0; i < b.N; i++ {
					g = buildGraph(f.items)
				}
				b.StopTimer()
				if ni, _ := countGraph(g); ni != n {
					b.Fatalf("built %d items", ni)
				}
			})
			b.Run("a_CreateAll", func(b *testing.B) {
				f := getFixture(b, n)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					sink = f.reconciler.Reconcile(ctx, nil, f.intent[0])
					if sink.Err != nil || len(sink.OperationLog) != n {
						b.Fatalf("want %d ops, got %d (err=%v)", n, len(sink.OperationLog), sink.Err)
					}
				}
				b.StopTimer()
				if c := countOps(sink, rec.OperationCreate); c != n {
					b.Fatalf("want %d Creates, got %d", n, c)
				}
			})
			b.Run("b_OneModify", func(b *testing.B) {
				f := getFixture(b, n)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					next := 1 - f.curLeaf
					sink = f.reconciler.Reconcile(ctx, f.cur, f.intent[next])
					f.curLeaf = next
					if sink.Err != nil || len(sink.OperationLog) != 1 {
						b.Fatalf("want 1 op, got %d (err=%v)", len(sink.OperationLog), sink.Err)
					}
				}
				b.StopTimer()
				expectOneModify(b, sink, "b_OneModify")
			})
			b.Run("bp_EditBack", func(b *testing.B) {
				f := getFixture(b, n)
				if f.editLeaf != f.curLeaf { // start from an intent that matches cur (untimed)
					f.editLeaf = f.curLeaf
					f.edit.PutItem(f.leaf[f.editLeaf], nil)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					f.editLeaf = 1 - f.editLeaf
					f.edit.PutItem(f.leaf[f.editLeaf], nil)
					sink = f.reconciler.Reconcile(ctx, f.cur, f.edit)
					f.curLeaf = f.editLeaf
					if sink.Err != nil || len(sink.OperationLog) != 1 {
						b.Fatalf("want 1 op, got %d (err=%v)", len(sink.OperationLog), sink.Err)
					}
				}
				b.StopTimer()
				expectOneModify(b, sink, "bp_EditBack")
			})
			b.Run("b0_NoChange", func(b *testing.B) {
				f := getFixture(b, n)
				want := f.intent[f.curLeaf]
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					sink = f.reconciler.Reconcile(ctx, f.cur, want)
					if sink.Err != nil || len(sink.OperationLog) != 0 {
						b.Fatalf("want 0 ops, got %d (err=%v)", len(sink.OperationLog), sink.Err)
					}
				}
			})
			b.Run("c_DiffItems", func(b *testing.B) {
				f := getFixture(b, n)
				other := f.intent[1-f.curLeaf]
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					sinkRefs = f.cur.DiffItems(other)
					if len(sinkRefs) != 1 {
						b.Fatalf("want 1 differing item, got %d", len(sinkRefs))
					}
				}
			})
		})
	}
}

// TestAnchorShape checks the workload itself (counts, the leaf has no dependents) at 1k and 10k.
func TestAnchorShape(t *testing.T) {
	for _, n := range []int{1000, 10000} {
		items, leaf0, _, edges := anchorItems(n)
		if len(items) != n || edges != wantEdges(n) {
			t.Fatalf("n=%d: %d items, %d edges", n, len(items), edges)
		}
		g := buildGraph(items)
		if ni, ne := countGraph(g); ni != n || ne != edges {
			t.Fatalf("n=%d graph: %d items, %d edges", n, ni, ne)
		}
		if in := g.IncomingEdges(dg.Reference(leaf0)).Len(); in != 0 {
			t.Fatalf("leaf %s has %d dependents", leaf0.name, in)
		}
	}
	if wantEdges(10000) != 29600 {
		t.Fatalf("10k edges formula gives %d", wantEdges(10000))
	}
}
