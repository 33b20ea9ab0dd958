"""Entity markers and the marked-text encoding of one candidate pair (MODEL.md, "Entity markers").

This is the reference the TypeScript splice encoder must reproduce token for token.
"""

MARKER_FORMAT = {
    "subjectOpen": "<S:{T}>",
    "subjectClose": "</S:{T}>",
    "objectOpen": "<O:{T}>",
    "objectClose": "</O:{T}>",
}
MARKER_PREFIXES = ("<S:", "</S:", "<O:", "</O:")


def type_tag(entity_type):
    """T in <S:T>: the first three characters of the corpus label, case kept (Dose -> Dos)."""
    return entity_type[:3]


def marker_tokens(entity_types):
    """The four markers of every type, in a stable order: the tokens added to the tokenizer."""
    tokens = []
    for entity_type in entity_types:
        tag = type_tag(entity_type)
        for template in MARKER_FORMAT.values():
            token = template.replace("{T}", tag)
            if token not in tokens:
                tokens.append(token)
    return tokens


def marker_insertions(subject, obj):
    """(offset, rank, marker) for the four markers, sorted into text order.

    At one offset: closing markers before opening ones; of two openings the outer entity (later end)
    first, the subject on a tie; of two closings the inner entity (later start) first, the object on a tie.
    Nested and overlapping entities therefore get well-defined, properly bracketed positions.
    """
    s_tag, o_tag = type_tag(subject["type"]), type_tag(obj["type"])
    items = [
        (subject["start"], (1, -subject["end"], 0), MARKER_FORMAT["subjectOpen"].replace("{T}", s_tag)),
        (obj["start"], (1, -obj["end"], 1), MARKER_FORMAT["objectOpen"].replace("{T}", o_tag)),
        (subject["end"], (0, -subject["start"], 1), MARKER_FORMAT["subjectClose"].replace("{T}", s_tag)),
        (obj["end"], (0, -obj["start"], 0), MARKER_FORMAT["objectClose"].replace("{T}", o_tag)),
    ]
    return sorted(items, key=lambda item: (item[0], item[1]))


def marked_words(text, subject, obj):
    """Inserts the markers at the entities' code-point offsets and splits on whitespace into words."""
    pieces = []
    cursor = 0
    for offset, _rank, marker in marker_insertions(subject, obj):
        pieces.append(text[cursor:offset])
        pieces.append(f" {marker} ")
        cursor = offset
    pieces.append(text[cursor:])
    return "".join(pieces).split()


def encode_pair(tokenizer, text, subject, obj, max_length):
    """input_ids and span_idxs of one pair, or None when truncation removed a marker."""
    words = marked_words(text, subject, obj)
    encoding = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length)
    ids = encoding["input_ids"]
    tokens = tokenizer.convert_ids_to_tokens(ids)
    span = []
    for prefix in MARKER_PREFIXES:
        index = next((i for i, token in enumerate(tokens) if token.startswith(prefix)), None)
        if index is None:
            return None
        span.append(index)
    return {"input_ids": ids, "span_idxs": span}
