package gen

// The value lists of TPC-H (specification 4.2.2.13 and dbgen's
// dists.dss). Uniform lists are plain slices; the weighted lists that the
// comment grammar draws from are expanded by newWeighted.

var regionNames = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}

// nations lists the 25 nations in key order with their region keys.
var nations = []struct {
	name   string
	region int32
}{
	{"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1},
	{"EGYPT", 4}, {"ETHIOPIA", 0}, {"FRANCE", 3}, {"GERMANY", 3},
	{"INDIA", 2}, {"INDONESIA", 2}, {"IRAN", 4}, {"IRAQ", 4},
	{"JAPAN", 2}, {"JORDAN", 4}, {"KENYA", 0}, {"MOROCCO", 0},
	{"MOZAMBIQUE", 0}, {"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3},
	{"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3},
	{"UNITED KINGDOM", 3}, {"UNITED STATES", 1},
}

var (
	segments     = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"}
	priorities   = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
	instructions = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	shipModes    = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}

	// p_type is one syllable from each list (150 types).
	typeSyllable1 = []string{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"}
	typeSyllable2 = []string{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"}
	typeSyllable3 = []string{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"}

	// p_container is one syllable from each list (40 containers).
	containerSyllable1 = []string{"SM", "LG", "MED", "JUMBO", "WRAP"}
	containerSyllable2 = []string{"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"}

	// p_name is five distinct colours.
	colors = []string{
		"almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue",
		"blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral",
		"cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab",
		"firebrick", "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green",
		"grey", "honeydew", "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon",
		"light", "lime", "linen", "magenta", "maroon", "medium", "metallic", "midnight", "mint",
		"misty", "moccasin", "navajo", "navy", "olive", "orange", "orchid", "pale", "papaya",
		"peach", "peru", "pink", "plum", "powder", "puff", "purple", "red", "rose", "rosy", "royal",
		"saddle", "salmon", "sandy", "seashell", "sienna", "sky", "slate", "smoke", "snow",
		"spring", "steel", "tan", "thistle", "tomato", "turquoise", "violet", "wheat", "white",
		"yellow",
	}
)

// typeNames and containerNames are the full p_type and p_container
// value lists, built once so that generating a part copies a string
// instead of concatenating three.
var typeNames, containerNames = func() ([]string, []string) {
	var ts, cs []string
	for _, a := range typeSyllable1 {
		for _, b := range typeSyllable2 {
			for _, c := range typeSyllable3 {
				ts = append(ts, a+" "+b+" "+c)
			}
		}
	}
	for _, a := range containerSyllable1 {
		for _, b := range containerSyllable2 {
			cs = append(cs, a+" "+b)
		}
	}
	return ts, cs
}()

// weighted is a word list drawn with the weights of dists.dss: pick
// returns word i with probability weight_i / sum(weights).
type weighted struct {
	words []string
	slots []uint8 // one entry per unit of weight: the word's index
}

type wword struct {
	w      string
	weight int
}

func newWeighted(ws ...wword) weighted {
	d := weighted{}
	for i, x := range ws {
		d.words = append(d.words, x.w)
		for range x.weight {
			d.slots = append(d.slots, uint8(i))
		}
	}
	return d
}

func (d *weighted) pick(r *rng) string { return d.words[d.slots[r.below(len(d.slots))]] }

// The comment grammar (specification 4.2.2.10).
var (
	nouns = newWeighted(
		wword{"packages", 40}, wword{"requests", 40}, wword{"accounts", 40}, wword{"deposits", 40},
		wword{"foxes", 20}, wword{"ideas", 20}, wword{"theodolites", 20}, wword{"pinto beans", 20},
		wword{"instructions", 20}, wword{"dependencies", 10}, wword{"excuses", 10},
		wword{"platelets", 10}, wword{"asymptotes", 10}, wword{"courts", 5}, wword{"dolphins", 5},
		wword{"multipliers", 1}, wword{"sauternes", 1}, wword{"warthogs", 1}, wword{"frets", 1},
		wword{"dinos", 1}, wword{"attainments", 1}, wword{"somas", 1}, wword{"Tiresias", 1},
		wword{"patterns", 1}, wword{"forges", 1}, wword{"braids", 1}, wword{"frays", 1},
		wword{"warhorses", 1}, wword{"dugouts", 1}, wword{"notornis", 1}, wword{"epitaphs", 1},
		wword{"pearls", 1}, wword{"tithes", 1}, wword{"waters", 1}, wword{"orbits", 1},
		wword{"gifts", 1}, wword{"sheaves", 1}, wword{"depths", 1}, wword{"sentiments", 1},
		wword{"decoys", 1}, wword{"realms", 1}, wword{"pains", 1}, wword{"grouches", 1},
		wword{"escapades", 1}, wword{"hockey players", 1},
	)
	verbs = newWeighted(
		wword{"sleep", 20}, wword{"wake", 20}, wword{"are", 20}, wword{"cajole", 20},
		wword{"haggle", 20}, wword{"nag", 10}, wword{"use", 10}, wword{"boost", 10},
		wword{"affix", 5}, wword{"detect", 5}, wword{"integrate", 5}, wword{"maintain", 1},
		wword{"nod", 1}, wword{"was", 1}, wword{"lose", 1}, wword{"sublate", 1}, wword{"solve", 1},
		wword{"thrash", 1}, wword{"promise", 1}, wword{"engage", 1}, wword{"hinder", 1},
		wword{"print", 1}, wword{"x-ray", 1}, wword{"breach", 1}, wword{"eat", 1}, wword{"grow", 1},
		wword{"impress", 1}, wword{"mold", 1}, wword{"poach", 1}, wword{"serve", 1}, wword{"run", 1},
		wword{"dazzle", 1}, wword{"snooze", 1}, wword{"doze", 1}, wword{"unwind", 1},
		wword{"kindle", 1}, wword{"play", 1}, wword{"hang", 1}, wword{"believe", 1}, wword{"doubt", 1},
	)
	adjectives = newWeighted(
		wword{"special", 20}, wword{"pending", 20}, wword{"unusual", 20}, wword{"express", 20},
		wword{"furious", 1}, wword{"sly", 1}, wword{"careful", 1}, wword{"blithe", 1},
		wword{"quick", 1}, wword{"fluffy", 1}, wword{"slow", 1}, wword{"quiet", 1},
		wword{"ruthless", 1}, wword{"thin", 1}, wword{"close", 1}, wword{"dogged", 1},
		wword{"daring", 1}, wword{"brave", 1}, wword{"stealthy", 1}, wword{"permanent", 1},
		wword{"enticing", 1}, wword{"idle", 1}, wword{"busy", 1}, wword{"regular", 50},
		wword{"final", 40}, wword{"ironic", 40}, wword{"even", 30}, wword{"bold", 20},
		wword{"silent", 10},
	)
	adverbs = newWeighted(
		wword{"sometimes", 1}, wword{"always", 1}, wword{"never", 1}, wword{"furiously", 50},
		wword{"slyly", 50}, wword{"carefully", 50}, wword{"blithely", 40}, wword{"quickly", 30},
		wword{"fluffily", 20}, wword{"slowly", 1}, wword{"quietly", 1}, wword{"ruthlessly", 1},
		wword{"thinly", 1}, wword{"closely", 1}, wword{"doggedly", 1}, wword{"daringly", 1},
		wword{"bravely", 1}, wword{"stealthily", 1}, wword{"permanently", 1},
		wword{"enticingly", 1}, wword{"idly", 1}, wword{"busily", 1}, wword{"regularly", 1},
		wword{"finally", 1}, wword{"ironically", 1}, wword{"evenly", 1}, wword{"boldly", 1},
		wword{"silently", 1},
	)
	prepositions = newWeighted(
		wword{"about", 50}, wword{"above", 50}, wword{"according to", 50}, wword{"across", 50},
		wword{"after", 50}, wword{"against", 40}, wword{"along", 40}, wword{"alongside of", 30},
		wword{"among", 30}, wword{"around", 20}, wword{"at", 10}, wword{"atop", 1},
		wword{"before", 1}, wword{"behind", 1}, wword{"beneath", 1}, wword{"beside", 1},
		wword{"besides", 1}, wword{"between", 1}, wword{"beyond", 1}, wword{"by", 1},
		wword{"despite", 1}, wword{"during", 1}, wword{"except", 1}, wword{"for", 1},
		wword{"from", 1}, wword{"in place of", 1}, wword{"inside", 1}, wword{"instead of", 1},
		wword{"into", 1}, wword{"near", 1}, wword{"of", 1}, wword{"on", 1}, wword{"outside", 1},
		wword{"over", 1}, wword{"past", 1}, wword{"since", 1}, wword{"through", 1},
		wword{"throughout", 1}, wword{"to", 1}, wword{"toward", 1}, wword{"under", 1},
		wword{"until", 1}, wword{"up", 1}, wword{"upon", 1}, wword{"whithout", 1}, wword{"with", 1},
		wword{"within", 1},
	)
	auxiliaries = newWeighted(
		wword{"do", 1}, wword{"may", 1}, wword{"might", 1}, wword{"shall", 1}, wword{"will", 1},
		wword{"would", 1}, wword{"can", 1}, wword{"could", 1}, wword{"should", 1},
		wword{"ought to", 1}, wword{"must", 1}, wword{"will have to", 1}, wword{"shall have to", 1},
		wword{"could have to", 1}, wword{"should have to", 1}, wword{"must have to", 1},
		wword{"need to", 1}, wword{"try to", 1},
	)
	terminators = newWeighted(
		wword{".", 50}, wword{";", 1}, wword{":", 1}, wword{"?", 1}, wword{"!", 1}, wword{"--", 1},
	)
	// Sentence forms: N noun phrase, V verb phrase, P prepositional
	// phrase, T terminator.
	sentences = newWeighted(
		wword{"NVT", 3}, wword{"NVPT", 3}, wword{"NVNT", 3}, wword{"NPVNT", 1}, wword{"NPVPT", 1},
	)
	// Noun phrases: N noun, J adjective, ',' a comma after the previous
	// word, D adverb.
	nounPhrases = newWeighted(
		wword{"N", 10}, wword{"JN", 20}, wword{"J,JN", 10}, wword{"DJN", 50},
	)
	// Verb phrases: V verb, X auxiliary, D adverb.
	verbPhrases = newWeighted(
		wword{"V", 30}, wword{"XV", 1}, wword{"VD", 40}, wword{"XVD", 1},
	)
)
