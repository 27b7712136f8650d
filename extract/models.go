// The learned decisions of stage 4, merge: which of block and restrict
// happened, and whether an event is reported at all.

package extract

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract/learn"
)

// Models are the decisions extraction learns from the labelled train set
// rather than takes from rules (data/models.yaml, made by `make train`).
// The rules propose events; Keep decides whether an event is one at all,
// its calibrated probability being the event's confidence.
//
// The action is learned through Keep too: merge proposes, beside each
// event of the cue's action, the other actions its decisions may stand
// for (alternatives.go), and Keep judges each. A separate model choosing
// between block and restrict, tried first, lost to the rules on dev.
type Models struct {
	Keep KeepModel `yaml:"keep"`
	// Reason chooses among the reasons an article gives an event
	// (reasons.go); with no weights the rules choose.
	Reason learn.Model `yaml:"reason,omitempty"`
	// Date chooses among the dates an article gives an event
	// (datechoice.go); with no weights the rules choose.
	Date learn.Model `yaml:"date,omitempty"`
}

// KeepModel gives P(the event is right). Events below Threshold are
// dropped.
type KeepModel struct {
	learn.Model `yaml:",inline"`
	Threshold   float64 `yaml:"threshold"`
}

func loadModels() (*Models, error) {
	b, err := dataFS.ReadFile("data/models.yaml")
	if err != nil {
		return nil, fmt.Errorf("extract: %w; run make train", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var m Models
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("extract: data/models.yaml: %w", err)
	}
	if m.Keep.Weights == nil || m.Keep.A == 0 {
		return nil, fmt.Errorf("extract: data/models.yaml: a model is missing; run make train")
	}
	return &m, nil
}

// MarshalModels writes models as data/models.yaml holds them, with a
// header comment saying how they were made.
func MarshalModels(m *Models, header string) ([]byte, error) {
	var b bytes.Buffer
	for _, l := range strings.Split(strings.TrimSpace(header), "\n") {
		b.WriteString("# " + l + "\n")
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// eventFeatures names what the models read of an event: its action and
// how it was found (cue words, kind, via), how directly it is stated, the
// service's kind and where in the article it is. The words of its
// sentences were tried too: on dev they did no better, and on train they
// let the model memorise articles.
func (x *Extractor) eventFeatures(k triple, g []decision, f []float64) []string {
	out := []string{"action=" + string(k.action)}
	for i, name := range featureNames {
		switch {
		case name == "evidence":
			out = append(out, "evidence="+strconv.Itoa(int(math.Round(f[i]*3))))
		case f[i] > 0.5:
			out = append(out, "f="+name, "f="+name+"|"+string(k.action))
		}
	}
	if svc := x.gaz.Service(k.service); svc != nil {
		out = append(out, "svc="+svc.Kind, "svc="+svc.Kind+"|"+string(k.action))
	} else {
		out = append(out, "svc=unknown")
	}
	seen := map[*sentence]bool{}
	for _, d := range g {
		out = append(out, "via="+viaNames[d.via], "kind="+d.kind.String(),
			"cstrength="+strconv.Itoa(d.cstrength), "datestrength="+strconv.Itoa(d.dateStrength),
			"reasonrank="+strconv.Itoa(d.reasonRank))
		if d.cue != "" {
			out = append(out, "cue="+d.cue, "cue="+d.cue+"|"+string(k.action))
		}
		if d.partial {
			out = append(out, "partial")
		}
		if d.history {
			out = append(out, "history")
		}
		if d.soft != "" {
			out = append(out, "doubted", "doubted="+d.soft, "doubted="+d.soft+"|"+string(k.action))
		}
		if seen[d.sent] {
			continue
		}
		seen[d.sent] = true
		out = append(out, "in="+d.sent.place())
	}
	return out
}

var viaNames = [...]string{viaCue: "cue", viaReference: "reference", viaCollateral: "collateral", viaImplied: "implied", viaList: "list"}

// topFeatures names the n features that weighed most, for a trace.
func topFeatures(cs []learn.Contribution, n int) string {
	var parts []string
	for _, c := range cs[:min(n, len(cs))] {
		parts = append(parts, fmt.Sprintf("%s %+.2f", c.Feature, c.Weight))
	}
	return strings.Join(parts, ", ")
}

// keep scores an event with the keep model: whether it stays, and its
// confidence, the model's calibrated probability.
func (x *Extractor) keep(fs []string) (bool, float64) {
	if x.models == nil || x.models.Keep.Weights == nil {
		return true, 0
	}
	p := x.models.Keep.Prob(fs)
	return p >= x.models.Keep.Threshold, math.Round(min(max(p, 0.01), 0.99)*100) / 100
}

// confidenceRule tells how the keep model scored an event, for a trace.
func (x *Extractor) confidenceRule(fs []string, conf float64) string {
	if x.models == nil || x.models.Keep.Weights == nil {
		return "confidence: no model"
	}
	return fmt.Sprintf("confidence: model keep (data/models.yaml): P(right) %.2f from %s", conf, topFeatures(x.models.Keep.Contributions(fs), 4))
}

// Candidate is an event as the rules make it, before the keep model
// decides it, with the features the model reads. Training reads these.
type Candidate struct {
	Event    event.Event
	Features []string
	// Reasons are the reasons the event could be given, for training the
	// reason model.
	Reasons []ReasonOption
	// Dates are the dates the event could be given, for training the
	// date model.
	Dates []DateOption
}

// WithModels returns an extractor that shares x's data but decides with
// m: nil, or a model with no weights, leaves that decision to the rules.
// Training uses it to see what the rules alone propose.
func (x *Extractor) WithModels(m *Models) *Extractor {
	y := *x
	if m != x.models {
		// Other decisions make other events: the copy must not pass for
		// the extractor the data describes.
		y.version = Version() + "+rules-only"
		if m != nil {
			y.version = Version() + "+other-models"
		}
	}
	y.models = m
	return &y
}

// Candidates returns every event the rules propose for an article, kept
// or not, with its features.
func (x *Extractor) Candidates(doc Document) []Candidate {
	var out []Candidate
	x.extract(doc, nil, &out)
	return out
}
