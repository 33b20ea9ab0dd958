"""The tiny demo/test model: the real architecture at toy size, trained briefly on synthetic sentences.

Everything is seeded and single-threaded, and export.py pins the CPU arithmetic (reproducible.py), so that
`export.py --tiny` rebuilds the same bytes where the arithmetic matches, and within a rounding elsewhere.
"""

import random
from collections import Counter

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, PreTrainedTokenizerFast

from . import synthetic
from .head import RelationClassifier
from .labels import V2_LABELS, argument_types, constraints_for
from .markers import encode_pair, marker_tokens

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SEED = 20261125


def learn_vocab(texts, normalizer, pre_tokenizer, max_words=1200):
    """A WordPiece vocab from text: specials, every character (word-initial and ## forms), frequent whole
    words, and frequent word beginnings and endings, so rarer words split into several pieces.

    Built by counting and sorting rather than with tokenizers' WordPieceTrainer, whose tie-breaking varies
    from run to run: the shipped model must rebuild to the same bytes.
    """
    words = Counter()
    for text in texts:
        for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)):
            words[word] += 1
    chars = sorted({c for word in words for c in word})
    pieces = Counter()
    for word, count in words.items():
        for k in (2, 3, 4):
            if len(word) > k + 1:
                pieces[word[:k]] += count
                pieces["##" + word[-k:]] += count
    by_frequency = lambda counter, minimum: [w for w, c in sorted(counter.items(), key=lambda wc: (-wc[1], wc[0])) if c >= minimum]
    ordered = SPECIAL_TOKENS + chars + ["##" + c for c in chars] + by_frequency(words, 2)[:max_words] + by_frequency(pieces, 3)
    vocab = {}
    for token in ordered:
        vocab.setdefault(token, len(vocab))
    return vocab


def build_tokenizer():
    """A cased WordPiece tokenizer set up like bert-base-multilingual-cased, vocab learned from synthetic text."""
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    vocab = learn_vocab(synthetic.corpus_sentences(SEED), normalizer, pre_tokenizer)
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    tok.decoder = decoders.WordPiece(prefix="##")
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=512,
    )
    # The reference adds the markers as ordinary (not special) tokens; their ids follow the vocab.
    fast.add_tokens(marker_tokens(argument_types(constraints_for(V2_LABELS))))
    return fast


def tiny_config(vocab_size):
    return BertConfig(
        vocab_size=vocab_size, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
        max_position_embeddings=512, type_vocab_size=2, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        id2label=dict(enumerate(V2_LABELS)), label2id={label: i for i, label in enumerate(V2_LABELS)},
    )


def encoded_examples(tokenizer, sentences):
    out = []
    for sentence in sentences:
        for subject, obj, label in sentence["relations"]:
            pair = encode_pair(tokenizer, sentence["text"], subject, obj, 512)
            out.append((pair["input_ids"], pair["span_idxs"], V2_LABELS.index(label)))
    return out


def collate(batch, pad_id):
    width = max(len(ids) for ids, _, _ in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (item_ids, _, _) in enumerate(batch):
        ids[row, : len(item_ids)] = torch.tensor(item_ids)
        mask[row, : len(item_ids)] = 1
    spans = torch.tensor([span for _, span, _ in batch], dtype=torch.long)
    labels = torch.tensor([label for _, _, label in batch], dtype=torch.long)
    return ids, mask, torch.zeros_like(ids), spans, labels


def train_tiny(log=print, train_sentences=1200, epochs=4, batch_size=32):
    """Returns (tokenizer, model, held-out accuracy of the raw argmax)."""
    torch.manual_seed(SEED)
    random.seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    tokenizer = build_tokenizer()
    config = tiny_config(len(tokenizer))
    model = RelationClassifier(config, len(V2_LABELS), pooling="span-max")
    train = encoded_examples(tokenizer, synthetic.examples(train_sentences, SEED))
    held_out = encoded_examples(tokenizer, synthetic.examples(400, SEED + 1))
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    rng = random.Random(SEED)
    for epoch in range(epochs):
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), batch_size):
            ids, mask, types, spans, labels = collate([train[i] for i in order[start : start + batch_size]], tokenizer.pad_token_id)
            loss = torch.nn.functional.cross_entropy(model(ids, mask, types, spans), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        log(f"epoch {epoch + 1}/{epochs}: mean loss {total / max(1, len(order) // batch_size):.4f}")
    accuracy = evaluate(model, tokenizer, held_out)
    log(f"held-out accuracy (raw argmax, {len(held_out)} pairs): {accuracy:.4f}")
    return tokenizer, model, accuracy


@torch.no_grad()
def evaluate(model, tokenizer, examples, batch_size=64):
    model.eval()
    correct = 0
    for start in range(0, len(examples), batch_size):
        ids, mask, types, spans, labels = collate(examples[start : start + batch_size], tokenizer.pad_token_id)
        correct += (model(ids, mask, types, spans).argmax(-1) == labels).sum().item()
    return correct / len(examples)
