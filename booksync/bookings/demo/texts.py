"""The demo studio's own texts in every shipped language and the Family session's questions
(ADR 0019, ADR 0020). Idempotent: only empty texts are filled and missing questions made."""

from __future__ import annotations

from ..models import Question, QuestionType, Service, Studio

SERVICE_TEXTS = {
    "portrait": {
        "en": ("Portrait session", "An hour in the studio: individual portraits, several looks."),
        "de": ("Porträt-Sitzung", "Eine Stunde im Studio: Einzelporträts, mehrere Looks."),
        "fr": ("Séance portrait", "Une heure au studio : portraits individuels, plusieurs tenues."),
    },
    "family": {
        "en": ("Family session", "Up to six people, relaxed and playful."),
        "de": ("Familien-Sitzung", "Bis zu sechs Personen, entspannt und verspielt."),
        "fr": ("Séance famille", "Jusqu'à six personnes, détendue et ludique."),
    },
    "mini": {
        "en": ("Mini session", "A quick update of your profile picture."),
        "de": ("Mini-Sitzung", "Schnell ein neues Profilbild."),
        "fr": ("Mini-séance", "Une mise à jour rapide de votre photo de profil."),
    },
}
STUDIO_TEXTS = {
    "en": ("Photo sessions for people and families",
           "A small portrait studio. Pick a session, choose a time, and we will see you there."),
    "de": ("Fotositzungen für Menschen und Familien",
           "Ein kleines Porträtstudio. Wählen Sie eine Sitzung und eine Zeit, wir freuen uns auf Sie."),
    "fr": ("Séances photo pour particuliers et familles",
           "Un petit studio de portrait. Choisissez une séance et un horaire, nous vous attendons."),
}
FAMILY_QUESTIONS = [
    {"key": "people", "type": QuestionType.NUMBER, "required": True, "order": 1, "min_value": 1, "max_value": 6,
     "label": {"en": "How many people?", "de": "Wie viele Personen?", "fr": "Combien de personnes ?"},
     "help_text": {"en": "Everyone in the photos, children included (up to six).",
                   "de": "Alle auf den Fotos, Kinder eingeschlossen (bis zu sechs).",
                   "fr": "Toutes les personnes sur les photos, enfants compris (six au plus)."}},
    {"key": "occasion", "type": QuestionType.ONE_CHOICE, "required": False, "order": 2,
     "label": {"en": "What is the occasion?", "de": "Was ist der Anlass?", "fr": "Quelle est l'occasion ?"},
     "help_text": {"en": "", "de": "", "fr": ""},
     "choices": [
         {"key": "birthday", "label": "Birthday", "label_de": "Geburtstag", "label_fr": "Anniversaire"},
         {"key": "new_baby", "label": "New baby", "label_de": "Neues Baby", "label_fr": "Naissance"},
         {"key": "anniversary", "label": "Wedding anniversary", "label_de": "Hochzeitstag",
          "label_fr": "Anniversaire de mariage"},
         {"key": "just_because", "label": "Just because", "label_de": "Einfach so", "label_fr": "Juste pour le plaisir"},
     ]},
]


def _fill(row, field: str, texts: dict[str, str]) -> bool:
    changed = False
    for language, text in texts.items():
        column = f"{field}_{language}"
        if not getattr(row, column, None):
            setattr(row, column, text)
            changed = True
    return changed


def load_demo_texts(studio: Studio) -> None:
    """Translations of the demo's texts (only where the studio still shows the demo's English)."""
    english_tagline, english_about = STUDIO_TEXTS["en"]
    if studio.tagline_en in ("", None, english_tagline) and studio.about_en in ("", None, english_about):
        changed = _fill(studio, "tagline", {lang: t for lang, (t, _a) in STUDIO_TEXTS.items()})
        changed |= _fill(studio, "about", {lang: a for lang, (_t, a) in STUDIO_TEXTS.items()})
        if changed:
            studio.save()
    for slug, texts in SERVICE_TEXTS.items():
        service = Service.objects.filter(slug=slug).first()
        if service is None or (service.name_en or service.name) != texts["en"][0]:
            continue  # renamed by the studio: its texts are its own
        changed = _fill(service, "name", {lang: n for lang, (n, _d) in texts.items()})
        changed |= _fill(service, "description", {lang: d for lang, (_n, d) in texts.items()})
        if changed:
            service.save()
    family = Service.objects.filter(slug="family").first()
    if family is None:
        return
    for spec in FAMILY_QUESTIONS:
        if family.questions.filter(key=spec["key"]).exists():
            continue
        question = Question(service=family, key=spec["key"], type=spec["type"], required=spec["required"],
                            order=spec["order"], choices=spec.get("choices", []),
                            min_value=spec.get("min_value"), max_value=spec.get("max_value"))
        for language in ("en", "de", "fr"):
            setattr(question, f"label_{language}", spec["label"][language])
            setattr(question, f"help_text_{language}", spec["help_text"][language] or None)
        question.label, question.help_text = spec["label"]["en"], spec["help_text"]["en"]
        question.save()
