from relstream_model.markers import marked_words, marker_insertions, marker_tokens, type_tag


def ent(start, end, entity_type):
    return {"start": start, "end": end, "type": entity_type}


def test_type_tag_is_first_three_characters_case_kept():
    assert [type_tag(t) for t in ["CHEM", "Dose", "Quantifier_or_Qualifier", "Age"]] == ["CHE", "Dos", "Qua", "Age"]


def test_marker_tokens_four_per_type_in_stable_order():
    assert marker_tokens(["CHEM"]) == ["<S:CHE>", "</S:CHE>", "<O:CHE>", "</O:CHE>"]


def test_markers_are_separate_words_around_the_entities():
    text = "Aspirina administrada cada 8 horas ."
    words = marked_words(text, ent(0, 8, "CHEM"), ent(22, 34, "Frequency"))
    assert words == ["<S:CHE>", "Aspirina", "</S:CHE>", "administrada", "<O:Fre>", "cada", "8", "horas", "</O:Fre>", "."]


def test_nested_entities_are_properly_bracketed_outer_first():
    text = "cáncer de mama"
    words = marked_words(text, ent(10, 14, "ANAT"), ent(0, 14, "DISO"))
    assert words == ["<O:DIS>", "cáncer", "de", "<S:ANA>", "mama", "</S:ANA>", "</O:DIS>"]


def test_a_boundary_inside_a_word_splits_that_word():
    text = "Morfina 5mg/kg"
    assert marked_words(text, ent(0, 7, "CHEM"), ent(8, 11, "Dose")) == ["<S:CHE>", "Morfina", "</S:CHE>", "<O:Dos>", "5mg", "</O:Dos>", "/kg"]


def test_at_a_shared_offset_close_comes_before_open():
    order = [marker for _, _, marker in marker_insertions(ent(0, 5, "CHEM"), ent(5, 9, "Dose"))]
    assert order == ["<S:CHE>", "</S:CHE>", "<O:Dos>", "</O:Dos>"]


def test_offsets_are_code_points():
    text = "😀 Insulina"
    assert marked_words(text, ent(2, 10, "CHEM"), ent(0, 1, "LIVB"))[:3] == ["<O:LIV>", "😀", "</O:LIV>"]
