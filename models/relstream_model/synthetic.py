"""Synthetic Spanish clinical-trial sentences with entities and gold relations, for the tiny model.

Templates cover all eight v2 relations; fillers are drawn with a seeded RNG, so a seed gives the same data
on every machine. The texts only need to make the demo's relations sensible, not to be a corpus.
"""

import random

FILLERS = {
    "CHEM": ["metformina", "insulina glargina", "paracetamol", "ibuprofeno", "atorvastatina", "cisplatino",
             "amoxicilina", "omeprazol", "enalapril", "warfarina", "tamoxifeno", "rituximab", "ácido acetilsalicílico",
             "salbutamol", "prednisona", "morfina", "vancomicina", "docetaxel"],
    "DISO": ["diabetes mellitus tipo 2", "hipertensión arterial", "cáncer de mama", "asma", "insuficiencia cardiaca",
             "artritis reumatoide", "neumonía", "depresión mayor", "epilepsia", "infección urinaria", "migraña",
             "enfermedad de Crohn", "linfoma", "psoriasis"],
    "LIVB": ["pacientes", "mujeres", "varones", "adultos", "niños", "voluntarios sanos", "participantes",
             "sujetos", "ancianos", "embarazadas"],
    "Age": ["mayores de 18 años", "de 18 a 65 años", "menores de 12 años", "de entre 40 y 75 años", "mayores de 65 años"],
    "Dose": ["850 mg", "10 mg", "1 g", "500 mg", "20 UI", "0,5 mg/kg", "75 mg", "2 mg", "100 mcg"],
    "Frequency": ["cada 8 horas", "dos veces al día", "una vez al día", "cada 12 horas", "semanalmente",
                  "tres veces por semana", "cada 21 días"],
    "Duration": ["durante 12 semanas", "durante 6 meses", "durante 7 días", "durante un año", "durante 48 horas",
                 "durante 10 días"],
    "Route": ["por vía oral", "por vía intravenosa", "por vía subcutánea", "por vía intramuscular", "por vía inhalatoria",
              "por vía tópica"],
    "ANAT": ["hígado", "pulmón", "mama", "colon", "rodilla", "piel", "riñón", "cerebro", "próstata"],
    "PROC": ["cirugía", "resonancia magnética", "biopsia", "quimioterapia", "radioterapia", "ecografía",
             "colonoscopia", "hemodiálisis", "trasplante renal"],
    "PHYS": ["control glucémico", "presión arterial", "función renal", "frecuencia cardiaca", "calidad del sueño"],
    "Observation": ["respuesta al tratamiento", "remisión completa", "progresión tumoral", "efectos adversos"],
    "DEVI": ["bomba de insulina", "marcapasos", "stent coronario", "inhalador", "catéter venoso"],
}

# (text template, relations as (subject slot, object slot, label)). Slots are {name:TYPE}.
TEMPLATES = [
    ("Se incluirán {a:LIVB} con {b:DISO} .", [("a", "b", "Experiences")]),
    ("Los {a:LIVB} que reciben {b:CHEM} serán evaluados .", [("a", "b", "Experiences")]),
    ("Estudio en {a:LIVB} sometidos a {b:PROC} .", [("a", "b", "Experiences")]),
    ("Se reclutarán {a:LIVB} {b:Age} .", [("a", "b", "Has_Age")]),
    ("Ensayo en {a:LIVB} {b:Age} con {c:DISO} .", [("a", "b", "Has_Age"), ("a", "c", "Experiences")]),
    ("Los participantes recibirán {a:CHEM} {b:Dose} .", [("a", "b", "Has_Dose_or_Strength")]),
    ("Administración de {a:CHEM} {b:Dose} {c:Frequency} .", [("a", "b", "Has_Dose_or_Strength"), ("a", "c", "Has_Frequency")]),
    ("{a:CHEM} administrada {b:Frequency} .", [("a", "b", "Has_Frequency")]),
    ("Se administrará {a:CHEM} {b:Frequency} {c:Duration} .", [("a", "b", "Has_Frequency"), ("a", "c", "Has_Duration_or_Interval")]),
    ("Tratamiento con {a:CHEM} {b:Duration} .", [("a", "b", "Has_Duration_or_Interval")]),
    ("La {a:PROC} se realizará {b:Duration} .", [("a", "b", "Has_Duration_or_Interval")]),
    ("{a:CHEM} {b:Route} .", [("a", "b", "Has_Route_or_Mode")]),
    ("Los pacientes recibirán {a:CHEM} {b:Route} {c:Frequency} .", [("a", "b", "Has_Route_or_Mode"), ("a", "c", "Has_Frequency")]),
    ("{a:CHEM} {b:Dose} {c:Route} {d:Duration} .",
     [("a", "b", "Has_Dose_or_Strength"), ("a", "c", "Has_Route_or_Mode"), ("a", "d", "Has_Duration_or_Interval")]),
    ("Pacientes con metástasis en el {a:ANAT} .", []),
    ("Se evaluará el {b:DISO} del {a:ANAT} .", [("a", "b", "Location_of")]),
    ("Lesión de {b:DISO} localizada en {a:ANAT} .", [("a", "b", "Location_of")]),
    ("Se realizará {b:PROC} de {a:ANAT} .", [("a", "b", "Location_of")]),
    ("Se utilizará {a:CHEM} para el {b:PHYS} .", [("a", "b", "Used_for")]),
    ("La {a:PROC} se empleará para valorar la {b:Observation} .", [("a", "b", "Used_for")]),
    ("Uso de {a:DEVI} para el {b:PHYS} .", [("a", "b", "Used_for")]),
    ("Se usará {a:CHEM} para la {b:PROC} .", [("a", "b", "Used_for")]),
]


def render(template, rng):
    """Fills a template; returns text and entities with code-point offsets (Python str indices)."""
    text, relations = template
    entities = {}
    out = ""
    i = 0
    while i < len(text):
        if text[i] == "{":
            close = text.index("}", i)
            name, entity_type = text[i + 1:close].split(":")
            value = rng.choice(FILLERS[entity_type])
            if not out and value[0].islower():
                value = value[0].upper() + value[1:]
            entities[name] = {"id": f"T{len(entities) + 1}", "type": entity_type, "start": len(out), "end": len(out) + len(value)}
            out += value
            i = close + 1
        else:
            out += text[i]
            i += 1
    gold = [(entities[s], entities[o], label) for s, o, label in relations]
    return {"text": out, "entities": list(entities.values()), "relations": gold}


def examples(count, seed):
    """`count` rendered sentences, cycling through the templates that carry relations."""
    rng = random.Random(seed)
    with_relations = [t for t in TEMPLATES if t[1]]
    return [render(with_relations[i % len(with_relations)], rng) for i in range(count)]


def corpus_sentences(seed, count=3000):
    """Plain texts for learning the WordPiece vocab: every template, many fillings."""
    rng = random.Random(seed)
    return [render(TEMPLATES[i % len(TEMPLATES)], rng)["text"] for i in range(count)]
