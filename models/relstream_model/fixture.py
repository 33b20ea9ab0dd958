"""The parity fixture: PyTorch reference encodings and logits that the TypeScript side must reproduce."""

import torch

from .head import RelationClassifier
from .markers import encode_pair

LONG_FILLER = " y el paciente continuará con el seguimiento clínico habitual en la consulta externa"


def entity(text, surface, entity_type, occurrence=0):
    """An entity over the `occurrence`-th appearance of `surface`, offsets in code points."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return {"start": start, "end": start + len(surface), "type": entity_type, "text": surface}


def sample_sentences():
    """(name, text, entities): the cases MODEL.md and the issue ask for, one concern per sentence."""
    out = []

    def add(name, text, spans):
        out.append((name, text, [entity(text, *span) for span in spans]))

    add("basic", "Aspirina administrada cada 8 horas .", [("Aspirina", "CHEM"), ("cada 8 horas", "Frequency")])
    add("accents", "Se incluirán niños menores de 12 años con epilepsia refractaria .",
        [("niños", "LIVB"), ("menores de 12 años", "Age"), ("epilepsia refractaria", "DISO")])
    add("nested-subject-after-object", "Se evaluará el cáncer de la mama izquierda tras la cirugía .",
        [("cáncer de la mama izquierda", "DISO"), ("mama", "ANAT"), ("cirugía", "PROC")])
    add("non-bmp", "Paciente 😀 tratado con 𝐈nsulina glargina 20 UI por vía subcutánea cada 24 horas .",
        [("Paciente", "LIVB"), ("𝐈nsulina glargina", "CHEM"), ("20 UI", "Dose"), ("por vía subcutánea", "Route"),
         ("cada 24 horas", "Frequency")])
    add("mid-word-boundary", "Morfina 5mg/kg intravenosa durante 3 días .",
        [("Morfina", "CHEM"), ("5mg", "Dose"), ("intravenosa", "Route"), ("durante 3 días", "Duration")])
    add("overlap", "Tratamiento con metformina oral diaria durante seis meses .",
        [("metformina oral", "CHEM"), ("oral diaria", "Frequency"), ("durante seis meses", "Duration")])
    add("adjacent", "Pacientes mayores de 65 años con insuficiencia cardiaca y marcapasos .",
        [("Pacientes", "LIVB"), ("mayores de 65 años", "Age"), ("insuficiencia cardiaca", "DISO"), ("marcapasos", "DEVI")])
    add("many-pairs", "Se incluirán mujeres de 18 a 65 años con cáncer de mama sometidas a cirugía de la mama .",
        [("mujeres", "LIVB"), ("de 18 a 65 años", "Age"), ("cáncer de mama", "DISO"), ("mama", "ANAT"),
         ("cirugía de la mama", "PROC"), ("mama", "ANAT", 1)])
    add("five-arguments", "Los participantes recibirán atorvastatina 20 mg por vía oral una vez al día durante 12 semanas .",
        [("participantes", "LIVB"), ("atorvastatina", "CHEM"), ("20 mg", "Dose"), ("por vía oral", "Route"),
         ("una vez al día", "Frequency"), ("durante 12 semanas", "Duration")])
    add("asthma", "Los pacientes con asma recibirán salbutamol 100 mcg por vía inhalatoria cada 6 horas .",
        [("pacientes", "LIVB"), ("asma", "DISO"), ("salbutamol", "CHEM"), ("100 mcg", "Dose"),
         ("por vía inhalatoria", "Route"), ("cada 6 horas", "Frequency")])
    add("object-inside-subject", "Uso de bomba de insulina para el control glucémico .",
        [("bomba de insulina", "DEVI"), ("insulina", "CHEM"), ("control glucémico", "PHYS")])
    near = "Paracetamol 1 g cada 8 horas" + LONG_FILLER * 12 + " durante 5 días ."
    add("near-512", near, [("Paracetamol", "CHEM"), ("1 g", "Dose"), ("cada 8 horas", "Frequency"), ("durante 5 días", "Duration")])
    over = "Ibuprofeno 400 mg" + LONG_FILLER * 14 + " cada 12 horas ."
    add("over-512", over, [("Ibuprofeno", "CHEM"), ("400 mg", "Dose"), ("cada 12 horas", "Frequency")])
    return out


def allowed(constraints, subject_type, object_type):
    return any(subject_type in s and object_type in o for s, o in constraints.values())


@torch.no_grad()
def build_fixture(model: RelationClassifier, tokenizer, constraints, max_length):
    """Every allowed ordered pair of every sample sentence, with both poolings' logits."""
    poolings = {}
    for pooling in ("span-max", "start-marker"):
        variant = RelationClassifier(model.bert.config, model.classifier.out_features, pooling=pooling)
        variant.load_state_dict(model.state_dict())
        poolings[pooling] = variant.eval()
    cases = []
    for name, text, entities in sample_sentences():
        for si, subject in enumerate(entities):
            for oi, obj in enumerate(entities):
                if si == oi or not allowed(constraints, subject["type"], obj["type"]):
                    continue
                encoded = encode_pair(tokenizer, text, subject, obj, max_length)
                case = {"sentence": name, "text": text, "subject": subject, "object": obj, "skipped": encoded is None}
                if encoded is not None:
                    ids = torch.tensor([encoded["input_ids"]])
                    spans = torch.tensor([encoded["span_idxs"]])
                    mask = torch.ones_like(ids)
                    case.update(encoded)
                    case["logits"] = {p: m(ids, mask, torch.zeros_like(ids), spans)[0].tolist() for p, m in poolings.items()}
                cases.append(case)
    return cases
