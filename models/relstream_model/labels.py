"""The v2 label set and its argument-type constraints (CT-EBM-SP v3 annotation guide, see MODEL.md)."""

V2_LABELS = [
    "Experiences",
    "Has_Age",
    "Has_Dose_or_Strength",
    "Has_Duration_or_Interval",
    "Has_Frequency",
    "Has_Route_or_Mode",
    "Location_of",
    "Used_for",
]

# label -> (allowed subject types, allowed object types), corpus labels.
V2_CONSTRAINTS = {
    "Experiences": (["LIVB"], ["CHEM", "DEVI", "DISO", "Food", "PHYS", "Observation", "PROC"]),
    "Has_Age": (["LIVB"], ["Age"]),
    "Has_Dose_or_Strength": (["CHEM", "CONC", "PROC"], ["Dose"]),
    "Has_Duration_or_Interval": (
        ["CHEM", "CONC", "DEVI", "DISO", "Food", "LIVB", "Observation", "PHYS", "PROC", "Quantifier_or_Qualifier"],
        ["Duration"],
    ),
    "Has_Frequency": (["CHEM", "CONC", "DISO", "Food", "PHYS", "PROC"], ["Frequency"]),
    "Has_Route_or_Mode": (["CHEM", "CONC", "DEVI", "PHYS", "PROC"], ["Route"]),
    "Location_of": (["ANAT", "CONC", "GENE"], ["CHEM", "CONC", "DEVI", "DISO", "LIVB", "Observation", "PHYS", "PROC"]),
    "Used_for": (["ANAT", "LIVB", "CHEM", "CONC", "DEVI", "Food", "PROC"], ["CHEM", "DEVI", "Observation", "PHYS", "PROC"]),
}


def argument_types(constraints):
    """Every entity type that can be a subject or object of some label, sorted."""
    types = set()
    for subjects, objects in constraints.values():
        types.update(subjects)
        types.update(objects)
    return sorted(types)


def constraints_for(labels):
    """The constraint table for a label list; labels outside the v2 table need an explicit table."""
    missing = [label for label in labels if label not in V2_CONSTRAINTS]
    if missing:
        raise ValueError(f"no type constraints known for labels {missing}; pass --constraints FILE")
    return {label: V2_CONSTRAINTS[label] for label in labels}
