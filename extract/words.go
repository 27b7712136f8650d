// The word lists of data/words.yaml.

package extract

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// words are the word lists of data/words.yaml, as sets; see the file for
// what each is for and which rule reads it.
type words struct {
	locatives              map[string]bool
	governmentModifiers    map[string]bool
	companySpeakers        map[string]bool
	coercion               map[string]bool
	cueNegators            map[string]bool
	hypotheticalModals     map[string]bool
	modals                 map[string]bool
	modalConditions        map[string]bool
	conditions             map[string]bool
	proposals              map[string]bool
	speech                 map[string]bool
	spokeOn                map[string]bool
	means                  map[string]bool
	nounTargets            map[string]bool
	penaltyVerbs           map[string]bool
	penaltyGivers          map[string]bool
	undergoVerbs           map[string]bool
	inclusion              map[string]bool
	measureScope           map[string]bool
	scopeFillers           map[string]bool
	setNouns               map[string]bool
	nameHeads              map[string]bool
	listHeads              map[string]bool
	mobileHeads            map[string]bool
	fundingVerbs           map[string]bool
	listExemptVerbs        map[string]bool
	callsOverVerbs         map[string]bool
	comparativeAsBefore    map[string]bool
	comparativeAsAfter     map[string]bool
	claimNouns             map[string]bool
	claimDenials           map[string]bool
	nameJoiners            map[string]bool
	openSetStop            map[string]bool
	causatives             map[string]bool
	along                  map[string]bool
	licensingVerbs         map[string]bool
	alongFillers           map[string]bool
	licences               map[string]bool
	serviceHeads           map[string]bool
	serviceAppositions     map[string]bool
	serviceAnaphors        map[string]bool
	servicesAnaphors       map[string]bool
	indefiniteDeterminers  map[string]bool
	comparisons            map[string]bool
	companySuffixes        map[string]bool
	carriers, carrierKinds map[string]bool
	returnSubjects         map[string]bool
	conflictNouns          map[string]bool
	standingBreakers       map[string]bool
	carrierNames           map[string]bool
	notYet                 map[string]bool
	originVerbs            map[string]bool
	clauseStarters         map[string]bool
	reasonClauseStarters   map[string]bool
	timeFollowers          map[string]bool
	approximators          map[string]bool
	timeUnits              map[string]bool
	timeNouns              map[string]bool
	passiveAuxiliaries     map[string]bool
	timeMarkers            map[string]bool
	overMeans              map[string]bool
	overAmounts            map[string]bool
	reasonPossessives      map[string]bool
	causalMarkers          map[string]bool
	reasonEnders           map[string]bool
	attributions           map[string]bool
	earlierEvents          map[string]bool
	listExempt             map[string]bool
	listMarkers            map[string]bool
	institutionHeads       map[string]bool
	institutionWords       map[string]bool
	listParticiples        map[string]bool
	ownConduct             map[string]bool
	orderVerbs             map[string]bool
	newsSources            map[string]bool
	newsListeners          map[string]bool
	outletNouns            map[string]bool
	reportNouns            map[string]bool
	liftVerbs              map[string]bool
	actionHints            map[string]bool
	neverVerbs             map[string]bool
	returnVerbs            map[string]bool
	presentAuxiliaries     map[string]bool
	otherAuxiliaries       map[string]bool
	warnings               map[string]bool
	stillWords             map[string]bool
	americas               map[string]bool
}

// loadWords reads data/words.yaml. Every list must be there and none
// other: a list misnamed in the file would otherwise leave a rule silently
// without its words.
func loadWords() (*words, error) {
	b, err := dataFS.ReadFile("data/words.yaml")
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	var f map[string][]string
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("extract: data/words.yaml: %w", err)
	}
	w := &words{}
	lists := map[string]*map[string]bool{
		"locatives":              &w.locatives,
		"government_modifiers":   &w.governmentModifiers,
		"company_speakers":       &w.companySpeakers,
		"coercion":               &w.coercion,
		"cue_negators":           &w.cueNegators,
		"hypothetical_modals":    &w.hypotheticalModals,
		"modals":                 &w.modals,
		"modal_conditions":       &w.modalConditions,
		"conditions":             &w.conditions,
		"proposals":              &w.proposals,
		"speech":                 &w.speech,
		"spoke_on":               &w.spokeOn,
		"means":                  &w.means,
		"noun_targets":           &w.nounTargets,
		"penalty_verbs":          &w.penaltyVerbs,
		"penalty_givers":         &w.penaltyGivers,
		"undergo_verbs":          &w.undergoVerbs,
		"inclusion":              &w.inclusion,
		"measure_scope":          &w.measureScope,
		"scope_fillers":          &w.scopeFillers,
		"set_nouns":              &w.setNouns,
		"name_heads":             &w.nameHeads,
		"institution_heads":      &w.institutionHeads,
		"institution_words":      &w.institutionWords,
		"list_participles":       &w.listParticiples,
		"own_conduct":            &w.ownConduct,
		"order_verbs":            &w.orderVerbs,
		"list_heads":             &w.listHeads,
		"mobile_heads":           &w.mobileHeads,
		"funding_verbs":          &w.fundingVerbs,
		"list_exempt_verbs":      &w.listExemptVerbs,
		"calls_over_verbs":       &w.callsOverVerbs,
		"comparative_as_before":  &w.comparativeAsBefore,
		"comparative_as_after":   &w.comparativeAsAfter,
		"claim_nouns":            &w.claimNouns,
		"claim_denials":          &w.claimDenials,
		"name_joiners":           &w.nameJoiners,
		"open_set_stop":          &w.openSetStop,
		"causatives":             &w.causatives,
		"along":                  &w.along,
		"licensing_verbs":        &w.licensingVerbs,
		"along_fillers":          &w.alongFillers,
		"licences":               &w.licences,
		"service_heads":          &w.serviceHeads,
		"service_appositions":    &w.serviceAppositions,
		"service_anaphors":       &w.serviceAnaphors,
		"services_anaphors":      &w.servicesAnaphors,
		"indefinite_determiners": &w.indefiniteDeterminers,
		"comparisons":            &w.comparisons,
		"company_suffixes":       &w.companySuffixes,
		"carriers":               &w.carriers,
		"carrier_kinds":          &w.carrierKinds,
		"return_subjects":        &w.returnSubjects,
		"conflict_nouns":         &w.conflictNouns,
		"standing_breakers":      &w.standingBreakers,
		"carrier_names":          &w.carrierNames,
		"not_yet":                &w.notYet,
		"origin_verbs":           &w.originVerbs,
		"clause_starters":        &w.clauseStarters,
		"reason_clause_starters": &w.reasonClauseStarters,
		"time_followers":         &w.timeFollowers,
		"approximators":          &w.approximators,
		"time_units":             &w.timeUnits,
		"time_nouns":             &w.timeNouns,
		"passive_auxiliaries":    &w.passiveAuxiliaries,
		"time_markers":           &w.timeMarkers,
		"over_means":             &w.overMeans,
		"over_amounts":           &w.overAmounts,
		"reason_possessives":     &w.reasonPossessives,
		"causal_markers":         &w.causalMarkers,
		"reason_enders":          &w.reasonEnders,
		"attributions":           &w.attributions,
		"earlier_events":         &w.earlierEvents,
		"list_exempt":            &w.listExempt,
		"list_markers":           &w.listMarkers,
		"news_sources":           &w.newsSources,
		"news_listeners":         &w.newsListeners,
		"outlet_nouns":           &w.outletNouns,
		"report_nouns":           &w.reportNouns,
		"lift_verbs":             &w.liftVerbs,
		"action_hints":           &w.actionHints,
		"never_verbs":            &w.neverVerbs,
		"return_verbs":           &w.returnVerbs,
		"present_auxiliaries":    &w.presentAuxiliaries,
		"other_auxiliaries":      &w.otherAuxiliaries,
		"warnings":               &w.warnings,
		"still_words":            &w.stillWords,
		"americas":               &w.americas,
	}
	for name, list := range f {
		dst, ok := lists[name]
		if !ok {
			return nil, fmt.Errorf("extract: data/words.yaml: unknown list %q", name)
		}
		*dst = wordSet(list)
	}
	for name, dst := range lists {
		if len(*dst) == 0 {
			return nil, fmt.Errorf("extract: data/words.yaml: no list %q", name)
		}
	}
	return w, nil
}

// comparativeAs reports an "as" at i that compares or lists: "as well
// as", "such as", "as of", "as long as".
func (w *words) comparativeAs(toks []token, i int) bool {
	if toks[i].lower != "as" {
		return false
	}
	return i > 0 && w.comparativeAsBefore[toks[i-1].lower] || i+1 < len(toks) && w.comparativeAsAfter[toks[i+1].lower]
}
